// Fuzzing import + compile with mutated copies of the node-test models. Every mutant must end in a
// compiled program or a ModelError — never another exception, never a hang — within 2 s. Seeded, so a
// failure replays: the message names the seed, the source model and the mutation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel } from '../../src/compiler.js';
import { ModelError } from '../../src/errors.js';
import { seededRandom } from '../../src/inputs/random-inputs.js';
import { decodeModel } from '../../src/onnx/load.js';
import { repoPath } from '../helpers/paths.js';

const CASES = Number(process.env['ONNX_FP8_FUZZ_CASES'] ?? 10000);
const SEED = Number(process.env['ONNX_FP8_FUZZ_SEED'] ?? 20261126);
const LIMIT_MS = 2000;

interface Field {
  /** Offset of the tag varint. */
  tag: number;
  wireType: number;
  /** Offset and byte length of the value (for LEN fields: of the length varint). */
  valueAt: number;
  valueLen: number;
}

function readVarint(b: Uint8Array, at: number): [value: number, length: number] | undefined {
  let v = 0;
  for (let k = 0; k < 10 && at + k < b.length; k++) {
    v += (b[at + k]! & 0x7f) * 2 ** (7 * k);
    if ((b[at + k]! & 0x80) === 0) return [v, k + 1];
  }
  return undefined;
}

/** A best-effort walk of the protobuf wire format, descending into LEN fields that parse as messages. */
function fields(b: Uint8Array, start: number, end: number, out: Field[], depth = 0): boolean {
  let at = start;
  const found: Field[] = [];
  while (at < end) {
    const tag = readVarint(b, at);
    if (!tag || tag[0] === 0) return false;
    const wireType = tag[0] % 8;
    const valueAt = at + tag[1];
    if (wireType === 0) {
      const v = readVarint(b, valueAt);
      if (!v) return false;
      found.push({ tag: at, wireType, valueAt, valueLen: v[1] });
      at = valueAt + v[1];
    } else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      found.push({ tag: at, wireType, valueAt, valueLen: n });
      at = valueAt + n;
    } else if (wireType === 2) {
      const len = readVarint(b, valueAt);
      if (!len || valueAt + len[1] + len[0] > end) return false;
      found.push({ tag: at, wireType, valueAt, valueLen: len[1] });
      const body = valueAt + len[1];
      if (depth < 6 && len[0] > 0) fields(b, body, body + len[0], found, depth + 1);
      at = body + len[0];
    } else {
      return false;
    }
  }
  out.push(...found);
  return true;
}

function encodeVarint(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

function splice(b: Uint8Array, at: number, remove: number, insert: number[]): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

type Mutation = (b: Uint8Array, f: Field[], rnd: () => number) => [Uint8Array, string];

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;

const MUTATIONS: Mutation[] = [
  (b, _f, rnd) => {
    const out = b.slice();
    const n = 1 + Math.floor(rnd() * 4);
    const where: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rnd() * out.length);
      out[i]! ^= 1 << Math.floor(rnd() * 8);
      where.push(i);
    }
    return [out, `bit flips at ${where.join(',')}`];
  },
  (b, _f, rnd) => {
    const at = Math.floor(rnd() * b.length);
    return [b.slice(0, at), `truncated to ${at} bytes`];
  },
  (b, f, rnd) => {
    const lens = f.filter((x) => x.wireType === 2);
    if (lens.length === 0) return [b.slice(), 'no LEN field'];
    const x = pick(lens, rnd);
    const choices = [0, 1, 0x7f, 0xffff, 2 ** 31, 2 ** 35, Math.floor(rnd() * 64)];
    const v = pick(choices, rnd);
    return [splice(b, x.valueAt, x.valueLen, encodeVarint(v)), `length at ${x.valueAt} set to ${v}`];
  },
  (b, f, rnd) => {
    const x = pick(f, rnd);
    const out = b.slice();
    const wire = pick([0, 1, 2, 3, 4, 5, 6, 7].filter((w) => w !== x.wireType), rnd);
    out[x.tag] = (out[x.tag]! & ~7) | wire;
    return [out, `wire type at ${x.tag} set to ${wire}`];
  },
  (b, f, rnd) => {
    const ints = f.filter((x) => x.wireType === 0);
    if (ints.length === 0) return [b.slice(), 'no VARINT field'];
    const x = pick(ints, rnd);
    const v = pick([0, 1, 2, 7, 8, 13, 16, 17, 22, 25, 26, 27, 99, 2 ** 32 - 1, 2 ** 40], rnd);
    return [splice(b, x.valueAt, x.valueLen, encodeVarint(v)), `varint at ${x.valueAt} (type/dim/enum field) set to ${v}`];
  },
];

test(`fuzz: ${CASES} mutated node-test models import and compile or fail cleanly within ${LIMIT_MS} ms`, { timeout: 20 * 60_000 }, () => {
  const root = repoPath('test/data/onnx-node-tests');
  const sources = readdirSync(root)
    .filter((c) => c.startsWith('test_'))
    .sort()
    .map((c) => ({ name: c, bytes: new Uint8Array(readFileSync(join(root, c, 'model.onnx'))) }));
  const walked = sources.map((s) => {
    const f: Field[] = [];
    fields(s.bytes, 0, s.bytes.length, f);
    return f;
  });
  const rnd = seededRandom(SEED);
  let ok = 0;
  let rejected = 0;
  let slowest = 0;
  // Failures are collected (one per distinct message) so a run reports every kind of problem at once.
  const failures = new Map<string, string>();
  for (let k = 0; k < CASES; k++) {
    const si = Math.floor(rnd() * sources.length);
    const mutate = pick(MUTATIONS, rnd);
    const [bytes, what] = mutate(sources[si]!.bytes, walked[si]!, rnd);
    const label = `case ${k} (seed ${SEED}): ${sources[si]!.name}/model.onnx, ${what}`;
    const t0 = performance.now();
    try {
      compileModel(decodeModel(bytes, `fuzz-${k}.onnx`, undefined));
      ok++;
    } catch (e) {
      const err = e as Error;
      if (!(e instanceof ModelError)) {
        const key = `${err?.name}: ${String(err?.message).replace(/'[^']*'/g, "'…'")}`;
        if (!failures.has(key)) failures.set(key, `${label}: threw ${err?.name}: ${err?.message}\n${err?.stack?.split('\n').slice(1, 4).join('\n')}`);
      } else if (e.message.includes('\n')) {
        failures.set(`multi-line:${k}`, `${label}: error message spans several lines: ${e.message}`);
      } else {
        rejected++;
      }
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms >= LIMIT_MS) failures.set(`slow:${k}`, `${label}: took ${ms.toFixed(0)} ms`);
  }
  assert.equal(failures.size, 0, `${failures.size} kind(s) of failure:\n${[...failures.values()].slice(0, 20).join('\n\n')}`);
  console.log(`fuzz: ${CASES} mutants: ${ok} compiled, ${rejected} clean ModelErrors, slowest ${slowest.toFixed(1)} ms`);
});
