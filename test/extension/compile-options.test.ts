import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadHost } from './helpers.js';

const host = await loadHost();

const config = (values: Record<string, unknown>) => ({ get: <T>(k: string): T | undefined => values[k] as T | undefined });

test('settings default to skip, e4m3fn, the CLI default ops, no calibration, 120 s', () => {
  assert.deepEqual(host.readSettings(config({})), { attentionQdq: 'skip', fp8Format: 'e4m3fn', quantizeOps: [], calibrationFolder: '', timeoutMs: 120_000 });
});

test('bad setting values fall back to the defaults', () => {
  const s = host.readSettings(config({ attentionQdq: 'sometimes', fp8Format: 'e9m9', quantizeOps: ['dot', 3, ' ', ' convolution '], compileTimeoutSeconds: -1 }));
  assert.equal(s.attentionQdq, 'skip');
  assert.equal(s.fp8Format, 'e4m3fn');
  assert.deepEqual(s.quantizeOps, ['dot', 'convolution']);
  assert.equal(s.timeoutMs, 120_000);
});

test('settings become CLI options; relative calibration folders resolve against the workspace folder', () => {
  const settings = host.readSettings(config({ attentionQdq: 'keep', fp8Format: 'e5m2', quantizeOps: ['dot', 'convolution'], calibrationFolder: 'calib' }));
  assert.deepEqual(host.compileArgs({ model: '/ws/m.onnx', strategy: 'keep', settings, baseDir: '/ws', unsupported: new Set() }), [
    'compile', '/ws/m.onnx', '--format', 'json',
    '--fp8', '--attention-qdq', 'keep', '--fp8-format', 'e5m2', '--quantize-ops', 'dot,convolution', '--calibration', '/ws/calib',
  ]);
});

test('options the CLI does not know are left out; without --fp8 none is passed', () => {
  const settings = host.readSettings(config({ quantizeOps: ['dot'] }));
  assert.deepEqual(host.compileArgs({ model: '/m.onnx', strategy: 'skip', settings, baseDir: '/', unsupported: new Set(['quantize-ops']) }), [
    'compile', '/m.onnx', '--format', 'json', '--fp8', '--attention-qdq', 'skip', '--fp8-format', 'e4m3fn',
  ]);
  assert.deepEqual(host.compileArgs({ model: '/m.onnx', strategy: 'skip', settings, baseDir: '/', unsupported: new Set(['fp8']) }), ['compile', '/m.onnx', '--format', 'json']);
});
