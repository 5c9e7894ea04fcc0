// The IR view's production bundle in headless Chromium (Debian's /usr/bin/chromium via playwright-core),
// loaded through the same HTML and CSP the extension serves, with a stubbed acquireVsCodeApi whose state
// lives in sessionStorage (so a reload plays the part of VS Code hiding and re-showing the view). Host
// messages are posted to the window, as VS Code delivers them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { CompactInstruction, CompactProgram } from '../../src/protocol/compact-ir.js';
import type { CompiledView, ToWebviewMessage } from '../../src/protocol/messages.js';
import { writeFileSync } from 'node:fs';
import { compileJson } from '../../src/cli/compile.js';
import { compileFile } from '../../src/compiler.js';
import { encodeModel } from '../../src/onnx/write.js';
import { repoPath } from '../helpers/paths.js';
import { type HostModule, loadHost } from '../extension/helpers.js';

const ORIGIN = 'https://webview.test';
const SKIP_COLOUR = 'rgb(201, 102, 3)';
const QUANT_COLOUR = 'rgb(4, 105, 206)';
const XSS = '<img src=x onerror="window.__xss=1">';

const tmp = mkdtempSync(join(tmpdir(), 'onnx-fp8-webview-'));
let context: BrowserContext;
let html = '';
let bundle: { js: string; css: string };
let host: HostModule;

// The stub VS Code gives every webview: acquireVsCodeApi, theme variables and body classes.
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
    style.setProperty('--vscode-charts-blue', '${QUANT_COLOUR}');
    style.setProperty('--vscode-editor-background', '#1e1e1e');
    style.setProperty('--vscode-foreground', '#cccccc');
    document.body.classList.add('vscode-dark');
  });
})();
`;

before(async () => {
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as { buildBundles(o: object): Promise<void> };
  await build.buildBundles({ targets: ['webview'], outdir: join(tmp, 'dist'), production: true });
  bundle = { js: readFileSync(join(tmp, 'dist/webview/ir-view.js'), 'utf8'), css: readFileSync(join(tmp, 'dist/webview/ir-view.css'), 'utf8') };
  host = await loadHost();
  html = host.webviewHtml({ cspSource: ORIGIN, nonce: host.makeNonce(), scriptUri: `${ORIGIN}/ir-view.js`, styleUri: `${ORIGIN}/ir-view.css`, title: `FP8 IR: ${XSS}`, rootId: 'ir' });
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  await context.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (path === '/ir-view.js') return route.fulfill({ contentType: 'text/javascript', body: bundle.js });
    if (path === '/ir-view.css') return route.fulfill({ contentType: 'text/css', body: bundle.css });
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

async function open(): Promise<Opened> {
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
  await page.goto(`${ORIGIN}/index.html`);
  await waitFor(page, 'window.__posted.some((m) => m.type === "ready")');
  return { page, console };
}

/**
 * Waits until a JavaScript expression is true in the page. Polls with page.evaluate (which DevTools runs
 * past the CSP) rather than page.waitForFunction, whose in-page polling needs 'unsafe-eval'.
 */
async function waitFor(page: Page, expression: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Posts a host message to the page (as JSON text: Playwright serializes big objects slowly). */
async function send(page: Page, message: ToWebviewMessage): Promise<void> {
  await page.evaluate((json) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(JSON.parse(json), '*'), JSON.stringify(message));
}

async function posted(page: Page): Promise<{ type: string; id?: number; strategy?: string; line?: number }[]> {
  return (await page.evaluate('window.__posted')) as { type: string; id?: number; strategy?: string; line?: number }[];
}

/** CSP violations seen by the page, as events and as console messages. */
async function cspProblems(o: Opened): Promise<string[]> {
  const events = (await o.page.evaluate('window.__csp')) as string[];
  return [...events, ...o.console.filter((l) => /Content Security Policy|Refused to/i.test(l))];
}

function ins(i: number, p: Partial<CompactInstruction> = {}): CompactInstruction {
  const name = p.name ?? `@${i}`;
  const op = p.op ?? 'add';
  return {
    name,
    module: 'main',
    op,
    text: `${name} = ${op}(@${Math.max(0, i - 1)}) -> half_type, {1, 16, 1024, 128}, {2097152, 131072, 128, 1}`,
    line: i + 2,
    type: 'half_type',
    lens: [1, 16, 1024, 128],
    inputs: i > 0 ? [`@${i - 1}`] : [],
    quantization: 'none',
    ...p,
  };
}

/** The seed attention block after FP8 with the skip set: q/dq around the projection, attention kept out. */
function seedProgram(): CompactProgram {
  const instructions = [
    ins(0, { op: 'transpose', onnxNode: 'k_transpose', onnxOpType: 'Transpose' }),
    ins(1, { op: 'dot', onnxNode: 'qk_matmul', onnxOpType: 'MatMul', quantization: 'skipped', lens: [1, 16, 1024, 1024], attention: { region: 0, role: 'qk', reason: 'first GEMM of attention region 0' } }),
    ins(2, { op: 'softmax', onnxNode: 'softmax', onnxOpType: 'Softmax', quantization: 'skipped', lens: [1, 16, 1024, 1024], attention: { region: 0, role: 'softmax', reason: 'softmax of attention region 0' } }),
    ins(3, { op: 'dot', onnxNode: 'pv_matmul', onnxOpType: 'MatMul', quantization: 'skipped', attention: { region: 0, role: 'pv', reason: 'second GEMM of attention region 0' } }),
    ins(4, { op: 'quantizelinear', onnxNode: 'out_proj', onnxOpType: 'MatMul', quantization: 'quantized', scale: 0.0123, type: 'fp8e4m3fn_type' }),
    ins(5, { op: 'quant_dot', onnxNode: 'out_proj', onnxOpType: 'MatMul', quantization: 'quantized', scale: 0.0123 }),
    ins(6, { op: 'dequantizelinear', onnxNode: 'out_proj', onnxOpType: 'MatMul', quantization: 'quantized', scale: 0.0123 }),
    ins(7, { op: '@return' }),
  ];
  return {
    file: '/ws/attention_fp8_test.onnx',
    instructions,
    attention: [{ id: 0, pattern: 'dot-softmax-dot', instructions: ['@1', '@2', '@3'], onnxNodes: ['qk_matmul', 'softmax', 'pv_matmul'] }],
    diagnostics: [],
    stats: { instructions: instructions.length, modules: 1 },
  };
}

function view(program: CompactProgram, strategy: 'skip' | 'keep' = 'skip'): CompiledView {
  return { strategy, fp8: true, program, compiledAt: Date.now(), durationMs: 12, notes: [] };
}

async function showSeed(page: Page): Promise<void> {
  await send(page, { type: 'model', fileName: 'attention_fp8_test.onnx', primary: 'skip' });
  await send(page, { type: 'compiled', view: view(seedProgram()) });
  await page.locator('.pane[data-strategy="skip"] .row.ins[data-name="@7"]').waitFor();
}

async function rowNames(page: Page, pane: 'skip' | 'keep' = 'skip'): Promise<string[]> {
  const names = await page.locator(`.pane[data-strategy="${pane}"] .row.ins:not([hidden])`).evaluateAll((els) => els.map((e) => (e as unknown as { dataset: Record<string, string> }).dataset['name'] ?? ''));
  return names.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

test('renders the program; skip-set and quantized rows carry theme colours and a legend explains them', async () => {
  const o = await open();
  const { page } = o;
  await showSeed(page);
  assert.equal(await page.locator('.title').textContent(), 'attention_fp8_test.onnx');
  assert.deepEqual(await rowNames(page), ['@0', '@1', '@2', '@3', '@4', '@5', '@6', '@7']);
  const skipped = page.locator('.row.ins[data-state="skipped"]');
  assert.equal(await skipped.count(), 3);
  for (let i = 0; i < 3; i++) {
    assert.match((await skipped.nth(i).getAttribute('class')) ?? '', /cat-skipped/);
    assert.equal(await skipped.nth(i).evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } }).getComputedStyle(e).borderLeftColor), SKIP_COLOUR);
  }
  const quantized = page.locator('.row.ins[data-state="quantized"]').first();
  assert.equal(await quantized.evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } }).getComputedStyle(e).borderLeftColor), QUANT_COLOUR);
  const other = page.locator('.row.ins[data-name="@0"]');
  assert.equal(await other.evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } }).getComputedStyle(e).borderLeftColor), 'rgba(0, 0, 0, 0)');
  assert.deepEqual(await page.locator('.legend .legend-item').allTextContents(), ['skip set (left out of Q/DQ)', 'quantized (FP8 Q/DQ)', 'fused kernel', 'other']);
  // The attention region is a group headed before its first member; modules are groups too.
  assert.deepEqual(await page.locator('.pane[data-strategy="skip"] .row.group:not([hidden]) .group-label').allTextContents(), ['module: "main"', 'Attention region 0 (dot-softmax-dot)']);
  assert.deepEqual(await cspProblems(o), []);
  assert.deepEqual(o.console.filter((l) => l.startsWith('pageerror') || l.startsWith('error')), []);
  await page.close();
});

test('search filters by op, name, shape and ONNX node; the state filter shows the skip set', async () => {
  const { page } = await open();
  await showSeed(page);
  const search = page.locator('#search input');
  const expectRows = async (query: string, names: string[]) => {
    await search.fill(query);
    const end = Date.now() + 10_000;
    let got = await rowNames(page);
    while (got.join() !== names.join() && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
      got = await rowNames(page);
    }
    assert.deepEqual(got, names, query);
  };
  await expectRows('op:softmax', ['@2']);
  assert.equal(await page.locator('#match-count').textContent(), '1 of 8 instructions');
  await expectRows('op:dot', ['@1', '@3']);
  await expectRows('name:@5', ['@5']);
  await expectRows('shape:1x16x1024x1024', ['@1', '@2']);
  await expectRows('shape:{1, 16, 1024, 1024}'.replace(/ /g, ''), ['@1', '@2']);
  await expectRows('node:out_proj', ['@4', '@5', '@6']);
  await expectRows('MatMul dot', ['@1', '@3', '@5']);
  await expectRows('op:nothing-like-this', []);
  assert.equal(await page.locator('.pane[data-strategy="skip"] .pane-placeholder').textContent(), 'No instruction matches the filter.');
  await expectRows('', ['@0', '@1', '@2', '@3', '@4', '@5', '@6', '@7']);

  await page.locator('#state-filter').click();
  await page.locator('vscode-option', { hasText: 'Skip set' }).click();
  await waitFor(page, `document.querySelectorAll('.pane[data-strategy="skip"] .row.ins:not([hidden])').length === 3`);
  assert.deepEqual(await rowNames(page), ['@1', '@2', '@3']);
  await page.close();
});

test('selecting an instruction shows its ONNX node, shape, scale and why it was skipped or quantized', async () => {
  const { page } = await open();
  await showSeed(page);
  await page.locator('.row.ins[data-name="@2"]').click();
  const details = page.locator('#details');
  const text = (await details.textContent()) ?? '';
  assert.match(text, /ONNX nodesoftmax \(Softmax\)/);
  assert.match(text, /Shape\{1, 16, 1024, 1024\}/);
  assert.match(text, /Skip set: left out of FP8 Q\/DQ so the attention block can fuse\./);
  assert.match(text, /Whysoftmax of attention region 0/);
  assert.match(text, /Attention region0 \(softmax\)/);
  assert.equal(await page.locator('.row.ins[data-name="@2"]').getAttribute('aria-selected'), 'true');

  await page.locator('.row.ins[data-name="@5"]').click();
  assert.match((await details.textContent()) ?? '', /Quantized to FP8 with scale 0\.0123\..*Scale0\.0123/);
  // An input is a link to its producer.
  await details.locator('button', { hasText: '@4' }).click();
  assert.match((await details.locator('.details-name').textContent()) ?? '', /^@4$/);
  // Open in IR text asks the host, by request id, for the instruction's line.
  await details.locator('button', { hasText: 'Open in IR text' }).click();
  const req = (await posted(page)).find((m) => m.type === 'openIrText');
  assert.deepEqual({ ...req, id: typeof req?.id }, { type: 'openIrText', id: 'number', strategy: 'skip', line: 6 });
  await page.close();
});

test('attention regions collapse and expand', async () => {
  const { page } = await open();
  await showSeed(page);
  const header = page.locator('.row.group[data-key="r:0"]');
  assert.equal(await header.getAttribute('aria-expanded'), 'true');
  await header.click();
  await waitFor(page, `!document.querySelector('.row.ins[data-name="@2"]:not([hidden])')`);
  assert.deepEqual(await rowNames(page), ['@0', '@4', '@5', '@6', '@7']);
  assert.equal(await page.locator('.row.group[data-key="r:0"]').getAttribute('aria-expanded'), 'false');
  await page.locator('.row.group[data-key="r:0"]').click();
  await page.locator('.row.ins[data-name="@2"]').waitFor();
  assert.deepEqual(await rowNames(page), ['@0', '@1', '@2', '@3', '@4', '@5', '@6', '@7']);
  await page.close();
});

test('an XSS model renders as text: names, ops, node names, reasons, file names and errors', async () => {
  const o = await open();
  const { page } = o;
  const evil: CompactProgram = {
    file: `/ws/${XSS}.onnx`,
    instructions: [
      ins(0, { name: XSS, op: '<script>window.__xss=2</script>', text: `${XSS} = @param:${XSS}`, onnxNode: XSS, onnxOpType: '<b>MatMul</b>' }),
      ins(1, { onnxNode: `<iframe src="javascript:window.__xss=3">`, quantization: 'skipped', attention: { region: 0, role: XSS, reason: `<svg onload="window.__xss=4">` }, inputs: [XSS] }),
    ],
    attention: [{ id: 0, pattern: `<img src=y onerror="window.__xss=5">`, instructions: ['@1'], onnxNodes: [] }],
    diagnostics: [],
    stats: { instructions: 2, modules: 1 },
  };
  await send(page, { type: 'model', fileName: `${XSS}.onnx`, primary: 'skip' });
  await send(page, { type: 'compiled', view: view(evil) });
  await page.locator('.row.ins[data-name="@1"]').click();
  await send(page, { type: 'compileFailed', failure: { strategy: 'skip', kind: 'model', file: `/ws/${XSS}.onnx`, onnxNode: XSS, onnxOpType: '<i>x</i>', cause: `<img src=z onerror="window.__xss=6">`, at: Date.now() + 1000 } });
  await page.locator('.banner-error').waitFor();
  await page.locator('#details button', { hasText: XSS }).click();
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate('window.__xss'), 0);
  // In the page's own DOM (the toolkit's shadow roots hold its icons).
  assert.equal(await page.evaluate(`document.querySelectorAll('img, iframe, svg, script:not([src]), b, i').length`), 0);
  assert.equal(await page.title(), `FP8 IR: ${XSS}`);
  assert.equal(await page.locator('.title').textContent(), `${XSS}.onnx`);
  assert.ok(((await page.locator(`.row.ins[data-name='${XSS.replace(/"/g, '\\"')}'] .code`).textContent()) ?? '').startsWith(`${XSS} = @param:`));
  assert.match((await page.locator('.banner-error').textContent()) ?? '', /<img src=z onerror="window.__xss=6">/);
  assert.match((await page.locator('#details').textContent()) ?? '', /<b>MatMul<\/b>/);
  assert.deepEqual(await cspProblems(o), []);
  await page.close();
});

test('a real XSS model, compiled by the compiler and read by the host, renders harmlessly', async () => {
  const o = await open();
  const { page } = o;
  const model = join(tmp, `${XSS}.onnx`);
  writeFileSync(
    model,
    encodeModel({
      opsetImports: { '': 17 },
      graph: {
        name: XSS,
        inputs: [
          { name: XSS, elemType: 'float_type', dims: [2, 2] },
          { name: '<script>window.__xss=8</script>', elemType: 'float_type', dims: [2, 2] },
        ],
        outputs: [{ name: 'y', elemType: 'float_type', dims: [2, 2] }],
        nodes: [
          { name: '<img src=q onerror="window.__xss=9">', opType: 'MatMul', inputs: [XSS, '<script>window.__xss=8</script>'], outputs: ['<b>t</b>'] },
          { name: '<svg onload="window.__xss=10">', opType: 'Softmax', inputs: ['<b>t</b>'], outputs: ['y'] },
        ],
      },
    }),
  );
  const doc = host.parseCompileJson(JSON.stringify(compileJson(compileFile(model, { stage: 'quantized' }))));
  assert.ok(doc.program.instructions.some((i) => i.onnxNode === '<img src=q onerror="window.__xss=9">'));
  await send(page, { type: 'model', fileName: `${XSS}.onnx`, primary: 'skip' });
  await send(page, { type: 'compiled', view: view(doc.program) });
  const dot = page.locator('.row.ins', { hasText: 'dot(' });
  await dot.click();
  assert.match((await page.locator('#details').textContent()) ?? '', /ONNX node<img src=q onerror="window.__xss=9"> \(MatMul\)/);
  await page.locator('.row.ins', { hasText: 'softmax' }).click();
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate('window.__xss'), 0);
  assert.equal(await page.evaluate(`document.querySelectorAll('img, iframe, svg, script:not([src]), b, i').length`), 0);
  assert.ok((await page.locator('.row.ins').allTextContents()).some((t) => t.includes(XSS)));
  assert.deepEqual(await cspProblems(o), []);
  await page.close();
});

test('a 50,000-instruction program keeps only a window of rows in the DOM, at the top and at the bottom', async () => {
  const o = await open();
  const { page } = o;
  const n = 50_000;
  const instructions = Array.from({ length: n }, (_, i) =>
    ins(i, i % 10 === 3 ? { quantization: 'skipped', attention: { region: Math.floor(i / 100), role: 'qk', reason: 'attention' } } : i % 10 === 7 ? { quantization: 'quantized', scale: 0.5 } : {}),
  );
  await send(page, { type: 'model', fileName: 'big.onnx', primary: 'skip' });
  await send(page, { type: 'compiled', view: view({ file: 'big.onnx', instructions, attention: [], diagnostics: [], stats: { instructions: n, modules: 1 } }) });
  await page.locator('.row.ins[data-name="@0"]').waitFor();
  const rows = page.locator('.pane[data-strategy="skip"] .row');
  const top = await rows.count();
  assert.ok(top > 10 && top < 150, `${top} rows in the DOM`);
  assert.equal(await page.locator('#match-count').textContent(), '50,000 of 50,000 instructions');

  const viewport = page.locator('.pane[data-strategy="skip"] .vlist');
  await viewport.evaluate((e) => {
    const el = e as unknown as { scrollTop: number; scrollHeight: number };
    el.scrollTop = el.scrollHeight;
  });
  await page.locator(`.row.ins[data-name="@${n - 1}"]`).waitFor();
  assert.ok((await rows.count()) < 150);
  assert.equal(await page.locator('.row.ins[data-name="@0"]:not([hidden])').count(), 0);
  // Filtering 50,000 instructions still leaves a window.
  await page.locator('#search input').fill('op:add name:@4999');
  await waitFor(page, `document.querySelector('#match-count').textContent === '11 of 50,000 instructions'`);
  assert.deepEqual(await cspProblems(o), []);
  await page.close();
});

test('the compare switch requests a keep compile and shows skip and keep side by side', async () => {
  const { page } = await open();
  await showSeed(page);
  assert.equal(await page.locator('.pane[data-strategy="keep"]').isHidden(), true);
  await page.locator('#compare').click();
  await waitFor(page, 'window.__posted.some((m) => m.type === "compile")');
  const req = (await posted(page)).find((m) => m.type === 'compile')!;
  assert.equal(req.strategy, 'keep');
  assert.equal(typeof req.id, 'number');
  await send(page, { type: 'compileStarted', strategy: 'keep' });
  // window.postMessage delivers in a later task: wait for the view to show it (10 s, then fail).
  await waitFor(page, 'document.querySelector("#compare-stats")?.textContent?.includes("compiling…")');
  const keep = seedProgram();
  const kept: CompactProgram = { ...keep, attention: [], instructions: keep.instructions.map((i) => (i.quantization === 'skipped' ? { ...i, quantization: 'quantized', attention: undefined, scale: 0.25 } : i)) };
  await send(page, { type: 'compiled', view: view(kept, 'keep') });
  await send(page, { type: 'response', id: req.id!, request: 'compile', ok: true, result: { outcome: 'compiled' } });
  await page.locator('.pane[data-strategy="keep"] .row.ins[data-name="@1"]').waitFor();
  assert.equal(await page.locator('.pane[data-strategy="skip"]').isVisible(), true);
  assert.equal(await page.locator('.pane[data-strategy="keep"] .row.ins[data-state="skipped"]').count(), 0);
  assert.equal(await page.locator('.pane[data-strategy="keep"] .row.ins[data-state="quantized"]').count(), 6);
  const stats = await page.locator('#compare-stats tr').allTextContents();
  assert.ok(stats.includes('skip set30'), stats.join(' | '));
  assert.ok(stats.includes('quantized36'), stats.join(' | '));
  // Selecting in one pane marks the same ONNX node in the other.
  await page.locator('.pane[data-strategy="skip"] .row.ins[data-name="@2"]').click();
  assert.match((await page.locator('.pane[data-strategy="keep"] .row.ins[data-name="@2"]').getAttribute('class')) ?? '', /\bpeer\b/);
  await page.close();
});

test('a failed compile shows the error and keeps the last good listing', async () => {
  const { page } = await open();
  await showSeed(page);
  await send(page, { type: 'compileStarted', strategy: 'skip' });
  await page.locator('.status vscode-progress-ring').waitFor();
  assert.equal(await page.locator('.row.ins').count() > 0, true, 'the previous result stays while compiling');
  await send(page, { type: 'compileFailed', failure: { strategy: 'skip', kind: 'model', file: '/ws/attention_fp8_test.onnx', onnxNode: 'qk_matmul', onnxOpType: 'MatMul', cause: 'inner dims differ: 64 vs 32', at: Date.now() + 1000 } });
  await waitFor(page, 'document.querySelector("#banner")?.textContent?.includes("Compile failed")');
  const banner = (await page.locator('#banner').textContent()) ?? '';
  assert.match(banner, /Compile failed \(attention Q\/DQ: skip\)\. \/ws\/attention_fp8_test\.onnx: node 'qk_matmul' \(MatMul\): inner dims differ: 64 vs 32/);
  assert.match(banner, /Showing the last good result/);
  assert.deepEqual(await rowNames(page), ['@0', '@1', '@2', '@3', '@4', '@5', '@6', '@7']);
  assert.equal(await page.locator('.status vscode-progress-ring').count(), 0);
  // The next good compile clears the banner.
  await send(page, { type: 'compiled', view: { ...view(seedProgram()), compiledAt: Date.now() + 2000 } });
  await waitFor(page, `document.getElementById('banner').hidden`);
  await page.close();
});

test('view state (filter, selection, collapsed groups) survives hide and show', async () => {
  const { page } = await open();
  await showSeed(page);
  await page.locator('#search input').fill('op:dot');
  await waitFor(page, `document.querySelectorAll('.pane[data-strategy="skip"] .row.ins').length === 2`);
  await page.locator('.row.ins[data-name="@3"]').click();
  // The webview is torn down when hidden; VS Code keeps what it stored with setState.
  await page.reload();
  await waitFor(page, 'window.__posted.some((m) => m.type === "ready")');
  await showSeedFiltered(page);
  assert.equal(await page.locator('#search').evaluate((e) => (e as unknown as { value: string }).value), 'op:dot');
  assert.deepEqual(await rowNames(page), ['@1', '@3']);
  assert.equal(await page.locator('.row.ins[data-name="@3"]').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#details .details-name').textContent(), '@3');

  await page.locator('#search input').fill('');
  await page.locator('.row.ins[data-name="@7"]').waitFor();
  await page.locator('.row.group[data-key="r:0"]').click();
  await waitFor(page, `document.querySelectorAll('.pane[data-strategy="skip"] .row.ins').length === 5`);
  await page.reload();
  await waitFor(page, 'window.__posted.some((m) => m.type === "ready")');
  await showSeed(page);
  assert.equal(await page.locator('.row.group[data-key="r:0"]').getAttribute('aria-expanded'), 'false');
  assert.deepEqual(await rowNames(page), ['@0', '@4', '@5', '@6', '@7']);
  await page.close();
});

async function showSeedFiltered(page: Page): Promise<void> {
  await send(page, { type: 'model', fileName: 'attention_fp8_test.onnx', primary: 'skip' });
  await send(page, { type: 'compiled', view: view(seedProgram()) });
  await page.locator('.pane[data-strategy="skip"] .row.ins[data-name="@3"]').waitFor();
}

test('a reveal from the host selects the instruction, clearing a filter that hid it', async () => {
  const { page } = await open();
  await showSeed(page);
  await page.locator('#search input').fill('op:softmax');
  await waitFor(page, `document.querySelectorAll('.pane[data-strategy="skip"] .row.ins:not([hidden])').length === 1`);
  await send(page, { type: 'reveal', strategy: 'skip', name: '@5' });
  await page.locator('.row.ins[data-name="@5"][aria-selected="true"]').waitFor();
  assert.equal(await page.locator('#search').evaluate((e) => (e as unknown as { value: string }).value), '');
  assert.equal(await page.locator('#details .details-name').textContent(), '@5');
  await page.close();
});

test('the CSP is enforced: an injected inline script is blocked and reported (the check above can fail)', async () => {
  const o = await open();
  await o.page.evaluate(() => {
    const d = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; body: { appendChild(n: unknown): void } } }).document;
    const s = d.createElement('script');
    s.textContent = 'window.__xss = 7';
    d.body.appendChild(s);
  });
  await waitFor(o.page, 'window.__csp.length > 0');
  assert.equal(await o.page.evaluate('window.__xss'), 0);
  assert.ok((await cspProblems(o)).some((p) => p.includes('script-src')));
  await o.page.close();
});
