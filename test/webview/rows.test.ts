// The IR view's row model (webview/ir-view/rows.ts, DOM-free), bundled and run in Node: the filter
// query, legend categories, module/attention-region groups, collapsing, and the compare summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import type { CompactInstruction, CompactProgram } from '../../src/protocol/compact-ir.js';
import { REPO_ROOT, repoPath } from '../helpers/paths.js';

type Rows = typeof import('../../webview/ir-view/rows.js');

const out = await build({ entryPoints: [repoPath('webview/ir-view/rows.ts')], bundle: true, format: 'esm', platform: 'neutral', write: false, absWorkingDir: REPO_ROOT, logLevel: 'warning' });
const rows = (await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0]!.text).toString('base64')}`)) as Rows;

function ins(name: string, op: string, p: Partial<CompactInstruction> = {}): CompactInstruction {
  return { name, module: 'main', op, text: `${name} = ${op}()`, line: 0, type: 'half_type', lens: [2, 8], inputs: [], quantization: 'none', ...p };
}

const program: CompactProgram = {
  file: 'm.onnx',
  instructions: [
    ins('x', '@param', { lens: [1, 64, 128] }),
    ins('@1', 'dot', { onnxNode: 'qk', onnxOpType: 'MatMul', quantization: 'skipped', attention: { region: 0, role: 'qk', reason: 'r' }, kernel: 'k_attn' }),
    ins('@2', 'mul', { quantization: 'none', kernel: 'k_other' }),
    ins('@3', 'softmax', { onnxNode: 'sm', quantization: 'skipped', attention: { region: 0, role: 'softmax', reason: 'r' }, kernel: 'k_attn' }),
    ins('@4', 'quant_dot', { onnxNode: 'proj', quantization: 'quantized', scale: 0.5 }),
    ins('@5', 'add', { kernel: 'k_fused' }),
    ins('@6', 'relu', { kernel: 'k_fused' }),
    ins('main:pointwise0:@0', 'add', { module: 'main:pointwise0' }),
  ],
  attention: [{ id: 0, pattern: 'dot-softmax-dot', instructions: ['@1', '@3'], onnxNodes: ['qk', 'sm'] }],
  diagnostics: [],
  stats: { instructions: 7, modules: 2 },
};

const names = (r: ReturnType<Rows['buildRows']>): string[] => r.rows.map((x) => (x.kind === 'group' ? `[${x.key} ${x.count}${x.collapsed ? ' collapsed' : ''}]` : x.ins.name));

test('parseQuery splits field terms and free words; unknown prefixes stay text', () => {
  assert.deepEqual(rows.parseQuery('  op:Dot name:@5   shape:1x64  node:QK softmax main:pointwise0:@1 op: '), [
    { field: 'op', value: 'dot' },
    { field: 'name', value: '@5' },
    { field: 'shape', value: '1x64' },
    { field: 'node', value: 'qk' },
    { field: 'any', value: 'softmax' },
    { field: 'any', value: 'main:pointwise0:@1' },
  ]);
});

test('categories: skip set, quantized, fused (a kernel shared by several instructions), other', () => {
  const fused = rows.fusedKernels(program);
  assert.deepEqual([...fused].sort(), ['k_attn', 'k_fused']);
  assert.deepEqual(program.instructions.map((i) => rows.category(i, fused)), ['other', 'skipped', 'other', 'skipped', 'quantized', 'fused', 'fused', 'other']);
});

test('rows: module headers, the region header before its first member, members flagged with their region', () => {
  const r = rows.buildRows(program, '', 'all', new Set());
  assert.deepEqual(names(r), ['[m:main 7]', 'x', '[r:0 2]', '@1', '@2', '@3', '@4', '@5', '@6', '[m:main:pointwise0 1]', 'main:pointwise0:@0']);
  assert.equal(r.matched, 8);
  assert.deepEqual(r.rows.filter((x) => x.kind === 'ins' && x.region !== undefined).map((x) => (x.kind === 'ins' ? x.ins.name : '')), ['@1', '@3']);
});

test('collapsing a region hides its members only; collapsing a module hides the module', () => {
  assert.deepEqual(names(rows.buildRows(program, '', 'all', new Set(['r:0']))), ['[m:main 7]', 'x', '[r:0 2 collapsed]', '@2', '@4', '@5', '@6', '[m:main:pointwise0 1]', 'main:pointwise0:@0']);
  assert.deepEqual(names(rows.buildRows(program, '', 'all', new Set(['m:main']))), ['[m:main 7 collapsed]', '[m:main:pointwise0 1]', 'main:pointwise0:@0']);
});

test('filters: op prefix, name, shape forms, ONNX node or op type, state; groups without matches vanish', () => {
  const q = (query: string, filter: Parameters<Rows['buildRows']>[2] = 'all') => names(rows.buildRows(program, query, filter, new Set()));
  assert.deepEqual(q('op:dot'), ['[m:main 1]', '[r:0 1]', '@1']);
  assert.deepEqual(q('op:quant'), ['[m:main 1]', '@4']);
  assert.deepEqual(q('shape:{1, 64}'.replace(' ', '')), ['[m:main 1]', 'x']);
  assert.deepEqual(q('shape:1,64,128'), ['[m:main 1]', 'x']);
  assert.deepEqual(q('node:matmul'), ['[m:main 1]', '[r:0 1]', '@1']);
  assert.deepEqual(q('pointwise0'), ['[m:main:pointwise0 1]', 'main:pointwise0:@0']);
  assert.deepEqual(q('', 'skipped'), ['[m:main 2]', '[r:0 2]', '@1', '@3']);
  assert.deepEqual(q('', 'fused'), ['[m:main 2]', '@5', '@6']);
  assert.deepEqual(q('', 'other'), ['[m:main 2]', 'x', '@2', '[m:main:pointwise0 1]', 'main:pointwise0:@0']);
  assert.deepEqual(q('op:add', 'quantized'), []);
});

test('summarize counts what the compare table shows', () => {
  assert.deepEqual(rows.summarize(program), { instructions: 8, skipped: 2, quantized: 1, fusedKernels: 2, regions: 1, diagnostics: 0 });
});
