// The one place WGSL is generated: the body of a fused kernel, from a typed program (fused-program.ts).
// What is generated is only wiring: the Params struct (from its uniform layout, so the two cannot
// disagree), one binding and one reader per input, override declarations, and a body of `let`s that
// call library functions (lib/fused-values.wgsl: fw_op, fw_convert, fw_quantize, …) on earlier values.
// No shape, type or op code is written into the text: those are uniforms, or override constants where
// the device specialises, so one generated module serves every program with the same wiring. The
// static rest of each kernel (its entry point, indexing, the workgroup reduction) is a file in kernels/.

import type { ElementType } from '../ir/types.js';
import type { FusedStep, ValueRef } from './fused-program.js';
import type { OverrideDefaults } from './kernel-catalog.js';
import { WGSL_UNIFORM_TYPES, type UniformKind, type UniformLayout } from './uniforms.js';

const DYNAMIC = 0xffffffff;

/** A program of elementwise steps over `inputs` inputs and `constants` uniforms. */
export interface PointwiseProgram {
  readonly inputs: readonly ElementType[];
  readonly constants: readonly number[];
  readonly steps: readonly FusedStep[];
  /** The step whose value is the output. */
  readonly result: number;
}

export type Level = 'row' | 'element';

/** One read of an input view: per row, or per element of a row. */
export interface RowRead {
  readonly binding: number;
  readonly level: Level;
  readonly type: ElementType;
}

/** A program over rows: element steps run once per element of a row (in loops), row steps once per row. */
export interface ReduceProgram {
  readonly bindings: number;
  readonly reads: readonly RowRead[];
  readonly constants: readonly number[];
  readonly steps: readonly (FusedStep & { readonly level: Level })[];
  readonly result: number;
  /**
   * Results of a narrow type are written a word at a time: element results a row's words at a time
   * (rows are contiguous, whole words), per-row results by a workgroup that runs the rows sharing one
   * output word (a bool per row: 4 rows a workgroup).
   */
  readonly packed: boolean;
}

export interface GeneratedKernel {
  readonly text: string;
  readonly layout: UniformLayout;
  readonly overrides: OverrideDefaults;
  readonly codes: Readonly<Record<string, readonly [string, number]>>;
  readonly bindings: number;
}

function struct(layout: UniformLayout): string {
  const fields = Object.entries(layout).map(([name, kind]) => `  ${name}: ${WGSL_UNIFORM_TYPES[kind]},`);
  return ['struct Params {', ...fields, '}', '', '@group(0) @binding(0) var<uniform> params: Params;'].join('\n');
}

function bindingLines(inputs: number): string[] {
  const lines: string[] = [];
  for (let k = 0; k < inputs; k++) lines.push(`@group(0) @binding(${k + 1}) var<storage, read_write> x${k}: array<u32>;`);
  lines.push(`@group(0) @binding(${inputs + 1}) var<storage, read_write> y: array<u32>;`);
  return lines;
}

/** Element e of input k as a value of type t. */
function readers(inputs: number): string[] {
  const lines: string[] = [];
  for (let k = 0; k < inputs; k++) {
    lines.push(`fn read_x${k}(e: u32, t: u32) -> f32 {`, `  return fw_load(t, x${k}[word_of(e, type_bytes(t))], e);`, '}', '');
  }
  return lines;
}

const code = (s: number, field: 'OP' | 'T' | 'F') => `code_or(S${s}_${field}, params.s${s}.${field === 'OP' ? 'x' : field === 'T' ? 'y' : 'z'})`;

/** The WGSL expression of one step, its operands spelt by `name`. */
function stepExpression(s: number, step: FusedStep, name: (r: ValueRef) => string): string {
  const a = step.args.map(name);
  switch (step.kind) {
    case 'op':
      return `fw_op(${code(s, 'OP')}, ${code(s, 'T')}, ${a[0] ?? '0.0'}, ${a[1] ?? '0.0'}, ${a[2] ?? '0.0'})`;
    case 'convert':
      return `fw_convert(${code(s, 'T')}, ${code(s, 'F')}, ${a[0]})`;
    case 'quantize':
      return `fw_quantize(${code(s, 'T')}, ${code(s, 'F')}, ${a[0]}, ${a[1]}, ${a[2]})`;
    case 'dequantize':
      return `fw_dequantize(${code(s, 'T')}, ${a[0]}, ${a[1]}, ${a[2]})`;
    case 'where':
      return `fw_where(${a[0]}, ${a[1]}, ${a[2]})`;
    case 'reduce':
      throw new Error('a reduction is not an expression');
    default:
      return step.kind satisfies never;
  }
}

function stepOverrides(count: number, overrides: Record<string, number>, codes: Record<string, readonly [string, number]>, layout: Record<string, UniformKind>): string[] {
  const lines: string[] = [];
  for (let s = 0; s < count; s++) {
    layout[`s${s}`] = 'vec4u';
    (['OP', 'T', 'F'] as const).forEach((f, c) => {
      overrides[`S${s}_${f}`] = DYNAMIC;
      codes[`S${s}_${f}`] = [`s${s}`, c];
      lines.push(`override S${s}_${f}: u32 = 0xffffffffu;`);
    });
  }
  return lines;
}

/** The generated part of a fused pointwise kernel (kernels/fused-pointwise.wgsl is the rest). */
export function pointwiseSource(p: PointwiseProgram): GeneratedKernel {
  const n = p.inputs.length;
  const layout: Record<string, UniformKind> = { count: 'u32', rank: 'u32', contiguous: 'u32', _pad0: 'u32', lens: 'u32x8' };
  const overrides: Record<string, number> = { WG: 64 };
  const codes: Record<string, readonly [string, number]> = {};
  const decls: string[] = [];
  for (let k = 0; k < n; k++) {
    layout[`x${k}_offset`] = 'i32';
    layout[`x${k}_type`] = 'u32';
    layout[`x${k}_strides`] = 'i32x8';
    overrides[`X${k}_T`] = DYNAMIC;
    codes[`X${k}_T`] = [`x${k}_type`, 0];
    decls.push(`override X${k}_T: u32 = 0xffffffffu;`);
  }
  decls.push(...stepOverrides(p.steps.length, overrides, codes, layout));
  p.constants.forEach((_, k) => (layout[`c${k}`] = 'f32'));

  const used = new Set<number>();
  for (const s of p.steps) for (const r of s.args) if (r.kind === 'input') used.add(r.index);
  const name = (r: ValueRef) => (r.kind === 'input' ? `in${r.index}` : r.kind === 'const' ? `params.c${r.index}` : `v${r.index}`);
  const body: string[] = [];
  for (const k of [...used].sort((x, y) => x - y)) body.push(`  let in${k} = read_x${k}(input_index(i, params.x${k}_offset, params.x${k}_strides), code_or(X${k}_T, params.x${k}_type));`);
  p.steps.forEach((s, k) => body.push(`  let v${k} = ${stepExpression(k, s, name)};`));
  const text = [
    `// Generated by src/codegen/fused-source.ts: ${n} input(s), ${p.steps.length} step(s), ${p.constants.length} constant(s).`,
    '',
    struct(layout),
    ...bindingLines(n),
    '',
    ...decls,
    '',
    ...readers(n),
    'fn y_type() -> u32 {',
    `  return ${code(p.result, 'T')};`,
    '}',
    '',
    'fn element(i: u32) -> f32 {',
    ...body,
    `  return v${p.result};`,
    '}',
    '',
  ].join('\n');
  return { text, layout, overrides, codes, bindings: n + 1 };
}

/** The generated part of a fused row-reduction kernel (kernels/fused-reduce.wgsl is the rest). */
export function reduceSource(p: ReduceProgram): GeneratedKernel {
  const layout: Record<string, UniformKind> = {
    rows: 'u32',
    length: 'u32',
    kept_rank: 'u32',
    red_rank: 'u32',
    kept_lens: 'u32x8',
    red_lens: 'u32x8',
    out_kept: 'i32x8',
    out_red: 'i32x8',
  };
  const overrides: Record<string, number> = { WG: 64 };
  const codes: Record<string, readonly [string, number]> = {};
  const decls: string[] = [];
  p.reads.forEach((_, r) => {
    layout[`r${r}_offset`] = 'i32';
    layout[`r${r}_type`] = 'u32';
    layout[`r${r}_kept`] = 'i32x8';
    layout[`r${r}_red`] = 'i32x8';
    overrides[`R${r}_T`] = DYNAMIC;
    codes[`R${r}_T`] = [`r${r}_type`, 0];
    decls.push(`override R${r}_T: u32 = 0xffffffffu;`);
  });
  decls.push(...stepOverrides(p.steps.length, overrides, codes, layout));
  p.constants.forEach((_, k) => (layout[`c${k}`] = 'f32'));

  const name = (r: ValueRef) => (r.kind === 'input' ? `in${r.index}` : r.kind === 'const' ? `params.c${r.index}` : `v${r.index}`);
  const readType = (r: number) => `code_or(R${r}_T, params.r${r}_type)`;
  const levelOf = (r: ValueRef): Level | 'const' => (r.kind === 'const' ? 'const' : r.kind === 'input' ? p.reads[r.index]!.level : p.steps[r.index]!.level);

  /** The element-level reads and steps `target` needs, in program order, as statements using `j`. */
  const elementStatements = (target: ValueRef, indent: string): string[] => {
    const reads = new Set<number>();
    const steps = new Set<number>();
    const visit = (r: ValueRef) => {
      if (levelOf(r) !== 'element') return;
      if (r.kind === 'input') reads.add(r.index);
      else if (r.kind === 'step' && !steps.has(r.index)) {
        steps.add(r.index);
        p.steps[r.index]!.args.forEach(visit);
      }
    };
    visit(target);
    const out: string[] = [];
    for (const r of [...reads].sort((x, y) => x - y)) {
      out.push(`${indent}let in${r} = read_x${p.reads[r]!.binding}(u32(base${r} + row_base(j, params.red_rank, params.red_lens, params.r${r}_red)), ${readType(r)});`);
    }
    for (const s of [...steps].sort((x, y) => x - y)) out.push(`${indent}let v${s} = ${stepExpression(s, p.steps[s]!, name)};`);
    return out;
  };

  const body: string[] = [];
  p.reads.forEach((read, r) => {
    body.push(`  let base${r} = params.r${r}_offset + row_base(row, params.kept_rank, params.kept_lens, params.r${r}_kept);`);
    if (read.level === 'row') body.push(`  let in${r} = read_x${read.binding}(u32(base${r}), ${readType(r)});`);
  });
  p.steps.forEach((s, k) => {
    if (s.kind === 'reduce') {
      const op = code(k, 'OP');
      body.push(`  var acc${k} = reduce_init(${op});`);
      body.push('  for (var j = lane; j < params.length; j += WG) {');
      body.push(...elementStatements(s.args[0]!, '    '));
      body.push(`    acc${k} = reduce_step(${op}, acc${k}, ${name(s.args[0]!)});`);
      body.push('  }');
      body.push(`  let v${k} = fw_round(${code(k, 'T')}, reduce_finish(${op}, wg_reduce(${op}, acc${k}, lane), params.length), true);`);
    } else if (s.level === 'row') {
      body.push(`  let v${k} = ${stepExpression(k, s, name)};`);
    }
  });
  const result: ValueRef = { kind: 'step', index: p.result };
  const store = `store_f32_bits(y_type(), bitcast<u32>(v${p.result}), true)`;
  const rowResult = p.steps[p.result]!.level === 'row';
  const packedRows = rowResult && p.packed;
  // run_group(group, lane): what one workgroup does (kernels/fused-reduce.wgsl calls it). Packed rows:
  // the rows whose results share an output word, one after another; lane 0 writes the word.
  const runGroup = packedRows
    ? [
      'fn run_group(group: u32, lane: u32) {',
      '  let bytes = type_bytes(y_type());',
      '  let per = per_word(bytes);',
      '  if (group * per >= params.rows) {',
      '    return;',
      '  }',
      '  var word = 0u;',
      '  for (var e = 0u; e < per; e++) {',
      '    let row = group * per + e;',
      '    if (row < params.rows) {',
      '      let v = row_program(row, lane);',
      '      word = insert_bits(word, row, bytes, store_f32_bits(y_type(), bitcast<u32>(v), true));',
      '    }',
      '  }',
      '  if (lane == 0u) {',
      '    y[group] = word;',
      '  }',
      '}',
    ]
    : ['fn run_group(group: u32, lane: u32) {', '  if (group >= params.rows) {', '    return;', '  }', '  row_program(group, lane);', '}'];
  if (packedRows) {
    body.push(`  return v${p.result};`);
  } else if (rowResult) {
    body.push('  if (lane == 0u) {', `    y[u32(row_base(row, params.kept_rank, params.kept_lens, params.out_kept))] = ${store};`, '  }');
  } else if (p.packed) {
    body.push(
      '  let bytes = type_bytes(y_type());',
      '  let per = per_word(bytes);',
      '  let first_word = row * (params.length / per);',
      '  for (var w = lane; w < params.length / per; w += WG) {',
      '    var word = 0u;',
      '    for (var e = 0u; e < per; e++) {',
      '      let j = w * per + e;',
      ...elementStatements(result, '      '),
      `      word = insert_bits(word, j, bytes, ${store});`,
      '    }',
      '    y[first_word + w] = word;',
      '  }',
    );
  } else {
    body.push(
      '  let out_base = row_base(row, params.kept_rank, params.kept_lens, params.out_kept);',
      '  for (var j = lane; j < params.length; j += WG) {',
      ...elementStatements(result, '    '),
      `    y[u32(out_base + row_base(j, params.red_rank, params.red_lens, params.out_red))] = ${store};`,
      '  }',
    );
  }
  const text = [
    `// Generated by src/codegen/fused-source.ts: ${p.bindings} input(s), ${p.reads.length} read(s), ${p.steps.length} step(s).`,
    '',
    struct(layout),
    ...bindingLines(p.bindings),
    '',
    ...decls,
    '',
    ...readers(p.bindings),
    'fn y_type() -> u32 {',
    `  return ${code(p.result, 'T')};`,
    '}',
    '',
    `fn row_program(row: u32, lane: u32)${packedRows ? ' -> f32' : ''} {`,
    ...body,
    '}',
    '',
    ...runGroup,
    '',
  ].join('\n');
  return { text, layout, overrides, codes, bindings: p.bindings + 1 };
}
