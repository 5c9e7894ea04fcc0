// Placing allocations in one scratch buffer (MIGraphX's allocation_segment): each allocation gets a
// segment [start, end) in alignment units that overlaps none of the allocations it is live with.
// Allocations with fewer conflicts go first; each is put at 0 when it fits before its neighbours'
// segments, else in the first gap that holds it, else after the furthest neighbour; three refinement
// sweeps then move any allocation to a better place that does not grow the total.

import type { Instruction } from '../ir/instruction.js';

export type Segment = readonly [start: number, end: number];

export type ConflictTable = ReadonlyMap<Instruction, ReadonlySet<Instruction>>;

const overlap = (x: Segment, y: Segment) => Math.max(x[0], y[0]) < Math.min(x[1], y[1]);

const bySegment = (x: Segment, y: Segment) => x[0] - y[0] || x[1] - y[1];

/** The first gap of at least `n` units between sorted segments, as the segment that precedes it. */
function findGap(sorted: readonly Segment[], n: number): Segment | undefined {
  for (let k = 0; k + 1 < sorted.length; k++) {
    const x = sorted[k]!;
    const y = sorted[k + 1]!;
    if (overlap(x, y) || y[0] - x[1] < n) continue;
    // A wider segment earlier in the order may cover this gap.
    if (sorted.slice(0, k).some((s) => overlap(s, x))) continue;
    return x;
  }
  return undefined;
}

/** Where `units` fit among `taken` (the neighbours' segments). */
function nextSegment(taken: readonly Segment[], units: number): Segment {
  const sorted = [...taken].sort(bySegment);
  let start = 0;
  if (sorted.length === 0 || sorted[0]![0] <= units) {
    const gap = findGap(sorted, units) ?? sorted.reduce<Segment | undefined>((best, s) => (best === undefined || s[1] > best[1] ? s : best), undefined);
    if (gap) start = gap[1];
  }
  return [start, start + units];
}

/**
 * Segments for every allocation in `conflicts`. `bytes` gives each allocation's size; `order` breaks
 * ties deterministically (program position).
 */
export function placeSegments(conflicts: ConflictTable, bytes: (i: Instruction) => number, order: ReadonlyMap<Instruction, number>, alignment: number): Map<Instruction, Segment> {
  const units = (i: Instruction) => Math.ceil(bytes(i) / alignment);
  const queue = [...conflicts.keys()].sort(
    (x, y) => conflicts.get(x)!.size - conflicts.get(y)!.size || bytes(x) - bytes(y) || order.get(x)! - order.get(y)!,
  );
  const placed = new Map<Instruction, Segment>();
  const neighbourSegments = (parent: Instruction) =>
    [...conflicts.get(parent)!].map((c) => placed.get(c)).filter((s): s is Segment => s !== undefined);
  for (const parent of queue) {
    const taken = neighbourSegments(parent);
    const own = placed.get(parent);
    if (own === undefined || taken.some((s) => overlap(s, own))) placed.set(parent, nextSegment(taken, units(parent)));
  }
  const total = () => Math.max(0, ...[...placed.values()].map((s) => s[1]));
  for (let sweep = 0; sweep < 3; sweep++) {
    for (const parent of queue) {
      const s = nextSegment(neighbourSegments(parent), units(parent));
      const own = placed.get(parent)!;
      if ((s[0] !== own[0] || s[1] !== own[1]) && s[1] <= total()) placed.set(parent, s);
    }
  }
  return placed;
}
