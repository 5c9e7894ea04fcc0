// What the IR list shows, as data: the filter query, each instruction's legend category, and the flat
// list of rows (module and attention-region headers, instructions) after filtering and collapsing.
// No DOM here, so it is cheap to test and to run over 50,000 instructions on every keystroke.

import type { CompactInstruction, CompactProgram } from '../../src/protocol/compact-ir.js';

/** Legend categories, in the legend's order. */
export type Category = 'skipped' | 'quantized' | 'fused' | 'other';
export type StateFilter = 'all' | Category;

export const STATE_FILTERS: readonly { readonly value: StateFilter; readonly label: string }[] = [
  { value: 'all', label: 'All instructions' },
  { value: 'skipped', label: 'Skip set' },
  { value: 'quantized', label: 'Quantized' },
  { value: 'fused', label: 'Fused kernel' },
  { value: 'other', label: 'Other' },
];

export type QueryField = 'op' | 'name' | 'shape' | 'node' | 'any';

export interface QueryTerm {
  readonly field: QueryField;
  readonly value: string;
}

const FIELDS: Readonly<Record<string, QueryField>> = { op: 'op', name: 'name', shape: 'shape', node: 'node', onnx: 'node' };

/**
 * `op:dot name:@5 shape:1024x128 node:softmax words` → terms; every term must match (case-insensitive;
 * `op:` matches a prefix of the op name, the others match anywhere).
 * Unknown prefixes are plain text, so `main:pointwise0:@1` searches for itself.
 */
export function parseQuery(text: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    const colon = word.indexOf(':');
    const field = colon > 0 ? FIELDS[word.slice(0, colon).toLowerCase()] : undefined;
    const value = (field ? word.slice(colon + 1) : word).toLowerCase();
    if (value === '') continue;
    terms.push({ field: field ?? 'any', value });
  }
  return terms;
}

/** `{1, 16, 1024}`, `1,16,1024` and `1x16x1024` all become `1x16x1024`. */
function normalizeShape(s: string): string {
  return s.replace(/[{}[\]()\s]/g, '').replace(/,/g, 'x');
}

/** Kernels that more than one instruction was lowered into. */
export function fusedKernels(program: CompactProgram): Set<string> {
  const count = new Map<string, number>();
  for (const i of program.instructions) if (i.kernel !== undefined) count.set(i.kernel, (count.get(i.kernel) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([k]) => k));
}

export function category(ins: CompactInstruction, fused: ReadonlySet<string>): Category {
  if (ins.quantization === 'skipped') return 'skipped';
  if (ins.quantization === 'quantized') return 'quantized';
  if (ins.kernel !== undefined && fused.has(ins.kernel)) return 'fused';
  return 'other';
}

function termMatches(ins: CompactInstruction, t: QueryTerm): boolean {
  const has = (s: string | undefined): boolean => s !== undefined && s.toLowerCase().includes(t.value);
  const shape = (): boolean => ins.lens.join('x').includes(normalizeShape(t.value)) || has(ins.type);
  switch (t.field) {
    case 'op':
      // A prefix: `op:dot` is dot only, `op:quant` is quant_dot and quantizelinear.
      return ins.op.toLowerCase().startsWith(t.value);
    case 'name':
      return has(ins.name);
    case 'node':
      return has(ins.onnxNode) || has(ins.onnxOpType);
    case 'shape':
      return shape();
    case 'any':
      return has(ins.name) || has(ins.op) || has(ins.onnxNode) || has(ins.onnxOpType) || has(ins.text) || shape();
    default:
      return t.field satisfies never;
  }
}

export function instructionMatches(ins: CompactInstruction, terms: readonly QueryTerm[], filter: StateFilter, fused: ReadonlySet<string>): boolean {
  if (filter !== 'all' && category(ins, fused) !== filter) return false;
  return terms.every((t) => termMatches(ins, t));
}

export interface GroupRow {
  readonly kind: 'group';
  readonly key: string;
  readonly group: 'module' | 'region';
  readonly label: string;
  /** Instructions in the group that pass the filter. */
  readonly count: number;
  readonly collapsed: boolean;
}

export interface InstructionRow {
  readonly kind: 'ins';
  readonly ins: CompactInstruction;
  readonly category: Category;
  /** Set when the instruction belongs to an attention region (it is drawn indented under its header). */
  readonly region?: number;
}

export type Row = GroupRow | InstructionRow;

export function moduleKey(module: string): string {
  return `m:${module}`;
}

export function regionKey(region: number): string {
  return `r:${region}`;
}

export interface RowsResult {
  readonly rows: Row[];
  readonly matched: number;
  readonly total: number;
}

/**
 * The rows to draw: per module (in print order) a header, then its instructions; each attention region's
 * header comes right before its first shown member. A collapsed group hides its members (instructions
 * between them that are not members stay). Groups with no instruction passing the filter are left out.
 */
export function buildRows(program: CompactProgram, query: string, filter: StateFilter, collapsed: ReadonlySet<string>): RowsResult {
  const terms = parseQuery(query);
  const fused = fusedKernels(program);
  const patterns = new Map(program.attention.map((r) => [r.id, r.pattern]));
  const shown: boolean[] = program.instructions.map((ins) => instructionMatches(ins, terms, filter, fused));
  const perModule = new Map<string, number>();
  const perRegion = new Map<number, number>();
  let matched = 0;
  program.instructions.forEach((ins, i) => {
    if (!shown[i]) return;
    matched++;
    perModule.set(ins.module, (perModule.get(ins.module) ?? 0) + 1);
    if (ins.attention) perRegion.set(ins.attention.region, (perRegion.get(ins.attention.region) ?? 0) + 1);
  });

  const rows: Row[] = [];
  const headed = new Set<string>();
  program.instructions.forEach((ins, i) => {
    if (!shown[i]) return;
    const mk = moduleKey(ins.module);
    if (!headed.has(mk)) {
      headed.add(mk);
      const n = perModule.get(ins.module) ?? 0;
      rows.push({ kind: 'group', key: mk, group: 'module', label: `module: "${ins.module}"`, count: n, collapsed: collapsed.has(mk) });
    }
    if (collapsed.has(mk)) return;
    const region = ins.attention?.region;
    if (region !== undefined) {
      const rk = regionKey(region);
      if (!headed.has(rk)) {
        headed.add(rk);
        const pattern = patterns.get(region);
        rows.push({
          kind: 'group',
          key: rk,
          group: 'region',
          label: `Attention region ${region}${pattern ? ` (${pattern})` : ''}`,
          count: perRegion.get(region) ?? 0,
          collapsed: collapsed.has(rk),
        });
      }
      if (collapsed.has(rk)) return;
    }
    rows.push({ kind: 'ins', ins, category: category(ins, fused), ...(region !== undefined ? { region } : {}) });
  });
  return { rows, matched, total: program.instructions.length };
}

export interface ProgramSummary {
  readonly instructions: number;
  readonly skipped: number;
  readonly quantized: number;
  readonly fusedKernels: number;
  readonly regions: number;
  readonly diagnostics: number;
}

export function summarize(program: CompactProgram): ProgramSummary {
  let skipped = 0;
  let quantized = 0;
  for (const i of program.instructions) {
    if (i.quantization === 'skipped') skipped++;
    else if (i.quantization === 'quantized') quantized++;
  }
  const regions = new Set(program.instructions.flatMap((i) => (i.attention ? [i.attention.region] : [])));
  for (const r of program.attention) regions.add(r.id);
  return {
    instructions: program.instructions.length,
    skipped,
    quantized,
    fusedKernels: fusedKernels(program).size,
    regions: regions.size,
    diagnostics: program.diagnostics.length,
  };
}
