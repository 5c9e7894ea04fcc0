// package.json's contributions agree with the code: every contributed command is registered, menus and
// the palette offer the model commands on .onnx resources only, the IR editor is an "Open With" option,
// activation is implied by contributions, and each setting is one the host reads, with the same default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/paths.js';
import { FakeVscode } from './fake-vscode.js';
import { FakeSpawner, type HostModule, loadHost } from './helpers.js';

const host = await loadHost();
type Context = Parameters<HostModule['activateWith']>[1];

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations?: string[] } };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when: string }[]>;
    customEditors: { viewType: string; priority: string; selector: { filenamePattern: string }[] }[];
    configuration: { properties: Record<string, { default: unknown; enum?: string[] }> };
  };
}

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as Manifest;

test('the manifest targets VS Code ^1.90.0 with the CommonJS bundle and implicit activation', () => {
  assert.equal(pkg.engines.vscode, '^1.90.0');
  assert.equal(pkg.main, './dist/extension.cjs');
  assert.deepEqual(pkg.activationEvents, []);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['onnxFp8.calibrationFolder']);
});

test('every contributed command is registered by activation, under the ONNX FP8 category', () => {
  const fake = new FakeVscode();
  host.activateWith(fake.api, fake.context as unknown as Context, { launcher: new FakeSpawner().launcher() });
  const titles = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, c.title]));
  assert.deepEqual(titles, { 'onnxFp8.compile': 'Compile fp8', 'onnxFp8.showCompiledIr': 'Show compiled IR', 'onnxFp8.compileWorkspace': 'Compile fp8: All Models in Workspace' });
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'ONNX FP8');
    assert.ok(fake.commands.has(c.command), `${c.command} is not registered`);
  }
  assert.deepEqual(Object.values(host.COMMANDS).filter((c) => !(c in titles)), ['onnxFp8.revealInstruction'], 'only the internal reveal command is not contributed');
});

test('explorer, editor title and palette offer the model commands on .onnx resources only', () => {
  for (const menu of ['explorer/context', 'editor/title']) {
    const items = pkg.contributes.menus[menu]!;
    assert.deepEqual(items.map((i) => i.command), ['onnxFp8.compile', 'onnxFp8.showCompiledIr'], menu);
    for (const i of items) assert.equal(i.when, 'resourceExtname == .onnx');
  }
  const palette = Object.fromEntries(pkg.contributes.menus['commandPalette']!.map((i) => [i.command, i.when]));
  assert.equal(palette['onnxFp8.compile'], 'resourceExtname == .onnx');
  assert.equal(palette['onnxFp8.showCompiledIr'], 'resourceExtname == .onnx');
});

test('the IR view is a custom editor for *.onnx offered through Open With', () => {
  assert.deepEqual(pkg.contributes.customEditors.map((e) => [e.viewType, e.priority, e.selector]), [[host.IR_VIEW_TYPE, 'option', [{ filenamePattern: '*.onnx' }]]]);
});

test('the settings are the ones the host reads, with the same defaults', () => {
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), ['onnxFp8.attentionQdq', 'onnxFp8.calibrationFolder', 'onnxFp8.compileTimeoutSeconds', 'onnxFp8.fp8Format', 'onnxFp8.quantizeOps']);
  const defaults = host.readSettings({ get: <T>(k: string) => props[`onnxFp8.${k}`]?.default as T | undefined });
  assert.deepEqual(defaults, host.readSettings({ get: () => undefined }));
  assert.deepEqual(props['onnxFp8.attentionQdq']!.enum, ['skip', 'keep']);
  // Every format the manifest offers survives readSettings.
  for (const f of props['onnxFp8.fp8Format']!.enum!) assert.equal(host.readSettings({ get: <T>(k: string) => (k === 'fp8Format' ? f : undefined) as T | undefined }).fp8Format, f);
});
