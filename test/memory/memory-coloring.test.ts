// MIGraphX's memory_coloring tests (test/memory_coloring_test.cpp), rebuilt here: allocations feeding
// `pass` ops (whose output aliases their first input), and the scratch size MIGraphX computes for each.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { defineOp, hasOpDef } from '../../src/ir/op.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { colorMemory } from '../../src/passes/memory-coloring.js';
import { liveness } from '../../src/memory/liveness.js';
import { defineCompute, evaluateModule } from '../../src/ref/evaluate.js';

// MIGraphX's test `pass_op`: output = input 0's buffer; `nop` reads its inputs and aliases nothing.
if (!hasOpDef('test::pass')) {
  defineOp({ name: 'test::pass', aliasesInput: 0, attrs: [], computeShape: (_op, inputs) => inputs[0] ?? new Shape('float_type', []) });
  defineOp({ name: 'test::nop', attrs: [], computeShape: () => new Shape('float_type', []) });
  defineCompute('test::pass', (_op, args) => args[0]!);
}

const f32 = (n: number) => new Shape('float_type', [n]);

class Builder {
  readonly m = new Module('main');
  alloc(n: number): Instruction {
    return this.m.addInstruction(makeOp('allocate', { shape: f32(n) }));
  }
  pass(...args: Instruction[]): Instruction {
    return this.m.addInstruction(makeOp('test::pass'), args);
  }
  nop(...args: Instruction[]): Instruction {
    return this.m.addInstruction(makeOp('test::nop'), args);
  }
  scratchBytes(): number {
    const total = colorMemory(this.m);
    assert.ok(!this.m.instructions().some((i) => i.op.name === 'allocate'), 'an allocate is left');
    const scratch = this.m.getParameter('scratch');
    assert.equal(scratch?.shape.bytes() ?? 0, total);
    return total;
  }
}

// [name, build, bytes MIGraphX computes]
const cases: [string, (b: Builder) => void, number][] = [
  ['test1', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); b.pass(a2, p1); }, 192],
  ['test2', (b) => { const input = b.m.addParameter('input', f32(16)); const a1 = b.alloc(128); const p1 = b.pass(a1, input); const p2 = b.alloc(40); b.pass(p2, p1); }, 672],
  ['test3', (b) => { const a1 = b.alloc(8); const p2 = b.alloc(128); const p1 = b.pass(p2, a1); const p3 = b.alloc(40); b.pass(p3, p1); }, 672],
  ['test4', (b) => { const a1 = b.alloc(0); const p2 = b.alloc(128); const p1 = b.pass(p2, a1); const p3 = b.alloc(40); b.pass(p3, p1); }, 672],
  ['test5', (b) => { const a1 = b.alloc(40); const p1 = b.pass(a1); const p2 = b.alloc(8); b.pass(p2, p1); }, 192],
  ['test6', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const p2 = b.alloc(40); const p3 = b.alloc(40); b.pass(p3, p2, p1); }, 352],
  ['test7', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const p2 = b.alloc(40); const p3 = b.alloc(8); b.pass(p3, p2, p1); }, 224],
  ['test8', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const p2 = b.alloc(40); const p3 = b.alloc(192); b.pass(p3, p2, p1); }, 960],
  ['test9', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const p2 = b.alloc(8); const p3 = b.alloc(8); b.pass(p3, p2, p1); }, 96],
  ['test10', (b) => { b.pass(b.alloc(8)); }, 32],
  ['test11', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); const a3 = b.alloc(8); const p2 = b.pass(a2, p1); b.pass(a3, p2); }, 224],
  ['test12', (b) => { const a1 = b.alloc(40); const p1 = b.pass(a1); const a2 = b.alloc(8); const a3 = b.alloc(40); const p2 = b.pass(a2, p1); b.pass(a3, p2); }, 352],
  ['test13', (b) => { const a1 = b.alloc(8); const a3 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); const p2 = b.pass(a2, p1); b.pass(a3, p2); }, 224],
  ['test14', (b) => { const a3 = b.alloc(8); const a2 = b.alloc(40); const a1 = b.alloc(8); const p1 = b.pass(a1); const p2 = b.pass(a2, p1); b.pass(a3, p2); }, 224],
  ['test15', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); const p2 = b.pass(a2); const a3 = b.alloc(40); b.pass(a3, p1, p2); }, 352],
  ['test16', (b) => {
    const a1 = b.m.addLiteral(Tensor.zeros(f32(8)));
    const p1 = b.pass(a1);
    const a2 = b.m.addLiteral(Tensor.zeros(f32(40)));
    const p2 = b.pass(a2);
    const a3 = b.alloc(40);
    b.pass(a3, p1, p2);
  }, 160],
  ['test18', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const p2 = b.pass(a1, p1); const p3 = b.pass(p2, p1); const a2 = b.alloc(40); b.pass(a2, p1, p2, p3); }, 192],
  ['test19', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); const p2 = b.pass(a2, p1); const a3 = b.alloc(40); b.pass(a3, p2, p1); }, 352],
  ['test20', (b) => { const a1 = b.alloc(32); const a2 = b.alloc(32); const a3 = b.alloc(32); const p1 = b.pass(a1, a2, a3); const a4 = b.alloc(32); b.pass(a4, p1); }, 384],
  ['test21', (b) => { const a1 = b.alloc(32); const a2 = b.alloc(8); const a3 = b.alloc(32); const p1 = b.pass(a1, a2, a3); const a4 = b.alloc(8); b.pass(a4, p1); }, 288],
  ['test22', (b) => { const a1 = b.alloc(32); const a2 = b.alloc(32); const a3 = b.alloc(8); const p1 = b.pass(a1, a2, a3); const a4 = b.alloc(8); b.pass(a4, p1); }, 288],
  ['test23', (b) => { const a1 = b.alloc(8); const a2 = b.alloc(32); const a3 = b.alloc(32); const p1 = b.pass(a1, a2, a3); const a4 = b.alloc(8); b.pass(a4, p1); }, 288],
  ['test24', (b) => { const a1 = b.alloc(32); const a2 = b.alloc(32); const a3 = b.alloc(32); const p1 = b.pass(a1, a2, a3); const a4 = b.alloc(8); b.pass(a4, p1); }, 384],
  ['test25', (b) => { const a1 = b.alloc(8); b.nop(); const p1 = b.pass(a1); b.nop(); const a2 = b.alloc(40); b.pass(a2, p1); }, 192],
  ['test26', (b) => { const a1 = b.alloc(8); b.nop(a1); const p1 = b.pass(a1); b.nop(a1, p1); const a2 = b.alloc(40); b.pass(a2, p1); }, 192],
  ['test27', (b) => { const a1 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); b.nop(a2, p1); }, 192],
  ['test28', (b) => { const output = b.m.addParameter('output', f32(8)); const a1 = b.alloc(8); const p1 = b.pass(a1); const a2 = b.alloc(40); const p2 = b.pass(a2, p1); b.pass(p2, output); }, 192],
];

for (const [name, build, bytes] of cases) {
  test(`memory_coloring/${name}: scratch of ${bytes} bytes, no allocate left`, () => {
    const b = new Builder();
    build(b);
    assert.equal(b.scratchBytes(), bytes);
    b.m.validate();
  });
}

test('buffers never live together share an offset; live ones never overlap', () => {
  // a1 is dead once p1 is read by p2's producer chain ends; a3 is allocated after: they can share.
  const b = new Builder();
  const a1 = b.alloc(64);
  const p1 = b.pass(a1);
  const a2 = b.alloc(64);
  const p2 = b.pass(a2, p1); // a1 dies here
  const a3 = b.alloc(64);
  b.pass(a3, p2); // a2 dies here
  b.scratchBytes();
  const text = moduleToString(b.m);
  const loads = [...text.matchAll(/load\[offset=(\d+),end=(\d+)\]/g)].map((x) => [Number(x[1]), Number(x[2])] as const);
  assert.equal(loads.length, 3);
  assert.deepEqual(loads[0], loads[2], `a1 and a3 share bytes:\n${text}`);
  assert.notDeepEqual(loads[0], loads[1]);
  assert.ok(loads[0]![1] <= loads[1]![0] || loads[1]![1] <= loads[0]![0], 'a1 and a2 are live together: no overlap');
});

test('liveness follows aliases: a view of an allocation keeps it alive', () => {
  const m = new Module('main');
  const a = m.addInstruction(makeOp('allocate', { shape: new Shape('float_type', [4, 4]) }));
  const t = m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [a]);
  const b = m.addInstruction(makeOp('allocate', { shape: new Shape('float_type', [4, 4]) }));
  m.addInstruction(makeOp('test::pass'), [b, t]);
  const seen: [Instruction, Instruction[]][] = [];
  liveness(m, (ins, live) => seen.push([ins, [...live]]));
  const atB = seen.find(([ins]) => ins === b)!;
  assert.ok(atB[1].includes(a), 'the transposed view keeps its allocation live where b is defined');
});

test('memory coloring twice changes nothing; loads evaluate as views of the scratch bytes', () => {
  const b = new Builder();
  const a1 = b.alloc(8);
  const p1 = b.pass(a1);
  const a2 = b.alloc(40);
  b.m.addReturn([b.pass(a2, p1)]);
  colorMemory(b.m);
  const once = moduleToString(b.m);
  colorMemory(b.m);
  assert.equal(moduleToString(b.m), once);
  assert.match(once, /^scratch = @param:scratch -> int8_type, \{192\}, \{1\}$/m);
  const [out] = evaluateModule(b.m, new Map([['scratch', Tensor.zeros(new Shape('int8_type', [192]))]]));
  assert.deepEqual(out!.shape.lens, [40]);
});
