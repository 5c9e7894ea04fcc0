// Benchmarks of the VS Code extension (not part of the tests):
//   node scripts/run-ts.mjs bench/extension.ts [--runs N]
// - activation: a fresh Node process require()s the production dist/extension.cjs (with `vscode`
//   answered by the test fake) and calls activate(); N processes, median (target ≤ 50 ms);
// - IR view first paint: the production webview bundle in headless Chromium (/usr/bin/chromium), served
//   with the extension's HTML and CSP; the host's `compiled` message for a 5,000-instruction program is
//   delivered as soon as the page says `ready`; time from navigation start until its rows are painted
//   (target ≤ 300 ms); the FP8 Perf panel's first paint of a skip vs keep run likewise;
// - IR view scrolling at 50,000 instructions: 300 animation frames, each scrolling the list by 40 rows
//   (and 20 long jumps): frame interval and the work each frame does (scroll handler, row rendering,
//   style and layout);
// - the sizes of the bundles and of the VSIX (production build + staged dawn.node + vsce package).
// Prints markdown tables (docs/perf.md, section "Extension") and writes .bench-out/extension.json.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompactAttentionRegion, CompactInstruction, CompactProgram } from '../src/protocol/compact-ir.js';
import type { CompiledView, PerfRunRecord, ToPerfPanelMessage, ToWebviewMessage } from '../src/protocol/messages.js';
import { makeNonce, webviewHtml } from '../extension/webview-html.js';
import { parsePerfJson } from '../extension/perf-output.js';
import { FakeVscode } from '../test/extension/fake-vscode.js';
import { ms } from './stats.js';

const ROOT = process.cwd();
const CHILD_FLAG = '--activation-child';

interface Stats {
  readonly runs: number;
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { runs: s.length, median: at(0.5), p95: at(0.95), min: s[0]!, max: s[s.length - 1]! };
}

// ── activation (one fresh process per sample) ───────────────────────────────────────────────────────

/** In the child: require + activate the bundle against the fake vscode; print the two times. */
function activationChild(bundle: string): void {
  const fake = new FakeVscode();
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = (request, parent, isMain) => (request === 'vscode' ? fake.api : original(request, parent, isMain));
  const t0 = performance.now();
  const ext = createRequire(import.meta.url)(bundle) as { activate(ctx: unknown): void };
  const t1 = performance.now();
  ext.activate(fake.context);
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, commands: fake.commands.size }));
  for (const d of fake.context.subscriptions) d.dispose();
}

function activation(bundle: string, runs: number): { require: Stats; activate: Stats; total: Stats; commands: number } {
  const r: number[] = [];
  const a: number[] = [];
  let commands = 0;
  for (let i = 0; i < runs + 1; i++) {
    const child = spawnSync(process.execPath, [process.argv[1]!, CHILD_FLAG, bundle], { encoding: 'utf8', timeout: 60_000 });
    if (child.status !== 0) throw new Error(`activation child failed: ${child.stderr}`);
    const m = JSON.parse(child.stdout) as { requireMs: number; activateMs: number; commands: number };
    commands = m.commands;
    if (i === 0) continue; // warm-up: file cache
    r.push(m.requireMs);
    a.push(m.activateMs);
  }
  return { require: stats(r), activate: stats(a), total: stats(r.map((x, i) => x + a[i]!)), commands };
}

// ── programs and pages ─────────────────────────────────────────────────────────────────────────────

/** A lowered-looking program: an attention region every 40 instructions, Q/DQ around GEMMs, kernels. */
function program(n: number): CompactProgram {
  const instructions: CompactInstruction[] = [];
  const attention: CompactAttentionRegion[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 40;
    const region = Math.floor(i / 40);
    const op = k < 5 ? ['dot', 'mul', 'softmax', 'convert', 'dot'][k]! : k % 7 === 0 ? 'quantizelinear' : k % 7 === 1 ? 'quant_dot' : k % 7 === 2 ? 'dequantizelinear' : 'add';
    const name = `@${i}`;
    instructions.push({
      name,
      module: 'main',
      op,
      text: `${name} = ${op}(@${Math.max(0, i - 1)},@${Math.max(0, i - 2)}) -> half_type, {1, 16, 1024, 128}, {2097152, 131072, 128, 1}`,
      line: i + 2,
      type: 'half_type',
      lens: [1, 16, 1024, 128],
      inputs: i > 1 ? [`@${i - 1}`, `@${i - 2}`] : [],
      onnxNode: `layer${region}/node${k}`,
      onnxOpType: k < 5 ? 'MatMul' : 'Add',
      quantization: k < 5 ? 'skipped' : k % 7 < 3 ? 'quantized' : 'none',
      ...(k < 5 ? { attention: { region, role: ['qk', 'scale', 'softmax', 'convert', 'pv'][k]!, reason: `attention region ${region}` } } : {}),
      ...(k % 7 < 3 && k >= 5 ? { scale: 0.0123 } : {}),
      kernel: `wgsl_kernel_${Math.floor(i / 8)}`,
    });
    if (k === 0) attention.push({ id: region, pattern: 'dot-softmax-dot', instructions: [0, 1, 2, 3, 4].map((j) => `@${i + j}`), onnxNodes: [`layer${region}/node0`] });
  }
  return { file: '/ws/big.onnx', instructions, attention, diagnostics: [], stats: { instructions: n, modules: 1 } };
}

function compiledMessages(n: number): ToWebviewMessage[] {
  const view: CompiledView = { strategy: 'skip', fp8: true, program: program(n), compiledAt: Date.now(), durationMs: 1, notes: [] };
  return [
    { type: 'model', fileName: 'big.onnx', primary: 'skip' },
    { type: 'compiled', view },
  ];
}

function perfMessages(): ToPerfPanelMessage[] {
  const report = (s: string) => parsePerfJson(readFileSync(join(ROOT, `test/webview/fixtures/perf-attention-4d-${s}.json`), 'utf8'));
  const run: PerfRunRecord = {
    id: 'r',
    model: '/ws/attention_4d.onnx',
    fileName: 'attention_4d.onnx',
    mode: 'compare',
    strategies: ['skip', 'keep'],
    fp8Format: 'e4m3fn',
    iterations: 5,
    startedAt: Date.now(),
    durationMs: 1,
    outcome: 'done',
    reports: { skip: report('skip'), keep: report('keep') },
  };
  return [
    { type: 'perfTarget', fileName: 'attention_4d.onnx', trusted: true, attentionQdq: 'skip', iterations: 5 },
    { type: 'perfHistory', runs: [run] },
  ];
}

/**
 * The stub VS Code gives the page: acquireVsCodeApi, theme variables, and the host's answer to `ready`
 * (`messages`, posted at once). It records when `selector` is first in the DOM and painted (the frame
 * after it appears).
 */
function initScript(messages: unknown[], selector: string): string {
  return `
(() => {
  const messages = ${JSON.stringify(messages)};
  window.__t = {};
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => {
      if (m.type !== 'ready' || window.__t.ready !== undefined) return;
      window.__t.ready = performance.now();
      setTimeout(() => {
        window.__t.sent = performance.now();
        for (const x of messages) window.postMessage(x, '*');
        const poll = () => {
          if (document.querySelector(${JSON.stringify(selector)})) {
            window.__t.rendered = performance.now();
            requestAnimationFrame(() => setTimeout(() => { window.__t.painted = performance.now(); }, 0));
          } else requestAnimationFrame(poll);
        };
        poll();
      }, 0);
    },
    getState: () => undefined,
    setState: () => {},
  });
  document.addEventListener('DOMContentLoaded', () => {
    const s = document.documentElement.style;
    s.setProperty('--vscode-foreground', '#cccccc');
    s.setProperty('--vscode-editor-background', '#1e1e1e');
    document.body.classList.add('vscode-dark');
  });
})();
`;
}

interface Page {
  goto(url: string): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
  evaluate<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T>;
  addInitScript(script: string): Promise<void>;
  close(): Promise<void>;
}
interface Context {
  route(url: string, handler: (route: { request(): { url(): string }; fulfill(r: object): Promise<void> }) => unknown): Promise<void>;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

async function withBrowser<T>(dist: string, body: (open: (name: string, messages: unknown[], selector: string) => Promise<Page>) => Promise<T>): Promise<T> {
  const { chromium } = (await import('playwright-core')) as unknown as { chromium: { launchPersistentContext(dir: string, o: object): Promise<Context> } };
  const origin = 'https://webview.bench';
  const profile = mkdtempSync(join(tmpdir(), 'onnx-fp8-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  let pageName = '';
  await context.route(`${origin}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') {
      const html = webviewHtml({ cspSource: origin, nonce: makeNonce(), scriptUri: `${origin}/${pageName}.js`, styleUri: `${origin}/${pageName}.css`, title: 'bench', rootId: pageName === 'ir-view' ? 'ir' : 'perf' });
      return route.fulfill({ contentType: 'text/html', body: html });
    }
    const file = join(dist, 'webview', path.slice(1));
    if (existsSync(file)) return route.fulfill({ contentType: path.endsWith('.js') ? 'text/javascript' : 'text/css', body: readFileSync(file, 'utf8') });
    return route.fulfill({ status: 404, body: '' });
  });
  try {
    return await body(async (name, messages, selector) => {
      pageName = name;
      const page = await context.newPage();
      await page.addInitScript(initScript(messages, selector));
      await page.goto(`${origin}/index.html`);
      const end = Date.now() + 30_000;
      while ((await page.evaluate<number | undefined>('window.__t.painted')) === undefined) {
        if (Date.now() > end) throw new Error(`${name} never painted ${selector}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return page;
    });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

interface PaintTimes {
  /** Navigation start → the script said `ready`. */
  readonly ready: Stats;
  /** The host's message posted → rows in the DOM → the next frame. */
  readonly messageToPaint: Stats;
  /** Navigation start → painted. */
  readonly total: Stats;
}

async function firstPaint(open: (name: string, messages: unknown[], selector: string) => Promise<Page>, name: string, messages: unknown[], selector: string, runs: number): Promise<PaintTimes> {
  const ready: number[] = [];
  const m2p: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const page = await open(name, messages, selector);
    const t = await page.evaluate<{ ready: number; sent: number; painted: number }>('window.__t');
    await page.close();
    if (i === 0) continue; // warm-up: the browser's caches
    ready.push(t.ready);
    m2p.push(t.painted - t.sent);
    total.push(t.painted);
  }
  return { ready: stats(ready), messageToPaint: stats(m2p), total: stats(total) };
}

interface ScrollTimes {
  readonly rows: number;
  readonly frames: number;
  readonly pxPerFrame: number;
  readonly interval: Stats;
  readonly work: Stats;
  readonly jumpWork: Stats;
  readonly rowsInDom: number;
}

/** Scrolls the IR list frame by frame; in each frame, times the scroll handling, row rendering and layout. */
async function scroll(open: (name: string, messages: unknown[], selector: string) => Promise<Page>, rows: number): Promise<ScrollTimes> {
  const page = await open('ir-view', compiledMessages(rows), '.pane[data-strategy="skip"] .row.ins');
  const result = await page.evaluate(async (frames: number) => {
    const g = globalThis as unknown as {
      document: { querySelector(s: string): { scrollTop: number; scrollHeight: number; clientHeight: number; offsetHeight: number; addEventListener(t: string, f: () => void): void; querySelectorAll(s: string): { length: number } } };
      requestAnimationFrame(f: (t: number) => void): number;
    };
    const list = g.document.querySelector('.pane[data-strategy="skip"] .vlist');
    const row = 22;
    const intervals: number[] = [];
    const work: number[] = [];
    const jumps: number[] = [];
    let frameStart = 0;
    let jumping = false;
    // Runs after the list's own scroll listener, so its rAF callback (the render) is queued before ours.
    list.addEventListener('scroll', () => {
      g.requestAnimationFrame(() => {
        void list.offsetHeight; // style and layout of the new rows, synchronously
        (jumping ? jumps : work).push(performance.now() - frameStart);
      });
    });
    const frame = (): Promise<number> => new Promise((r) => g.requestAnimationFrame(r));
    let last = await frame();
    for (let i = 0; i < frames; i++) {
      const now = await frame();
      intervals.push(now - last);
      last = now;
      frameStart = performance.now();
      jumping = false;
      list.scrollTop = (list.scrollTop + 40 * row) % (list.scrollHeight - list.clientHeight);
    }
    for (let i = 0; i < 20; i++) {
      await frame();
      frameStart = performance.now();
      jumping = true;
      list.scrollTop = Math.floor(((i * 7919) % 20) / 20 * (list.scrollHeight - list.clientHeight));
    }
    await frame();
    await frame();
    return { intervals, work, jumps, rowsInDom: list.querySelectorAll('.row').length };
  }, 300);
  await page.close();
  return { rows, frames: 300, pxPerFrame: 40 * 22, interval: stats(result.intervals), work: stats(result.work), jumpWork: stats(result.jumps), rowsInDom: result.rowsInDom };
}

// ── sizes ──────────────────────────────────────────────────────────────────────────────────────────

interface ZipEntry {
  readonly name: string;
  readonly size: number;
  readonly compressed: number;
}

function zipEntries(buf: Buffer): ZipEntry[] {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(p + 28);
    out.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), compressed: buf.readUInt32LE(p + 20), size: buf.readUInt32LE(p + 24) });
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return out;
}

async function packageVsix(stage: string): Promise<{ vsix: number; entries: ZipEntry[]; ms: number }> {
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media']) {
    spawnSync('cp', ['-r', join(ROOT, f), join(stage, f)]);
  }
  const build = (await import(pathToFileURL(join(ROOT, 'scripts/build.mjs')).href)) as { buildBundles(o: object): Promise<void> };
  await build.buildBundles({ outdir: join(stage, 'dist'), production: true });
  const dawn = (await import(pathToFileURL(join(ROOT, 'extension/stage-dawn.mjs')).href)) as { stageDawn(d: string): string[] };
  dawn.stageDawn(join(stage, 'dist'));
  const t0 = performance.now();
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', 'out.vsix'], { cwd: stage, stdio: 'ignore' });
    child.on('close', done);
  });
  if (code !== 0) throw new Error('vsce package failed');
  const file = join(stage, 'out.vsix');
  return { vsix: statSync(file).size, entries: zipEntries(readFileSync(file)), ms: performance.now() - t0 };
}

const kb = (n: number): string => `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
const size = (n: number): string => (n >= 1024 * 1024 ? mb(n) : kb(n));

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
  const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, Chromium ${spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^Chromium\s*/, '')}`;
  console.log(`# onnx-fp8 extension benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);

  const stage = mkdtempSync(join(tmpdir(), 'onnx-fp8-bench-ext-'));
  try {
    const pkg = await packageVsix(stage);
    const dist = join(stage, 'dist');

    const act = activation(join(dist, 'extension.cjs'), runs);
    console.log(`## Activation: require + activate() of the production dist/extension.cjs against the test fake, a fresh Node process each, ${runs} runs after 1 warm-up\n`);
    console.log('| | median ms | p95 ms | min ms | max ms |\n|---|---:|---:|---:|---:|');
    for (const [label, s] of [['require()', act.require], ['activate()', act.activate], ['total (target ≤ 50 ms)', act.total]] as const) {
      console.log(`| ${label} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.min)} | ${ms(s.max)} |`);
    }
    console.log(`\nactivate() registered ${act.commands} commands and spawned nothing.\n`);

    const paintRuns = Math.max(3, Math.min(runs, 7));
    const { ir5k, perfPaint, scroll50k } = await withBrowser(dist, async (open) => ({
      ir5k: await firstPaint(open, 'ir-view', compiledMessages(5000), '.pane[data-strategy="skip"] .row.ins', paintRuns),
      perfPaint: await firstPaint(open, 'perf-panel', perfMessages(), '#compare-table', paintRuns),
      scroll50k: await scroll(open, 50_000),
    }));
    console.log(`## Webview first paint, headless Chromium, production bundles, ${paintRuns} page loads after 1 warm-up, median (p95)\n`);
    console.log('| page | navigation → ready ms | message → rows painted ms | navigation → painted ms |\n|---|---:|---:|---:|');
    const row = (label: string, p: PaintTimes): string => `| ${label} | ${ms(p.ready.median)} (${ms(p.ready.p95)}) | ${ms(p.messageToPaint.median)} (${ms(p.messageToPaint.p95)}) | ${ms(p.total.median)} (${ms(p.total.p95)}) |`;
    console.log(row('IR view, 5,000 instructions (target ≤ 300 ms)', ir5k));
    console.log(row('FP8 Perf panel, skip vs keep (attention node test)', perfPaint));
    console.log(`\n## IR view scrolling, 50,000 instructions, ${scroll50k.frames} frames of ${scroll50k.pxPerFrame} px (40 rows) each, then 20 long jumps\n`);
    console.log('| | median ms | p95 ms | max ms |\n|---|---:|---:|---:|');
    console.log(`| frame interval (rAF to rAF) | ${ms(scroll50k.interval.median)} | ${ms(scroll50k.interval.p95)} | ${ms(scroll50k.interval.max)} |`);
    console.log(`| work per frame (scroll event, row rendering, style + layout) | ${ms(scroll50k.work.median)} | ${ms(scroll50k.work.p95)} | ${ms(scroll50k.work.max)} |`);
    console.log(`| work per long jump | ${ms(scroll50k.jumpWork.median)} | ${ms(scroll50k.jumpWork.p95)} | ${ms(scroll50k.jumpWork.max)} |`);
    console.log(`\n${scroll50k.rowsInDom} rows in the DOM while scrolling 50,000.\n`);

    console.log('## Sizes (production build, `npm run package`)\n');
    console.log('| file | size | in the VSIX (deflated) |\n|---|---:|---:|');
    const order = ['extension/dist/extension.cjs', 'extension/dist/cli.mjs', 'extension/dist/webview/ir-view.js', 'extension/dist/webview/ir-view.css', 'extension/dist/webview/perf-panel.js', 'extension/dist/webview/perf-panel.css'];
    const entries = [...pkg.entries].sort((a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99) || b.size - a.size);
    for (const e of entries.filter((x) => x.name.startsWith('extension/dist/'))) console.log(`| ${e.name.slice('extension/'.length)} | ${size(e.size)} | ${size(e.compressed)} |`);
    const rest = entries.filter((x) => !x.name.startsWith('extension/dist/'));
    console.log(`| manifest, README, licence, icon (${rest.length} files) | ${size(rest.reduce((n, e) => n + e.size, 0))} | ${size(rest.reduce((n, e) => n + e.compressed, 0))} |`);
    console.log(`| **onnx-fp8.vsix** (${pkg.entries.length} files) | | **${mb(pkg.vsix)}** |`);
    const noDawn = pkg.entries.filter((e) => !e.name.includes('/node_modules/webgpu/')).reduce((n, e) => n + e.compressed, 0);
    console.log(`\nWithout dawn.node and its loader the VSIX would hold ${size(noDawn)}. vsce package took ${(pkg.ms / 1000).toFixed(1)} s.\n`);

    mkdirSync(join(ROOT, '.bench-out'), { recursive: true });
    writeFileSync(join(ROOT, '.bench-out', 'extension.json'), JSON.stringify({ machine, date: new Date().toISOString(), activation: act, ir5k, perfPaint, scroll50k, vsix: pkg }, null, 2));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[2] === CHILD_FLAG) activationChild(resolve(process.argv[3]!));
else await main();
