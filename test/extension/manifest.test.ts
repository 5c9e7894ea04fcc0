// package.json's contributions agree with the code: every contributed command is registered, menus and
// the palette offer the model commands on .onnx resources only (perf only in trusted workspaces), the IR
// editor is an "Open With" option, the perf panel is a webview view in the bottom panel, activation is
// implied by contributions, and each setting is one the host reads, with the same default; the perf
// runner's Node path is restricted.
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
    viewsContainers: Record<string, { id: string; title: string; icon: string }[]>;
    views: Record<string, { type?: string; id: string; name: string }[]>;
    configuration: { properties: Record<string, { default: unknown; enum?: string[]; restricted?: boolean; minimum?: number }> };
  };
  scripts: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as Manifest;

test('the manifest targets VS Code ^1.90.0 with the CommonJS bundle and implicit activation', () => {
  assert.equal(pkg.engines.vscode, '^1.90.0');
  assert.equal(pkg.main, './dist/extension.cjs');
  assert.deepEqual(pkg.activationEvents, []);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['onnxFp8.calibrationFolder', 'onnxFp8.perfNodePath']);
});

test('every contributed command is registered by activation, under the ONNX FP8 category', () => {
  const fake = new FakeVscode();
  host.activateWith(fake.api, fake.context as unknown as Context, { launcher: new FakeSpawner().launcher() });
  const titles = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, c.title]));
  assert.deepEqual(titles, {
    'onnxFp8.compile': 'Compile fp8',
    'onnxFp8.showCompiledIr': 'Show compiled IR',
    'onnxFp8.compileWorkspace': 'Compile fp8: All Models in Workspace',
    'onnxFp8.runPerf': 'Run WebGPU perf',
  });
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'ONNX FP8');
    assert.ok(fake.commands.has(c.command), `${c.command} is not registered`);
  }
  assert.deepEqual(Object.values(host.COMMANDS).filter((c) => !(c in titles)), ['onnxFp8.revealInstruction'], 'only the internal reveal command is not contributed');
});

test('explorer, editor title and palette offer the model commands on .onnx resources only, perf only when the workspace is trusted', () => {
  const when: Record<string, string> = {
    'onnxFp8.compile': 'resourceExtname == .onnx',
    'onnxFp8.showCompiledIr': 'resourceExtname == .onnx',
    'onnxFp8.runPerf': 'resourceExtname == .onnx && isWorkspaceTrusted',
  };
  // The editor title bar holds the IR view's actions too (its resource is the .onnx).
  for (const menu of ['explorer/context', 'editor/title']) {
    const items = pkg.contributes.menus[menu]!;
    assert.deepEqual(items.map((i) => i.command), ['onnxFp8.compile', 'onnxFp8.showCompiledIr', 'onnxFp8.runPerf'], menu);
    for (const i of items) assert.equal(i.when, when[i.command], `${menu} ${i.command}`);
  }
  const palette = Object.fromEntries(pkg.contributes.menus['commandPalette']!.map((i) => [i.command, i.when]));
  for (const [command, w] of Object.entries(when)) assert.equal(palette[command], w, command);
});

test('the FP8 Perf panel is a webview view in its own bottom-panel container, registered by activation', () => {
  assert.deepEqual(pkg.contributes.viewsContainers, { panel: [{ id: 'onnxFp8Perf', title: 'FP8 Perf', icon: '$(pulse)' }] });
  assert.deepEqual(pkg.contributes.views, { onnxFp8Perf: [{ type: 'webview', id: host.PERF_VIEW_ID, name: 'FP8 Perf' }] });
  const fake = new FakeVscode();
  host.activateWith(fake.api, fake.context as unknown as Context, { launcher: new FakeSpawner().launcher() });
  assert.ok(fake.webviewViewProviders.has(host.PERF_VIEW_ID));
  // npm run package stages dawn.node next to the CLI bundle before vsce runs.
  assert.match(pkg.scripts['package']!, /scripts\/build\.mjs --production && node extension\/stage-dawn\.mjs dist && vsce package --no-dependencies/);
});

test('the IR view is a custom editor for *.onnx offered through Open With', () => {
  assert.deepEqual(pkg.contributes.customEditors.map((e) => [e.viewType, e.priority, e.selector]), [[host.IR_VIEW_TYPE, 'option', [{ filenamePattern: '*.onnx' }]]]);
});

test('the settings are the ones the host reads, with the same defaults', () => {
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), [
    'onnxFp8.attentionQdq',
    'onnxFp8.calibrationFolder',
    'onnxFp8.compileTimeoutSeconds',
    'onnxFp8.fp8Format',
    'onnxFp8.perfIterations',
    'onnxFp8.perfNodePath',
    'onnxFp8.perfTimeoutSeconds',
    'onnxFp8.quantizeOps',
  ]);
  const fromManifest = { get: <T>(k: string) => props[`onnxFp8.${k}`]?.default as T | undefined };
  assert.deepEqual(host.readSettings(fromManifest), host.readSettings({ get: () => undefined }));
  assert.deepEqual(host.readPerfSettings(fromManifest), host.readPerfSettings({ get: () => undefined }));
  assert.equal(host.readPerfSettings(fromManifest).iterations, host.DEFAULT_PERF_ITERATIONS);
  assert.equal(props['onnxFp8.perfIterations']!.minimum, 1);
  // A workspace must not pick the executable the perf runner starts.
  assert.equal(props['onnxFp8.perfNodePath']!.restricted, true);
  assert.deepEqual(props['onnxFp8.attentionQdq']!.enum, ['skip', 'keep']);
  // Every format the manifest offers survives readSettings.
  for (const f of props['onnxFp8.fp8Format']!.enum!) assert.equal(host.readSettings({ get: <T>(k: string) => (k === 'fp8Format' ? f : undefined) as T | undefined }).fp8Format, f);
});
