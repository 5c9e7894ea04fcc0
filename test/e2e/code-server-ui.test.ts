// End to end: the packaged extension in a real VS Code (code-server 4.139 = VS Code 1.139, Node 24)
// driven through Debian's Chromium by playwright-core. Packages the VSIX, installs it into a fresh
// code-server, opens a workspace holding the example models, right-clicks one → Compile fp8, and checks
// the IR view (skip-set rows highlighted, the same set as the CLI's JSON `skipSet`), the Problems panel
// and both themes; then right-clicks a small attention model → Run WebGPU perf and checks the FP8 Perf
// panel (the per-kernel table against `onnx-fp8 perf --format json`, measured on lavapipe, then skip vs
// keep). Screenshots go to test-results/e2e/. The steps are tests run in order; a step whose
// predecessor failed fails at once. Missing tools fail the file unless ONNX_FP8_E2E=skip (docs/e2e.md).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { repoPath } from '../helpers/paths.js';
import { CodeServer, type CodeServerDirs, codeServerDirs, installExtension, QUIET_SETTINGS, readUserSettings, writeUserSettings } from './code-server.js';
import { packageVsix } from './package-vsix.js';
import { e2eMode, type E2eTools, findTools, missingToolsMessage } from './tools.js';
import {
  clickContextMenuItem,
  closeMenu,
  editorTab,
  findWebview,
  launchBrowser,
  openExplorerContextMenu,
  openProblems,
  openWorkbench,
  panelTab,
  runCommand,
  screenshot,
  screenshotOf,
  selectColorTheme,
  waitForWorkbenchTheme,
  waitUntil,
} from './workbench.js';

const MODEL = 'attention_fp8_test.onnx';
const OTHER_MODEL = 'bert_layer.onnx';
/** The perf step's model: the ONNX attention node test, small enough for lavapipe (about 1 s a run). */
const PERF_MODEL = 'attention_4d.onnx';
const PERF_ITERATIONS = 3;
// The themes' setting values (VS Code 1.139 writes these ids; the picker shows the same labels).
const DARK_THEME = 'Dark Modern';
const LIGHT_THEME = 'Light Modern';
const SHOTS = repoPath('test-results', 'e2e');
/** The reaper kills code-server after this even if the test process hangs (the steps' budgets add up to less). */
const HARD_DEADLINE_MS = 14 * 60_000;

/** The IR view's rows for the primary (skip) strategy, as the webview renders them (webview/ir-view/main.ts). */
const SKIP_PANE = '.pane[data-strategy="skip"]';
const SKIPPED_ROW = `${SKIP_PANE} .row.ins[data-state="skipped"]:not([hidden])`;

interface CliDiagnostic {
  readonly severity: string;
  readonly code: string;
  readonly message: string;
}
interface CliInstruction {
  readonly name: string;
  readonly op: string;
  readonly attention?: { readonly reason?: string };
}
interface CliCompile {
  readonly skipSet: string[];
  readonly diagnostics: CliDiagnostic[];
  readonly instructions: CliInstruction[];
}
interface CliPerf {
  readonly adapter: string;
  readonly scratchBytes: number;
  readonly kernels: { readonly symbol: string; readonly count: number }[];
}

const lookup = findTools();
const skip = !lookup.ok && e2eMode() === 'skip' ? `ONNX_FP8_E2E=skip; missing: ${lookup.missing.join('; ')}` : false;

const tmp = mkdtempSync(join(tmpdir(), 'onnx-fp8-e2e-'));
let tools: E2eTools;
let dirs: CodeServerDirs;
let server: CodeServer | undefined;
let browser: BrowserContext | undefined;
let page: Page;
let expected: CliCompile;
let irView: FrameLocator;
let workspace: string;
let packagedCli: string;
let failedStep: string | undefined;

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  if (process.env['KEEP_TMP'] !== '1') rmSync(tmp, { recursive: true, force: true });
});

/** One step of the scenario: a test that fails at once when an earlier step failed, and leaves a screenshot when it fails. */
function step(name: string, timeoutMs: number, body: () => Promise<void>): void {
  test(name, { timeout: timeoutMs, skip }, async () => {
    if (failedStep !== undefined) throw new Error(`not run: the step "${failedStep}" failed`);
    failedStep = name;
    try {
      await body();
    } catch (e) {
      const shot = browser ? await screenshot(page, SHOTS, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => '') : '';
      const log = server ? `\n--- code-server log (last lines) ---\n${server.log().split('\n').slice(-40).join('\n')}` : '';
      if (!shot && !log) throw e;
      throw new Error(`${e instanceof Error ? e.message : String(e)}${shot ? `\nscreenshot: ${shot}` : ''}${log}`, { cause: e });
    }
    failedStep = undefined;
  });
}

function cliJson<T>(cli: string, args: string[], timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 256 << 20, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[cli, ...args].join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}

function compileWithCli(cli: string, model: string): Promise<CliCompile> {
  return cliJson(cli, ['compile', model, '--format', 'json', '--fp8', '--attention-qdq', 'skip', '--fp8-format', 'e4m3fn']);
}

step('the e2e tools are installed (Chromium, Node 24, code-server)', 10_000, async () => {
  if (!lookup.ok) assert.fail(missingToolsMessage(lookup.missing));
  tools = lookup.tools;
});

step('packages the VSIX, installs it into a fresh code-server and opens a workspace with the example models', 120_000, async () => {
  rmSync(SHOTS, { recursive: true, force: true });
  const ws = join(tmp, 'ws');
  workspace = ws;
  mkdirSync(ws);
  for (const m of [MODEL, OTHER_MODEL]) copyFileSync(repoPath('examples', m), join(ws, m));
  copyFileSync(repoPath('test/data/onnx-node-tests/test_attention_4d/model.onnx'), join(ws, PERF_MODEL));
  writeFileSync(join(ws, 'README.md'), '# not a model\n');

  const packaged = await packageVsix(mkdtempSync(join(tmp, 'stage-')));
  packagedCli = packaged.cli;
  dirs = codeServerDirs(join(tmp, 'code-server'));
  writeUserSettings(dirs, { ...QUIET_SETTINGS, 'workbench.colorTheme': DARK_THEME, 'onnxFp8.perfIterations': PERF_ITERATIONS });
  // The CLI runs while the extension installs: its JSON is what the IR view must agree with.
  const [cli] = await Promise.all([compileWithCli(packaged.cli, join(ws, MODEL)), installExtension(tools, dirs, packaged.vsix)]);
  expected = cli;
  assert.ok(expected.skipSet.length > 0, `the CLI reports no skip set for ${MODEL}`);

  server = await CodeServer.start(tools, dirs, { timeoutMs: 60_000, hardDeadlineMs: HARD_DEADLINE_MS, removeIfAbandoned: tmp });
  browser = await launchBrowser(tools.chromium, join(tmp, 'chromium-profile'));
  page = browser.pages()[0] ?? (await browser.newPage());
  await openWorkbench(page, server.url, ws, MODEL);
  await waitForWorkbenchTheme(page, 'dark', 10_000);
});

step('the explorer context menu offers Compile fp8 on .onnx files only; clicking it opens the IR view', 60_000, async () => {
  // The menu contributions register a little after the explorer shows; the helper reopens the menu until they are in.
  const items = await openExplorerContextMenu(page, MODEL, 'Compile fp8');
  assert.ok(items.includes('Compile fp8'), `no "Compile fp8" in the context menu of ${MODEL}: ${items.join(', ')}`);
  assert.ok(items.includes('Show compiled IR'), `no "Show compiled IR" in the context menu of ${MODEL}: ${items.join(', ')}`);
  await closeMenu(page);
  // Checked only now that the contributions are known to be loaded.
  const readme = await openExplorerContextMenu(page, 'README.md', undefined);
  assert.ok(!readme.includes('Compile fp8'), `README.md's context menu offers Compile fp8: ${readme.join(', ')}`);
  await closeMenu(page);

  await openExplorerContextMenu(page, MODEL, 'Compile fp8');
  await clickContextMenuItem(page, 'Compile fp8');
  // The custom editor's tab carries the model's name; the webview's page is the IR view's.
  await editorTab(page, MODEL).waitFor({ timeout: 30_000 });
  irView = await findWebview(page, `${SKIP_PANE} .row.ins`, 30_000);
  assert.equal(await irView.locator('head > title').textContent(), `FP8 IR: ${MODEL}`);
  assert.equal(await irView.locator('.title').textContent(), MODEL);
});

step('the IR view highlights the skip set: the same instructions as the CLI JSON skipSet', 30_000, async () => {
  await irView.locator(SKIPPED_ROW).first().waitFor({ timeout: 10_000 });
  const { names } = await scanSkipSet(irView);
  assert.deepEqual(names, [...expected.skipSet].sort(), 'skip-set rows in the IR view vs the CLI skipSet');
  await assertHighlighted(irView);
  // Selecting a skip-set instruction shows why it was left out of Q/DQ: the reason the CLI gave.
  const picked = expected.instructions.find((i) => i.op === 'softmax' && expected.skipSet.includes(i.name)) ?? expected.instructions.find((i) => i.name === expected.skipSet[0])!;
  await irView.locator(`${SKIP_PANE} .row.ins[data-name="${picked.name}"]`).click();
  await waitUntil(`the details of ${picked.name}`, 10_000, async () => ((await irView.locator('#details .details-name').textContent()) === picked.name ? true : undefined));
  const details = (await irView.locator('#details').textContent()) ?? '';
  const reason = picked.attention?.reason;
  if (reason) assert.ok(details.includes(reason), `the details of ${picked.name} lack the CLI's reason "${reason}": ${details}`);
  // The compile's progress notification goes away by itself; the screenshot is taken without it where it can be.
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
  await screenshot(page, SHOTS, 'ir-view-dark');
});

step("the compile's diagnostics are in the Problems panel (ATTENTION_REGION and the rest)", 30_000, async () => {
  const rows = await openProblems(page);
  const region = expected.diagnostics.find((d) => d.code === 'ATTENTION_REGION');
  assert.ok(region, `the CLI reports no ATTENTION_REGION for ${MODEL}: ${expected.diagnostics.map((d) => d.code).join(', ')}`);
  const regionRow = rows.filter({ hasText: region.message }).first();
  await regionRow.waitFor({ timeout: 10_000 });
  assert.match((await regionRow.textContent()) ?? '', /ATTENTION_REGION/);
  assert.ok((await rows.filter({ hasText: MODEL }).count()) > 0, `no "${MODEL}" group in the Problems panel`);
  for (const d of expected.diagnostics) {
    await rows.filter({ hasText: d.message }).first().waitFor({ timeout: 5_000 });
  }
  await screenshot(page, SHOTS, 'problems');
});

step('the IR view follows a switch to the light theme in the settings', 30_000, async () => {
  // Hide the panel again so the IR view has the window.
  await runCommand(page, 'View: Hide Panel');
  await selectColorTheme(page, LIGHT_THEME);
  await waitForWorkbenchTheme(page, 'light', 10_000);
  await waitUntil(`workbench.colorTheme: ${LIGHT_THEME} in the user settings`, 5_000, async () => (readUserSettings(dirs)['workbench.colorTheme'] === LIGHT_THEME ? true : undefined));
  await waitUntil('the IR view in the light theme', 10_000, async () => ((await irView.locator('body.vscode-light').count()) > 0 ? true : undefined));
  assert.deepEqual((await scanSkipSet(irView)).names, [...expected.skipSet].sort());
  await assertHighlighted(irView);
  await screenshot(page, SHOTS, 'ir-view-light');
});

/** The packaged CLI's own perf JSON of the perf model (skip), what the panel must show. */
let cliSkip: CliPerf;

// llvmpipe builds each pipeline at its first use: up to ~40 s for the keep program on a fresh machine
// (empty Mesa shader cache; the per-op GEMMs take 3–5 s each). The CLI runs both strategies once here, with
// the panel's options, so the panel's runs below measure the UI rather than the first compile.
step('the packaged CLI measures the perf model, skip and keep (the reference for the panel)', 360_000, async () => {
  const args = (strategy: string) => ['perf', join(workspace, PERF_MODEL), '--format', 'json', '--fp8', '--attention-qdq', strategy, '--fp8-format', 'e4m3fn', '--iterations', String(PERF_ITERATIONS)];
  cliSkip = await cliJson<CliPerf>(packagedCli, args('skip'), 180_000);
  const keep = await cliJson<CliPerf>(packagedCli, args('keep'), 180_000);
  assert.ok(cliSkip.kernels.length > 0 && keep.kernels.length > 0);
});

step('Run WebGPU perf (lavapipe) fills the FP8 Perf panel: the CLI\'s kernels, then skip vs keep side by side, in both themes', 150_000, async () => {
  // The IR view offers it in its editor title bar too (the view's resource is the model).
  await page.locator('.editor-actions [aria-label^="Run WebGPU perf"]').first().waitFor({ timeout: 10_000 });
  const items = await openExplorerContextMenu(page, PERF_MODEL, 'Run WebGPU perf');
  assert.ok(items.includes('Run WebGPU perf'), `no "Run WebGPU perf" in the context menu of ${PERF_MODEL}: ${items.join(', ')}`);
  await clickContextMenuItem(page, 'Run WebGPU perf');
  // The command opens the panel's own tab in the bottom panel; the run starts in a child Node process.
  await panelTab(page, 'FP8 Perf').waitFor({ timeout: 15_000 });
  const perf = await findWebview(page, '.perf-panel', 20_000);
  // The document's own title: the chart's SVG bars carry <title>s too once a run has finished, which
  // with warm pipelines can be before this line runs.
  assert.equal(await perf.locator('head > title').textContent(), 'FP8 Perf');
  const skipRows = perf.locator('.report[data-strategy="skip"] table.kernels tbody tr');
  await waitForPerf(perf, 'the skip run\'s kernel table', 60_000, async () => (await skipRows.count()) > 0);
  assert.match((await perf.locator('#target').textContent()) ?? '', new RegExp(`^${PERF_MODEL.replace('.', '\\.')} · attention Q/DQ: skip · ${PERF_ITERATIONS} iterations$`));

  // The table is what the CLI itself reports for this model (times differ from run to run; kernels do not).
  const cli = cliSkip;
  const shown = await skipRows.evaluateAll((trs) => trs.map((tr) => ({ symbol: tr.children[0]!.textContent ?? '', count: Number(tr.children[1]!.textContent) })));
  const bySymbol = (a: { symbol: string }, b: { symbol: string }): number => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);
  assert.deepEqual([...shown].sort(bySymbol), cli.kernels.map((k) => ({ symbol: k.symbol, count: k.count })).sort(bySymbol));
  const scratch = (await perf.locator('.report[data-strategy="skip"] [data-stat="scratch"] dd').textContent()) ?? '';
  assert.ok(scratch.startsWith(`${cli.scratchBytes.toLocaleString('en-US')} B`), `scratch ${scratch} vs the CLI's ${cli.scratchBytes}`);
  assert.ok(((await perf.locator('#run-meta').textContent()) ?? '').includes(cli.adapter), 'the adapter the CLI used');
  const bars = await perf.locator('.report[data-strategy="skip"] .chart rect.bar').count();
  assert.equal(bars, cli.kernels.filter((k) => k.symbol.startsWith('gpu::code_object::')).length, 'one bar per GPU kernel');

  // Skip vs keep: two more runs, then both reports side by side with the keep ÷ skip ratios.
  await perf.locator('#compare').click();
  await waitForPerf(perf, 'the skip vs keep table', 70_000, async () => (await perf.locator('#compare-table').count()) > 0);
  assert.equal(await perf.locator('.report').count(), 2);
  const metrics = await perf.locator('#compare-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  assert.deepEqual(metrics.map((r) => r[0]), ['Total time (ms)', 'Scratch', 'Rate', 'Kernel launches', 'Instructions time (ms)']);
  for (const r of metrics) assert.match(r[3]!, /^\d+(\.\d+)?×$/, `the ratio of ${r[0]}`);
  const bytes = (cellText: string): number => Number(cellText.split(' B')[0]!.replace(/,/g, ''));
  const [, skipScratch, keepScratch, scratchRatio] = metrics[1]!;
  assert.equal(bytes(skipScratch!), cli.scratchBytes);
  const r = bytes(keepScratch!) / bytes(skipScratch!);
  assert.equal(scratchRatio, `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`);

  // The workbench is light since the previous step; then back to dark. The panel gets the window's
  // height for the screenshots, so both reports show.
  await runCommand(page, 'View: Toggle Maximized Panel');
  await waitUntil('the perf panel in the light theme', 10_000, async () => ((await perf.locator('body.vscode-light').count()) > 0 ? true : undefined));
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
  await screenshotOf(page.locator('.part.panel'), SHOTS, 'perf-panel-light');
  await selectColorTheme(page, DARK_THEME);
  await waitForWorkbenchTheme(page, 'dark', 10_000);
  await waitUntil('the perf panel in the dark theme', 10_000, async () => ((await perf.locator('body.vscode-dark').count()) > 0 ? true : undefined));
  assert.equal(await perf.locator('.report').count(), 2, 'the panel keeps its result across the theme change');
  await screenshotOf(page.locator('.part.panel'), SHOTS, 'perf-panel-dark');
});

/**
 * Waits for the perf panel to show `what`; a failure banner (no adapter, a model error) ends the wait at
 * once with its text, so a machine without lavapipe fails with the panel's own explanation.
 */
async function waitForPerf(perf: FrameLocator, what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await done().catch(() => false)) return;
    const banner = perf.locator('#banner.error');
    if ((await banner.count()) > 0 && (await banner.isVisible())) assert.fail(`the perf panel shows a failure instead of ${what}: ${await banner.textContent()}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the panel says: ${(await perf.locator('#status').textContent().catch(() => '')) ?? ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The skip-set rows of the IR view: their names, sorted, and the list position of the first. The list is
 * virtualized (only rows near the viewport exist), so it is scrolled through from top to bottom; it is
 * left scrolled so that the first skip-set row is near the top.
 */
async function scanSkipSet(view: FrameLocator): Promise<{ names: string[]; firstIndex: number }> {
  const list = view.locator(`${SKIP_PANE} .vlist`);
  const names = new Set<string>();
  let firstIndex = Infinity;
  const { scrollHeight, clientHeight } = await list.evaluate((e) => ({ scrollHeight: e.scrollHeight, clientHeight: e.clientHeight }));
  for (let top = 0; ; top += Math.max(1, Math.floor(clientHeight / 2))) {
    await scrollList(view, top);
    const rows = await view.locator(SKIPPED_ROW).evaluateAll((els) => els.map((e) => ({ name: e.getAttribute('data-name') ?? '', index: Number(e.getAttribute('data-index')) })));
    for (const r of rows) {
      names.add(r.name);
      firstIndex = Math.min(firstIndex, r.index);
    }
    if (top + clientHeight >= scrollHeight) break;
  }
  const rowHeight = await view.locator(`${SKIP_PANE} .row`).first().evaluate((e) => (e as unknown as { offsetHeight: number }).offsetHeight);
  await scrollList(view, Math.max(0, (firstIndex - 3) * rowHeight));
  return { names: [...names].sort(), firstIndex };
}

/** Scrolls the IR list to `top` px and waits until the virtual list has drawn the rows there. */
async function scrollList(view: FrameLocator, top: number): Promise<void> {
  const list = view.locator(`${SKIP_PANE} .vlist`);
  await list.evaluate((e, t) => {
    e.scrollTop = t;
  }, top);
  await list.evaluate(() => new Promise<void>((r) => (globalThis as unknown as Raf).requestAnimationFrame(() => (globalThis as unknown as Raf).requestAnimationFrame(r))));
}

// The tests type-check without the DOM library; these are the few browser functions the page callbacks
// use (the callbacks run in the page, so they cannot call helpers defined here).
interface Raf {
  requestAnimationFrame(f: () => void): number;
}
interface Css {
  getComputedStyle(e: unknown): { backgroundColor: string; borderLeftColor: string };
}

/** Skip-set rows carry the skip colour of the legend (the theme's charts orange); other rows do not. */
async function assertHighlighted(view: FrameLocator): Promise<void> {
  const swatch = await view.locator('.legend-item.cat-skipped .swatch').evaluate((e) => (globalThis as unknown as Css).getComputedStyle(e).backgroundColor);
  assert.notEqual(swatch, 'rgba(0, 0, 0, 0)', 'the skip-set legend swatch has no colour');
  const skipped = view.locator(SKIPPED_ROW);
  for (let i = 0; i < (await skipped.count()); i++) {
    assert.equal(await skipped.nth(i).evaluate((e) => (globalThis as unknown as Css).getComputedStyle(e).borderLeftColor), swatch, 'a skip-set row is not in the skip colour');
  }
  const other = view.locator(`${SKIP_PANE} .row.ins:not([hidden]):not([data-state="skipped"])`).first();
  assert.notEqual(await other.evaluate((e) => (globalThis as unknown as Css).getComputedStyle(e).borderLeftColor), swatch, 'a row outside the skip set has the skip colour');
}
