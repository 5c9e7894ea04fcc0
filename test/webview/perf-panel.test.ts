// The FP8 Perf panel's production bundle in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core), loaded through the HTML and CSP the extension serves, with a stubbed
// acquireVsCodeApi whose state lives in sessionStorage (a reload plays VS Code hiding and re-showing the
// view). Host messages carry the perf JSON of the ONNX attention node test measured on lavapipe
// (test/webview/fixtures), as the host parses it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { PerfFailure, PerfReport, PerfRunRecord, ToPerfPanelMessage } from '../../src/protocol/messages.js';
import { repoPath } from '../helpers/paths.js';
import { type HostModule, loadHost } from '../extension/helpers.js';

const ORIGIN = 'https://webview.test';
const SKIP_COLOUR = 'rgb(201, 102, 3)';
const KEEP_COLOUR = 'rgb(4, 105, 206)';
const XSS = '<img src=x onerror="window.__xss=1">';

const tmp = mkdtempSync(join(tmpdir(), 'onnx-fp8-perf-webview-'));
let context: BrowserContext;
let html = '';
let bundle: { js: string; css: string };
let host: HostModule;

const INIT_SCRIPT = `
(() => {
  window.__posted = [];
  window.__csp = [];
  window.__xss = 0;
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => { const s = sessionStorage.getItem('vscode-state'); return s === null ? undefined : JSON.parse(s); },
    setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
  });
  document.addEventListener('DOMContentLoaded', () => {
    const style = document.documentElement.style;
    style.setProperty('--vscode-charts-orange', '${SKIP_COLOUR}');
    style.setProperty('--vscode-charts-blue', '${KEEP_COLOUR}');
    style.setProperty('--vscode-panel-background', '#1e1e1e');
    style.setProperty('--vscode-foreground', '#cccccc');
    document.body.classList.add('vscode-dark');
  });
})();
`;

before(async () => {
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as { buildBundles(o: object): Promise<void> };
  await build.buildBundles({ targets: ['webview'], outdir: join(tmp, 'dist'), production: true });
  bundle = { js: readFileSync(join(tmp, 'dist/webview/perf-panel.js'), 'utf8'), css: readFileSync(join(tmp, 'dist/webview/perf-panel.css'), 'utf8') };
  host = await loadHost();
  html = host.webviewHtml({ cspSource: ORIGIN, nonce: host.makeNonce(), scriptUri: `${ORIGIN}/perf-panel.js`, styleUri: `${ORIGIN}/perf-panel.css`, title: 'FP8 Perf', rootId: 'perf' });
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  await context.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (path === '/perf-panel.js') return route.fulfill({ contentType: 'text/javascript', body: bundle.js });
    if (path === '/perf-panel.css') return route.fulfill({ contentType: 'text/css', body: bundle.css });
    return route.fulfill({ status: 404, body: '' });
  });
  await context.addInitScript(INIT_SCRIPT);
});

after(async () => {
  await context?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  readonly console: string[];
}

async function open(page?: Page): Promise<Opened> {
  const p = page ?? (await context.newPage());
  const console: string[] = [];
  p.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  p.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
  await p.goto(`${ORIGIN}/index.html`);
  await waitFor(p, 'window.__posted.some((m) => m.type === "ready")');
  return { page: p, console };
}

/** Polls with page.evaluate (run past the CSP), not waitForFunction (whose polling needs 'unsafe-eval'). */
async function waitFor(page: Page, expression: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function send(page: Page, message: ToPerfPanelMessage): Promise<void> {
  await page.evaluate((json) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(JSON.parse(json), '*'), JSON.stringify(message));
}

async function posted(page: Page): Promise<{ type: string; id?: number; mode?: string }[]> {
  return (await page.evaluate('window.__posted')) as { type: string; id?: number; mode?: string }[];
}

async function problems(o: Opened): Promise<string[]> {
  const events = (await o.page.evaluate('window.__csp')) as string[];
  return [...events, ...o.console.filter((l) => /Content Security Policy|Refused to|pageerror|^error/i.test(l))];
}

/** A fixture report as the host sends it (parsePerfJson of the CLI's JSON). */
function report(strategy: 'skip' | 'keep', edit?: (doc: Record<string, unknown>) => void): PerfReport {
  const text = readFileSync(repoPath(`test/webview/fixtures/perf-attention-4d-${strategy}.json`), 'utf8');
  const doc = JSON.parse(text) as Record<string, unknown>;
  edit?.(doc);
  return host.parsePerfJson(JSON.stringify(doc));
}

let nextId = 0;
function run(reports: { skip?: PerfReport; keep?: PerfReport }, over: Partial<PerfRunRecord> = {}): PerfRunRecord {
  const strategies = (['skip', 'keep'] as const).filter((s) => reports[s]);
  return {
    id: `run-${++nextId}`,
    model: '/ws/attention_4d.onnx',
    fileName: 'attention_4d.onnx',
    mode: strategies.length > 1 ? 'compare' : 'single',
    strategies,
    fp8Format: 'e4m3fn',
    iterations: 5,
    startedAt: Date.now(),
    durationMs: 1234,
    outcome: 'done',
    reports,
    ...over,
  };
}

const TARGET: ToPerfPanelMessage = { type: 'perfTarget', fileName: 'attention_4d.onnx', trusted: true, attentionQdq: 'skip', iterations: 5 };

function ms(x: number): string {
  if (x === 0) return '0';
  return x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

test('a run shows total time, rate, scratch, the per-kernel table and a bar chart whose bars are proportional to kernel time', async () => {
  const o = await open();
  const { page } = o;
  const skip = report('skip');
  await send(page, TARGET);
  await send(page, { type: 'perfHistory', runs: [run({ skip })] });
  const section = page.locator('.report[data-strategy="skip"]');
  await section.waitFor();
  assert.equal(await page.locator('#target').textContent(), 'attention_4d.onnx · attention Q/DQ: skip · 5 iterations');
  assert.equal(await section.locator('[data-stat="total"] dd').textContent(), `${ms(skip.totalTimeMs)} ms`);
  assert.equal(await section.locator('[data-stat="scratch"] dd').textContent(), '2,048 B (2 KiB)');
  assert.match((await section.locator('[data-stat="rate"] dd').textContent()) ?? '', /^[\d,.]+\/s$/);
  assert.match((await page.locator('#run-meta').textContent()) ?? '', /attention_4d\.onnx · llvmpipe: Mesa .* · 5 iterations · e4m3fn · /);

  // The table: every kernel of the Summary, in the CLI's order, with count, total and share.
  const rows = await section.locator('table.kernels tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(rows, skip.kernels.map((k) => [k.symbol, String(k.count), ms(k.totalMs), `${k.percent}%`]));

  // The chart: one bar per kernel that took time, longest first, lengths proportional to the time.
  const bars = await section.locator('.chart .bar-row').evaluateAll((rs) =>
    rs.map((r) => ({ symbol: (r as unknown as { dataset: Record<string, string> }).dataset['symbol']!, width: r.querySelector('rect.bar')!.getAttribute('width')!, px: r.querySelector('rect.bar')!.getBoundingClientRect().width })),
  );
  const timed = skip.kernels.filter((k) => k.totalMs > 0).sort((a, b) => b.totalMs - a.totalMs);
  assert.deepEqual(bars.map((b) => b.symbol), timed.map((k) => k.symbol));
  for (const [i, b] of bars.entries()) {
    assert.ok(Math.abs(parseFloat(b.width) / 100 - timed[i]!.totalMs / timed[0]!.totalMs) < 1e-4, `${b.symbol}: ${b.width}`);
    assert.ok(Math.abs(b.px / bars[0]!.px - timed[i]!.totalMs / timed[0]!.totalMs) < 0.02, `${b.symbol}: ${b.px} px of ${bars[0]!.px}`);
  }
  assert.ok(bars[0]!.px > 100, 'the longest bar is drawn');
  // Theme colours: skip's bars are the charts orange.
  assert.equal(await section.locator('rect.bar').first().evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(e).fill), SKIP_COLOUR);
  assert.equal(await page.locator('.chart .bar-label').first().textContent(), 'wgsl_dot_reduce_max_sub_exp_reduce_sum_div_dot');
  assert.equal(await section.locator('ul.fallbacks').count(), 0, 'nothing fell back: no list');
  assert.equal(await page.locator('#banner').isHidden(), true);
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('fused ops that ran as separate kernels are listed above the chart, as text', async () => {
  const o = await open();
  const { page } = o;
  const fallback = { instruction: "group[tag=attention] (ONNX node '<img src=x onerror=alert(1)>')", reason: 'not the fused attention kernel: V head size 10 is not a multiple of 4' };
  const skip = report('skip', (doc) => (doc['fallbacks'] = [fallback]));
  assert.deepEqual(skip.fallbacks, [fallback]);
  assert.deepEqual(report('skip', (doc) => delete doc['fallbacks']).fallbacks, [], 'an older CLI without the field');
  await send(page, TARGET);
  await send(page, { type: 'perfHistory', runs: [run({ skip })] });
  const section = page.locator('.report[data-strategy="skip"]');
  await section.waitFor();
  assert.deepEqual(await section.locator('ul.fallbacks li').allTextContents(), [`${fallback.instruction} ran as separate kernels, ${fallback.reason}`]);
  assert.equal(await section.locator('ul.fallbacks img').count(), 0, 'markup in an instruction name is text');
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('skip vs keep: both runs side by side, one bar scale, and the keep ÷ skip ratios of time and scratch', async () => {
  const o = await open();
  const { page } = o;
  const skip = report('skip');
  const keep = report('keep');
  await send(page, TARGET);
  await send(page, { type: 'perfFinished', run: run({ skip, keep }) });
  await page.locator('#compare-table').waitFor();
  const table = await page.locator('#compare-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  assert.deepEqual(table[0], ['Total time (ms)', ms(skip.totalTimeMs), ms(keep.totalTimeMs), ratio(keep.totalTimeMs, skip.totalTimeMs)]);
  assert.deepEqual(table[1], ['Scratch', '2,048 B (2 KiB)', '1,024 B (1 KiB)', '0.50×']);
  assert.equal(await page.locator('#verdict').textContent(), `skip is ${ratio(keep.totalTimeMs, skip.totalTimeMs)} faster than keep; keep needs 0.50× the scratch of skip.`);
  // Side by side at this width.
  const boxes = await page.locator('.report').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as { x: number; y: number; width: number }));
  assert.equal(boxes.length, 2);
  assert.equal(Math.round(boxes[0]!.y), Math.round(boxes[1]!.y));
  assert.ok(boxes[1]!.x >= boxes[0]!.x + boxes[0]!.width);
  assert.deepEqual(await page.locator('.report h2').allTextContents(), ['attention Q/DQ: skip', 'attention Q/DQ: keep']);
  // One scale for both charts: the longest kernel of either run is the full bar.
  const widths = await page.locator('.report').evaluateAll((els) => els.map((e) => [...e.querySelectorAll('rect.bar')].map((r) => parseFloat(r.getAttribute('width')!))));
  const max = Math.max(...skip.kernels.map((k) => k.totalMs), ...keep.kernels.map((k) => k.totalMs));
  const expected = [skip, keep].map((r) => r.kernels.filter((k) => k.totalMs > 0).sort((a, b) => b.totalMs - a.totalMs).map((k) => (k.totalMs / max) * 100));
  for (let i = 0; i < 2; i++) {
    assert.equal(widths[i]!.length, expected[i]!.length);
    widths[i]!.forEach((w, j) => assert.ok(Math.abs(w - expected[i]![j]!) < 1e-3, `bar ${j} of report ${i}: ${w}% vs ${expected[i]![j]}%`));
  }
  assert.equal(await page.locator('.report[data-strategy="keep"] rect.bar').first().evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(e).fill), KEEP_COLOUR);
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('kernel symbols, instruction text and the adapter name are shown as text: markup in them never runs', async () => {
  const o = await open();
  const { page } = o;
  const evil = report('skip', (d) => {
    const kernels = d['kernels'] as { symbol: string }[];
    kernels[0]!.symbol = `gpu::code_object::${XSS}`;
    kernels[1]!.symbol = '<script>window.__xss=2</script>';
    d['adapter'] = `${XSS} adapter`;
    (d['instructions'] as { text: string }[])[0]!.text = `@0 = ${XSS}`;
  });
  await send(page, TARGET);
  await send(page, { type: 'perfFinished', run: run({ skip: evil }, { fileName: `${XSS}.onnx` }) });
  await page.locator('.report').waitFor();
  await page.locator('details.instructions summary').click();
  assert.equal(await page.locator('table.kernels td.symbol').first().textContent(), `gpu::code_object::${XSS}`);
  assert.equal(await page.locator('.chart .bar-label').first().textContent(), XSS);
  assert.equal(await page.locator('.chart .bar-row').first().getAttribute('data-symbol'), `gpu::code_object::${XSS}`);
  assert.match((await page.locator('#run-meta').textContent()) ?? '', new RegExp(`^${XSS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.onnx · ${XSS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} adapter`));
  assert.ok(((await page.locator('table.instruction-times').textContent()) ?? '').includes(`@0 = ${XSS}`));
  assert.equal(await page.locator('#perf img, #perf script').count(), 0);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await page.evaluate('window.__xss'), 0);
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('Run, Compare and Cancel post their requests; a running run shows its step, elapsed time and the CLI\'s latest line', async () => {
  const o = await open();
  const { page } = o;
  await send(page, TARGET);
  await send(page, { type: 'perfHistory', runs: [] });
  await waitFor(page, 'document.querySelector("#empty")?.textContent?.includes("attention_4d.onnx")');
  assert.equal(await page.locator('#empty').textContent(), 'Press Run to measure attention_4d.onnx on WebGPU, or Compare skip vs keep for both attention strategies.');
  assert.equal(await page.locator('#cancel').getAttribute('disabled'), '');
  await page.locator('#run').click();
  await page.locator('#compare').click();
  await waitFor(page, 'window.__posted.filter((m) => m.type === "runPerf").length === 2');
  assert.deepEqual((await posted(page)).filter((m) => m.type === 'runPerf').map((m) => m.mode), ['single', 'compare']);

  const running = { id: 'r1', fileName: 'attention_4d.onnx', mode: 'compare' as const, strategies: ['skip', 'keep'] as const, iterations: 5, startedAt: Date.now() };
  await send(page, { type: 'perfStarted', run: { ...running, strategies: [...running.strategies] } });
  await send(page, { type: 'perfProgress', progress: { id: 'r1', strategy: 'keep', step: 2, steps: 2, elapsedMs: 3400, line: `compiling ${XSS}` } });
  await waitFor(page, 'document.getElementById("status-line").textContent.startsWith("compiling")');
  assert.equal(await page.locator('#status .status-text').textContent(), 'Running perf on attention_4d.onnx: attention Q/DQ keep (run 2 of 2, 5 iterations), 3 s');
  assert.equal(await page.locator('#status-line').textContent(), `compiling ${XSS}`);
  assert.equal(await page.locator('#cancel').getAttribute('disabled'), null);
  await page.locator('#cancel').click();
  await waitFor(page, 'window.__posted.some((m) => m.type === "cancelPerf")');
  await send(page, { type: 'perfFinished', run: run({}, { id: 'r1', outcome: 'cancelled', mode: 'compare', strategies: ['skip', 'keep'] }) });
  await waitFor(page, 'document.querySelector("#status .status-text").textContent.startsWith("Cancelled")');
  assert.equal(await page.locator('#cancel').getAttribute('disabled'), '');
  // A Run the host refused says why.
  const id = (await posted(page)).filter((m) => m.type === 'runPerf')[0]!.id!;
  await send(page, { type: 'response', id, request: 'runPerf', ok: true, result: { started: false, reason: 'Choose a model first: right-click an .onnx file → Run WebGPU perf.' } });
  await waitFor(page, '!document.getElementById("banner").hidden');
  assert.equal(await page.locator('#banner').textContent(), 'Choose a model first: right-click an .onnx file → Run WebGPU perf.');
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('no WebGPU adapter: the panel says so plainly, with the CLI\'s fix', async () => {
  const o = await open();
  const { page } = o;
  const failure: PerfFailure = {
    kind: 'no-adapter',
    strategy: 'skip',
    message: 'no WebGPU adapter found',
    fix: "install Mesa 25 lavapipe (scripts/install-system-deps.sh; Debian 12 needs mesa-vulkan-drivers and libvulkan1 from bookworm-backports) or use a GPU, or try Dawn's GLES backend (backend opengles, on Mesa llvmpipe)",
  };
  await send(page, TARGET);
  await send(page, { type: 'perfFinished', run: run({}, { outcome: 'failed', failure, strategies: ['skip'] }) });
  await waitFor(page, '!document.getElementById("banner").hidden');
  assert.equal(await page.locator('#banner .failure-title').textContent(), 'No WebGPU adapter found.');
  assert.equal(await page.locator('#banner .failure-fix').textContent(), `How to fix: ${failure.fix}`);
  assert.match((await page.locator('#banner').getAttribute('class')) ?? '', /error failure-no-adapter/);
  assert.equal(await page.locator('#result').isHidden(), true);
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('in an untrusted workspace Run is disabled and the panel offers to manage trust', async () => {
  const o = await open();
  const { page } = o;
  await send(page, { ...TARGET, trusted: false } as ToPerfPanelMessage);
  await waitFor(page, '!document.getElementById("trust").hidden');
  assert.match((await page.locator('#trust').textContent()) ?? '', /Restricted Mode: perf runs need a trusted workspace/);
  assert.equal(await page.locator('#run').getAttribute('disabled'), '');
  assert.equal(await page.locator('#compare').getAttribute('disabled'), '');
  await page.locator('#manage-trust').click();
  await waitFor(page, 'window.__posted.some((m) => m.type === "manageTrust")');
  await send(page, TARGET);
  await waitFor(page, 'document.getElementById("trust").hidden');
  assert.equal(await page.locator('#run').getAttribute('disabled'), null);
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('past runs can be picked from the list; the pick survives a reload; Clear asks the host', async () => {
  const o = await open();
  const { page } = o;
  const older = run({ skip: report('skip') }, { startedAt: Date.now() - 60_000 });
  const newer = run({ skip: report('skip'), keep: report('keep') });
  await send(page, TARGET);
  await send(page, { type: 'perfHistory', runs: [newer, older] });
  await page.locator('#compare-table').waitFor();
  const options = await page.locator('#history vscode-option').allTextContents();
  assert.equal(options.length, 2);
  assert.match(options[0]!, /attention_4d\.onnx {2}skip vs keep, 5×$/);
  assert.match(options[1]!, /attention_4d\.onnx {2}skip, 5×$/);
  await page.locator('#history').evaluate((d, id) => {
    (d as unknown as { value: string }).value = id;
    d.dispatchEvent(new Event('change'));
  }, older.id);
  await waitFor(page, '!document.getElementById("compare-table")');
  assert.equal(await page.locator('.report').count(), 1);

  await page.reload();
  await waitFor(page, 'window.__posted.some((m) => m.type === "ready")');
  await send(page, TARGET);
  await send(page, { type: 'perfHistory', runs: [newer, older] });
  await page.locator('.report').waitFor();
  assert.equal(await page.locator('#compare-table').count(), 0, 'the older (single) run is still the one shown');
  assert.equal(await page.locator('#history').evaluate((d) => (d as unknown as { value: string }).value), older.id);

  await page.locator('#clear-history').click();
  await waitFor(page, 'window.__posted.some((m) => m.type === "clearPerfHistory")');
  assert.deepEqual(await problems(o), []);
  await page.close();
});

test('an inline script injected into the page is blocked by the CSP', async () => {
  const o = await open();
  await o.page.evaluate(() => {
    const s = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; body: { appendChild(e: unknown): void } } }).document.createElement('script');
    s.textContent = 'window.__xss = 3';
    (globalThis as unknown as { document: { body: { appendChild(e: unknown): void } } }).document.body.appendChild(s);
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await o.page.evaluate('window.__xss'), 0);
  assert.ok(((await o.page.evaluate('window.__csp')) as string[]).some((v) => v.startsWith('script-src')));
  await o.page.close();
});
