// The contracts between kernels/*.wgsl and their TypeScript descriptors, checked by parsing the WGSL
// (no device needed): every descriptor's struct Params, bindings and overrides match its file; the
// type codes in kernels/lib/types.wgsl are the IR's type ids; the elementwise op codes agree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ELEMENT_TYPES, typeId } from '../../src/ir/types.js';
import { DYNAMIC, KERNELS, kernelVariants, variantKey, type KernelSpec } from '../../src/codegen/kernel-catalog.js';
import { composeKernel, readKernelFile } from '../../src/codegen/kernel-source.js';
import { POINTWISE_OPS, WIDE_CONVERT_OP } from '../../src/codegen/pointwise-ops.js';
import { WGSL_UNIFORM_TYPES } from '../../src/codegen/uniforms.js';

/** `const NAME: u32 = 12u;` declarations of a WGSL text. */
function u32Constants(text: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^const (${prefix}\\w+): u32 = (\\d+)u;`, 'gm'))) out.set(m[1]!, Number(m[2]));
  return out;
}

/** Fields of `struct Params { … }` as [name, type] in order (comments dropped). */
function paramsStruct(text: string): [string, string][] {
  const body = /struct Params \{([\s\S]*?)\n\}/.exec(text);
  if (!body) return [];
  return body[1]!
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter((l) => l.length > 0)
    .map((l) => {
      const m = /^(\w+): (.+),$/.exec(l);
      if (!m) throw new Error(`cannot parse struct field '${l}'`);
      return [m[1]!, m[2]!];
    });
}

test('type codes in kernels/lib/types.wgsl are the IR type ids', () => {
  const codes = u32Constants(readKernelFile('lib/types.wgsl'), 'T_');
  assert.ok(codes.size >= 20, `only ${codes.size} type codes found`);
  for (const [name, code] of codes) {
    const type = `${name.slice(2).toLowerCase()}_type`;
    assert.ok((ELEMENT_TYPES as readonly string[]).includes(type), `${name} names no IR type (${type})`);
    assert.equal(code, typeId(type as (typeof ELEMENT_TYPES)[number]), `${name}`);
  }
});

test('elementwise op codes agree between WGSL and TypeScript', () => {
  const codes = u32Constants(readKernelFile('lib/op-codes.wgsl'), 'OP_');
  assert.equal(codes.size, Object.keys(POINTWISE_OPS).length);
  for (const [name, code] of Object.entries(POINTWISE_OPS)) assert.equal(codes.get(`OP_${name.toUpperCase()}`), code, name);
  assert.equal(u32Constants(readKernelFile('elementwise-wide.wgsl'), 'OP_').get('OP_CONVERT'), WIDE_CONVERT_OP);
});

for (const spec of Object.values(KERNELS) as KernelSpec[]) {
  test(`${spec.name}: descriptor matches kernels/${spec.file}`, () => {
    // The struct and bindings may live in a library (pointwise-io.wgsl), so read the composed module.
    const slots = kernelVariants().find((v) => v.spec === spec)!.slots;
    const text = composeKernel({ spec, slots }).text;
    const expected = Object.entries(spec.uniforms).map(([name, kind]) => [name, WGSL_UNIFORM_TYPES[kind]]);
    assert.deepEqual(paramsStruct(text), expected, 'struct Params');

    const bindings = [...text.matchAll(/@group\(0\) @binding\((\d+)\) var<(\w+)(?:, (\w+))?> (\w+)/g)].map((m) => [Number(m[1]), m[2] === 'uniform' ? 'uniform' : m[3]!]);
    assert.deepEqual(bindings, [[0, 'uniform'], ...spec.bindings.map((access, i) => [i + 1, access])], 'bindings');

    const overrides = [...text.matchAll(/^override (\w+): u32(?: = (0x[0-9a-f]+|\d+)u)?;/gm)].map((m) => [m[1]!, m[2] === undefined ? null : Number(m[2])]);
    assert.deepEqual(Object.fromEntries(overrides), spec.overrides, 'overrides (name and default)');
    for (const [name, [field]] of Object.entries(spec.codes ?? {})) {
      assert.equal(spec.overrides[name], DYNAMIC, `${name} reads uniform '${field}' only when left DYNAMIC`);
      assert.ok(field in spec.uniforms, `${name} maps to uniform '${field}', which struct Params lacks`);
    }
  });
}

test('every variant is listed once and names its slots', () => {
  const keys = kernelVariants().map(variantKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(keys.includes('gemm[tile=f16,block=8x8]') && keys.includes('elementwise-int[domain=u32]'), keys.join(' '));
});
