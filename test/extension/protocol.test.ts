// The host↔webview protocol guards (src/protocol/messages.ts), IR view and perf panel: the host trusts nothing the webview sends
// until it has the shape of a FromWebviewMessage; the webview ignores posts that are not host messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFromPerfPanelMessage, isFromWebviewMessage, isToPerfPanelMessage, isToWebviewMessage } from '../../src/protocol/messages.js';

test('well-formed webview messages pass', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'log', level: 'warn', message: 'x' },
    { type: 'compile', id: 1, strategy: 'keep' },
    { type: 'openIrText', id: 2, strategy: 'skip', line: 12 },
  ]) {
    assert.equal(isFromWebviewMessage(m), true, JSON.stringify(m));
  }
});

test('malformed webview messages are rejected', () => {
  for (const m of [
    null,
    'ready',
    [],
    {},
    { type: 'eval', code: '1' },
    { type: 'log', level: 'fatal', message: 'x' },
    { type: 'log', level: 'info' },
    { type: 'compile', id: '1', strategy: 'skip' },
    { type: 'compile', id: 1.5, strategy: 'skip' },
    { type: 'compile', id: 1, strategy: 'always' },
    { type: 'openIrText', id: 1, strategy: 'skip', line: '3' },
    { type: 'response', id: 1 },
  ]) {
    assert.equal(isFromWebviewMessage(m), false, JSON.stringify(m));
  }
});

test('the webview accepts host message types only', () => {
  assert.equal(isToWebviewMessage({ type: 'compiled', view: {} }), true);
  assert.equal(isToWebviewMessage({ type: 'response', id: 1, request: 'compile', ok: true, result: { outcome: 'compiled' } }), true);
  assert.equal(isToWebviewMessage({ type: 'ready' }), false);
  assert.equal(isToWebviewMessage({ source: 'react-devtools' }), false);
  assert.equal(isToWebviewMessage(undefined), false);
});

test('the IR view may not send the perf panel\'s requests', () => {
  assert.equal(isFromWebviewMessage({ type: 'runPerf', id: 3, mode: 'single' }), false);
});

test('perf panel messages: well-formed ones pass, malformed ones and the IR view\'s are rejected', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'log', level: 'error', message: 'x' },
    { type: 'runPerf', id: 1, mode: 'single' },
    { type: 'runPerf', id: 2, mode: 'compare' },
    { type: 'cancelPerf', id: 3 },
    { type: 'clearPerfHistory', id: 4 },
    { type: 'manageTrust', id: 5 },
  ]) {
    assert.equal(isFromPerfPanelMessage(m), true, JSON.stringify(m));
  }
  for (const m of [
    null,
    { type: 'runPerf', id: 1 },
    { type: 'runPerf', id: 1, mode: 'all' },
    { type: 'runPerf', id: '1', mode: 'single' },
    { type: 'cancelPerf' },
    { type: 'compile', id: 1, strategy: 'skip' },
    { type: 'perfFinished', run: {} },
  ]) {
    assert.equal(isFromPerfPanelMessage(m), false, JSON.stringify(m));
  }
  assert.equal(isToPerfPanelMessage({ type: 'perfFinished', run: {} }), true);
  assert.equal(isToPerfPanelMessage({ type: 'compiled', view: {} }), false);
  assert.equal(isToPerfPanelMessage({ type: 'ready' }), false);
});
