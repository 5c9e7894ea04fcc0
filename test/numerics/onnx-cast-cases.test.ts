// Runs our conversions on the ONNX backend node tests for Cast (test/data/onnx-node-tests/test_cast_*):
// every case with a low-precision side (float8, float4, e8m0, half, bf16, 4- and 2-bit integers), its
// saturate and round_mode attributes read from the model, compared with the expected output bit for bit.
// Where these cases disagree with the ONNX spec text, we follow the cases (docs/numerics.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { encodeScalar } from '../../src/numerics/codec.js';
import { bf16FromF32Bits, bf16ToFloat, floatToHalf, halfFromF32Bits, halfToFloat } from '../../src/numerics/float16.js';
import { type Fp8Format, fp8FromF32Bits, fp8ToFloat } from '../../src/numerics/float8.js';
import { type E8m0RoundMode, e8m0FromF32Bits, e8m0ToFloat, fp4FromF32Bits, fp4ToFloat } from '../../src/numerics/float4.js';
import type { ElementType } from '../../src/ir/types.js';
import { OnnxDataType as T, decodeTensor, elementCodes, firstNode } from './onnx-pb.js';
import { TABLES, f32BitsOf, f32ValueOfBits, refEncode, refEncodeE8m0, refEncodeF32Bits } from './reference.js';

const CASES_DIR = new URL('../../../test/data/onnx-node-tests/', import.meta.url);

/** Float32 <-> float64 casts: no low-precision side, nothing of src/numerics to check. */
const NOT_NUMERICS = new Set(['test_cast_DOUBLE_to_FLOAT', 'test_cast_FLOAT_to_DOUBLE']);

const FP8: Partial<Record<number, Fp8Format>> = {
  [T.FLOAT8E4M3FN]: 'e4m3fn',
  [T.FLOAT8E4M3FNUZ]: 'e4m3fnuz',
  [T.FLOAT8E5M2]: 'e5m2',
  [T.FLOAT8E5M2FNUZ]: 'e5m2fnuz',
};

/** Sub-byte and byte integer types: [our element type, width in bits, signed]. */
const INTS: Partial<Record<number, [ElementType, number, boolean]>> = {
  [T.INT4]: ['int4_type', 4, true],
  [T.UINT4]: ['uint4_type', 4, false],
  [T.INT2]: ['int2_type', 2, true],
  [T.UINT2]: ['uint2_type', 2, false],
  [T.INT8]: ['int8_type', 8, true],
  [T.UINT8]: ['uint8_type', 8, false],
};

/** One input element: its value, and its exact float32 bits when it has them (so NaN keeps its sign). */
interface Source {
  readonly value: number;
  readonly f32Bits?: number;
}

function decodeSource(type: number, code: number): Source {
  const fp8 = FP8[type];
  if (fp8 !== undefined) return { value: fp8ToFloat(code, fp8) };
  const int = INTS[type];
  if (int !== undefined) {
    const [, width, signed] = int;
    return { value: signed && code >= 2 ** (width - 1) ? code - 2 ** width : code };
  }
  switch (type) {
    case T.FLOAT:
      return { value: f32ValueOfBits(code), f32Bits: code };
    case T.DOUBLE:
      return { value: code };
    case T.FLOAT16:
      return { value: halfToFloat(code), f32Bits: f32BitsOf(TABLES.half.values[code]!, code >= 0x8000) };
    case T.BFLOAT16:
      return { value: bf16ToFloat(code), f32Bits: (code << 16) >>> 0 };
    case T.FLOAT4E2M1:
      return { value: fp4ToFloat(code) };
    case T.FLOAT8E8M0:
      return { value: e8m0ToFloat(code) };
    default:
      throw new Error(`no decoder for input type ${type}`);
  }
}

function needBits(s: Source): number {
  if (s.f32Bits === undefined) throw new Error('this cast needs a float32 input');
  return s.f32Bits;
}

interface Attributes {
  readonly saturate: boolean;
  readonly roundMode: E8m0RoundMode;
}

/** Our output for one element: a number for FLOAT/DOUBLE outputs, the stored code otherwise. */
function convert(s: Source, to: number, attrs: Attributes): number {
  const fp8 = FP8[to];
  if (fp8 !== undefined) return fp8FromF32Bits(needBits(s), fp8, attrs.saturate);
  const int = INTS[to];
  if (int !== undefined) {
    const [type, width] = int;
    return Number(encodeScalar(type, s.value)) & (2 ** width - 1);
  }
  switch (to) {
    case T.FLOAT:
    case T.DOUBLE:
      return s.value;
    case T.FLOAT16:
      return s.f32Bits !== undefined ? halfFromF32Bits(s.f32Bits) : floatToHalf(s.value);
    case T.BFLOAT16:
      return bf16FromF32Bits(needBits(s));
    case T.FLOAT4E2M1:
      return fp4FromF32Bits(needBits(s));
    case T.FLOAT8E8M0:
      return e8m0FromF32Bits(needBits(s), attrs.saturate, attrs.roundMode);
    default:
      throw new Error(`no encoder for output type ${to}`);
  }
}

const FP8_TABLES: Partial<Record<number, (typeof TABLES)['e4m3fn']>> = {
  [T.FLOAT8E4M3FN]: TABLES.e4m3fn,
  [T.FLOAT8E4M3FNUZ]: TABLES.e4m3fnuz,
  [T.FLOAT8E5M2]: TABLES.e5m2,
  [T.FLOAT8E5M2FNUZ]: TABLES.e5m2fnuz,
};

/** The reference's output code for encoding casts (so the cases check the reference too), else undefined. */
function referenceConvert(s: Source, to: number, attrs: Attributes): number | undefined {
  const fp8 = FP8_TABLES[to];
  if (fp8 !== undefined) return refEncodeF32Bits(fp8, needBits(s), attrs.saturate);
  switch (to) {
    case T.FLOAT4E2M1:
      return refEncodeF32Bits(TABLES.e2m1, needBits(s), attrs.saturate);
    case T.FLOAT8E8M0:
      return refEncodeE8m0(s.value, attrs.saturate, attrs.roundMode);
    case T.FLOAT16:
      if (s.f32Bits !== undefined) return refEncodeF32Bits(TABLES.half, s.f32Bits, false);
      return refEncode(TABLES.half, s.value, s.value < 0 || Object.is(s.value, -0), false);
    case T.BFLOAT16:
      return refEncodeF32Bits(TABLES.bf16, needBits(s), false);
    default:
      return undefined;
  }
}

/**
 * Compares one element. FLOAT/DOUBLE/FLOAT16 NaNs match any NaN: decoders return JS numbers, whose
 * NaN sign is not dependable (fnuz NaN decodes to -NaN in ONNX). Everything else matches bit for bit.
 */
function matches(to: number, ours: number, expected: number): boolean {
  switch (to) {
    case T.FLOAT: {
      const expectedValue = f32ValueOfBits(expected);
      if (Number.isNaN(expectedValue)) return Number.isNaN(ours);
      return Object.is(ours, expectedValue);
    }
    case T.DOUBLE:
      return Object.is(ours, expected) || (Number.isNaN(ours) && Number.isNaN(expected));
    case T.FLOAT16: {
      const isNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      return ours === expected || (isNaN(ours) && isNaN(expected));
    }
    default:
      return ours === expected;
  }
}

const caseNames = readdirSync(CASES_DIR)
  .filter((name) => name.startsWith('test_cast_') && !NOT_NUMERICS.has(name))
  .sort();

test('the low-precision Cast cases are all present', () => {
  const lowPrecision = caseNames.filter((name) => /FLOAT8|FLOAT4E2M1|e8m0/.test(name));
  assert.equal(lowPrecision.length, 32, lowPrecision.join(', '));
  assert.equal(caseNames.length, 58, `${caseNames.length} Cast cases`);
});

for (const name of caseNames) {
  test(name, () => {
    const dir = new URL(`${name}/`, CASES_DIR);
    const node = firstNode(readFileSync(new URL('model.onnx', dir)));
    assert.equal(node.opType, 'Cast');
    const input = decodeTensor(readFileSync(new URL('test_data_set_0/input_0.pb', dir)));
    const output = decodeTensor(readFileSync(new URL('test_data_set_0/output_0.pb', dir)));
    const to = node.ints.get('to');
    assert.equal(output.dataType, to);
    const attrs: Attributes = {
      saturate: (node.ints.get('saturate') ?? 1) !== 0,
      roundMode: (node.strings.get('round_mode') ?? 'up') as E8m0RoundMode,
    };
    const inputs = elementCodes(input);
    const expected = elementCodes(output);
    assert.equal(inputs.length, expected.length);
    assert.ok(inputs.length > 0);
    const bad: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const source = decodeSource(input.dataType, inputs[i]!);
      const ours = convert(source, output.dataType, attrs);
      const where = `[${i}] input 0x${inputs[i]!.toString(16)}, expected 0x${expected[i]!.toString(16)}`;
      if (!matches(output.dataType, ours, expected[i]!)) bad.push(`${where}: ours ${ours} (0x${(ours >>> 0).toString(16)})`);
      const reference = referenceConvert(source, output.dataType, attrs);
      if (reference !== undefined && !matches(output.dataType, reference, expected[i]!)) {
        bad.push(`${where}: reference 0x${reference.toString(16)}`);
      }
    }
    assert.deepEqual(bad, [], `${name} saturate=${attrs.saturate} round_mode=${attrs.roundMode}`);
  });
}
