// Topological order of a graph's (or a function body's) nodes by data dependencies, because ONNX files
// may list nodes unsorted. Stable: among ready nodes the earliest in file order goes first, so a sorted
// graph keeps its order. Reports unknown inputs and cycles as ModelErrors naming a node.

import { ModelError } from '../errors.js';
import type { OnnxNode } from './model.js';

/**
 * Sorts `nodes` so each comes after the producers of its inputs. `available` holds the names known before
 * any node runs (graph inputs, initializers, outer-scope values).
 */
export function sortNodes(nodes: readonly OnnxNode[], available: ReadonlySet<string>): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, k) => {
    for (const out of n.outputs) if (out !== '') producer.set(out, k);
  });

  // Count, for every node, the inputs still waiting for a producer node.
  const waiting = new Array<number>(nodes.length).fill(0);
  const users = new Map<number, number[]>();
  nodes.forEach((n, k) => {
    for (const name of new Set(n.inputs)) {
      if (name === '') continue;
      const p = producer.get(name);
      if (p === undefined) {
        if (!available.has(name)) {
          throw new ModelError(`input '${name}' is not produced by any node, input or initializer`, { node: n.name, opType: n.opType });
        }
        continue;
      }
      waiting[k]!++;
      if (!users.has(p)) users.set(p, []);
      users.get(p)!.push(k);
    }
  });

  // Kahn's algorithm with a min-heap of ready indices keeps file order among ready nodes.
  const ready = new MinHeap();
  waiting.forEach((w, k) => {
    if (w === 0) ready.push(k);
  });
  const order: OnnxNode[] = [];
  while (ready.size > 0) {
    const k = ready.pop();
    order.push(nodes[k]!);
    for (const u of users.get(k) ?? []) {
      if (--waiting[u]! === 0) ready.push(u);
    }
  }
  if (order.length < nodes.length) {
    const cycle = findCycle(nodes, producer, waiting);
    const n = nodes[cycle[0]!]!;
    const path = [...cycle, cycle[0]!].map((k) => `'${nodes[k]!.name}'`).join(' -> ');
    throw new ModelError(`cyclic graph: ${path}`, { node: n.name, opType: n.opType });
  }
  return order;
}

/**
 * Walks producer links from an unsorted node until one repeats (every unsorted node waits on another
 * unsorted node, so the walk must close a loop); returns the loop in data-flow order.
 */
function findCycle(nodes: readonly OnnxNode[], producer: ReadonlyMap<string, number>, waiting: readonly number[]): number[] {
  const walk: number[] = [];
  let k = waiting.findIndex((w) => w > 0);
  while (!walk.includes(k)) {
    walk.push(k);
    const next = nodes[k]!.inputs.map((name) => producer.get(name)).find((p) => p !== undefined && waiting[p]! > 0);
    if (next === undefined) break;
    k = next;
  }
  // The walk goes from users to producers; the loop starts where k first appeared.
  return walk.slice(walk.indexOf(k)).reverse();
}

class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= x) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = x;
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < a.length && a[l]! < best) {
          m = l;
          best = a[l]!;
        }
        if (r < a.length && a[r]! < best) m = r;
        if (m === i) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}
