// Diagnostics mapping: codes and severities on the .onnx file, line-precise ranges on the IR document,
// replacement on recompile; CodeLens and hover text on the IR document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompactProgram } from '../../src/protocol/compact-ir.js';
import { CodeLens, FakeVscode, Hover, Uri } from './fake-vscode.js';
import { cliJson, FakeSpawner, type HostModule, instruction, loadHost } from './helpers.js';

const host = await loadHost();
type Context = Parameters<HostModule['activateWith']>[1];
type Model = Parameters<HostModule['irUri']>[1];
const MODEL = Uri.file('/ws/model.onnx');

async function compiled(stdout = cliJson()) {
  const fake = new FakeVscode();
  const sp = new FakeSpawner();
  sp.reply = () => ({ code: 0, stdout });
  const h = host.activateWith(fake.api, fake.context as unknown as Context, { launcher: sp.launcher(), concurrency: 1 });
  await h.service.compile(MODEL as unknown as Model, 'skip', { progress: 'none' });
  const ir = host.irUri(fake.api, MODEL as unknown as Model, 'skip') as unknown as Uri;
  return { fake, sp, h, ir };
}

test('placeDiagnostics puts a diagnostic on its instruction, else on its ONNX node, else nowhere', () => {
  const program = host.parseCompileJson(cliJson()).program;
  const places = host.placeDiagnostics(program);
  const [byNode, byInstruction, global] = program.diagnostics;
  assert.deepEqual(places.get(byNode!), { diagnostic: byNode, line: 2, startCharacter: 0, endCharacter: program.instructions[1]!.text.length });
  assert.equal(places.get(byInstruction!)?.line, 3);
  assert.equal(places.has(global!), false);
});

test('a diagnostic on an indented line starts at its first character', () => {
  const p: CompactProgram = {
    file: 'm',
    instructions: [instruction({ name: '@1', op: 'dot', line: 9, text: '  @1 = dot(a,b)' })],
    attention: [],
    diagnostics: [{ severity: 'info', code: 'X', message: 'm', instruction: '@1' }],
    stats: { instructions: 1, modules: 1 },
  };
  const place = host.placeDiagnostics(p).get(p.diagnostics[0]!)!;
  assert.deepEqual([place.line, place.startCharacter, place.endCharacter], [8, 2, 15]);
});

test('the .onnx file gets every diagnostic at 0:0 with its stable code; the IR document gets them on their lines', async () => {
  const { fake, ir } = await compiled();
  const onModel = fake.diagnosticsOn(MODEL);
  assert.deepEqual(
    onModel.map((d) => [d.code, d.severity, d.source, d.range.start.line, d.range.start.character]),
    [
      ['ONNX_SYMBOLIC_DIM_DEFAULTED', 1, 'onnx-fp8', 0, 0],
      ['FP8_ATTENTION_SKIPPED', 2, 'onnx-fp8', 0, 0],
      ['SOMETHING_GLOBAL', 0, 'onnx-fp8', 0, 0],
    ],
  );
  // Each placed diagnostic links to its IR line.
  const related = onModel[1]!.relatedInformation![0]!;
  assert.equal(related.location.uri.toString(), ir.toString());
  assert.equal(related.location.range.start.line, 3);
  assert.equal(related.message, 'IR line 4 (@2)');
  assert.equal(onModel[2]!.relatedInformation, undefined);

  const onIr = fake.diagnosticsOn(ir);
  assert.deepEqual(
    onIr.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]),
    [
      ['ONNX_SYMBOLIC_DIM_DEFAULTED', 2, 0, 2, '@1 = dot() -> float_type, {2, 2}, {2, 1}'.length],
      ['FP8_ATTENTION_SKIPPED', 3, 0, 3, '@2 = softmax() -> float_type, {2, 2}, {2, 1}'.length],
    ],
  );
  // The ranges point at the right text of the document the provider serves.
  const text = (await fake.api.workspace.openTextDocument(ir as never)).getText().split('\n');
  assert.equal(text[3], '@2 = softmax() -> float_type, {2, 2}, {2, 1}');
});

test('recompiling replaces the diagnostics', async () => {
  const { fake, sp, h, ir } = await compiled();
  sp.reply = () => ({ code: 0, stdout: cliJson({ diagnostics: [{ severity: 'warning', code: 'ONNX_OUTPUT_TYPE_MISMATCH', message: 'y: float vs half', instruction: '@4' }] }) });
  await h.service.compile(MODEL as never, 'skip', { progress: 'none' });
  assert.deepEqual(fake.diagnosticsOn(MODEL).map((d) => d.code), ['ONNX_OUTPUT_TYPE_MISMATCH']);
  assert.deepEqual(fake.diagnosticsOn(ir).map((d) => [d.code, d.range.start.line]), [['ONNX_OUTPUT_TYPE_MISMATCH', 5]]);
  sp.reply = () => ({ code: 0, stdout: cliJson({ diagnostics: [] }) });
  await h.service.compile(MODEL as never, 'skip', { progress: 'none' });
  assert.deepEqual(fake.diagnosticsOn(MODEL), []);
  assert.deepEqual(fake.diagnosticsOn(ir), []);
});

test('every failure kind has its own stable code', () => {
  assert.deepEqual(Object.values(host.FAILURE_CODES).sort(), [
    'FP8_COMPILE_INTERNAL_ERROR',
    'FP8_COMPILE_MODEL_ERROR',
    'FP8_COMPILE_OUTPUT_ERROR',
    'FP8_COMPILE_SPAWN_ERROR',
    'FP8_COMPILE_TIMEOUT',
    'FP8_COMPILE_USAGE_ERROR',
  ]);
  assert.equal(host.failureMessage({ strategy: 'skip', kind: 'model', file: 'f', onnxNode: 'n', cause: 'c', at: 0 }), "node 'n': c");
});

test('attention regions get a CodeLens at their first instruction that reveals it in the IR view', async () => {
  const { fake, ir } = await compiled();
  const provider = fake.codeLensProviders[0] as { provideCodeLenses(doc: { uri: Uri }): CodeLens[] };
  const lenses = provider.provideCodeLenses({ uri: ir });
  assert.equal(lenses.length, 1);
  assert.equal(lenses[0]!.range.start.line, 2);
  assert.equal(lenses[0]!.command!.title, 'Attention region 0 (dot-softmax-dot): 2 instructions left out of FP8 Q/DQ');
  assert.equal(lenses[0]!.command!.command, 'onnxFp8.revealInstruction');
  assert.deepEqual(lenses[0]!.command!.arguments, [MODEL.toString(), 'skip', '@1']);
  // Running it opens the IR view and selects the instruction once the view is ready.
  await fake.execute('onnxFp8.revealInstruction', ...lenses[0]!.command!.arguments!);
  const panel = fake.editors.get(MODEL.toString())!.panel;
  panel.webview.send({ type: 'ready' });
  assert.deepEqual(panel.webview.posted.at(-1), { type: 'reveal', strategy: 'skip', name: '@1' });
});

test('hovering an IR line says what quantization did, with model text escaped', async () => {
  const stdout = cliJson({
    instructions: [
      instruction({ name: '@1', op: 'dot', line: 2, onnxNode: '<img src=x onerror=alert(1)>', onnxOpType: 'MatMul', quantization: 'skipped', attention: { region: 0, role: 'qk', reason: 'in attention' } }),
      instruction({ name: '@2', op: 'quant_dot', line: 3, quantization: 'quantized', scale: 0.5 }),
    ],
    diagnostics: [],
  });
  const { fake, ir } = await compiled(stdout);
  const provider = fake.hoverProviders[0] as { provideHover(doc: { uri: Uri }, pos: { line: number; character: number }): Hover | undefined };
  const skipped = provider.provideHover({ uri: ir }, { line: 1, character: 3 })!.contents.value;
  assert.match(skipped, /Skip set: left out of FP8 Q\/DQ \\\(attention region 0, qk\\\)/);
  assert.match(skipped, /ONNX node: \\<img src=x onerror=alert\\\(1\\\)\\>/);
  assert.doesNotMatch(skipped, /[^\\]<img/);
  const quant = provider.provideHover({ uri: ir }, { line: 2, character: 0 })!.contents.value;
  assert.match(quant, /Quantized to FP8, scale 0\\\.5/);
  assert.equal(provider.provideHover({ uri: ir }, { line: 0, character: 0 }), undefined);
});

test('an IR document restored before its model was compiled starts a compile and then shows the program', async () => {
  const fake = new FakeVscode();
  const sp = new FakeSpawner();
  sp.reply = () => ({ code: 0, stdout: cliJson() });
  host.activateWith(fake.api, fake.context as unknown as Context, { launcher: sp.launcher() });
  const ir = host.irUri(fake.api, MODEL as never, 'keep') as unknown as Uri;
  const doc = await fake.api.workspace.openTextDocument(ir as never);
  assert.match(doc.getText(), /^; compiling model\.onnx \(attention Q\/DQ: keep\)/);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(sp.children.length, 1);
  assert.equal(sp.argv[0]![6], 'keep');
  assert.equal(fake.progress[0]!.options.location, 10);
  await new Promise((r) => setTimeout(r, 10));
  assert.match(doc.getText(), /^module: "main"/);
  assert.deepEqual(host.parseIrUri(fake.api, ir as never)?.strategy, 'keep');
});
