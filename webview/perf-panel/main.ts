// The FP8 Perf panel (bundled to dist/webview/perf-panel.js), a WebviewView in the bottom panel: Run
// (the settings' attention strategy) or Compare skip vs keep, Cancel, the progress of the running CLI,
// and for the selected run the figures (total time, rate, scratch, percentiles), a bar chart of kernel
// times (SVG, theme colours) and the per-kernel table; for a compare run both side by side with the
// keep ÷ skip ratios. Past runs come from the host (workspace state) and can be picked from a list.
// Failures are said plainly, the no-adapter one with its fix. Every CLI string reaches the page as text.

import type { AttentionQdq, PerfFailure, PerfProgress, PerfReport, PerfRunning, PerfRunRecord, PerfTargetMessage, ToPerfPanelMessage } from '../../src/protocol/messages.js';
import { clear, el, formatCount } from '../ir-view/dom.js';
import { button, dropdown, progressRing, registerToolkit, setDisabled } from '../ui/toolkit.js';
import { PerfHostClient } from './host-client.js';
import { type Bar, chartBars, compareRows, compareVerdict, formatBytes, formatMs, formatRate, formatTime, runLabel, shortSymbol } from './model.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const NO_RUN = '';

/** What getState/setState keep across hide/show: the past run on screen. */
interface PanelState {
  readonly v: 1;
  selected: string;
}

function loadState(raw: unknown): PanelState {
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return { v: 1, selected: r['v'] === 1 && typeof r['selected'] === 'string' ? r['selected'] : NO_RUN };
}

const FAILURE_TITLE: Readonly<Record<PerfFailure['kind'], string>> = {
  'no-adapter': 'No WebGPU adapter found',
  model: 'The model could not be run',
  usage: 'The perf CLI rejected its options',
  internal: 'The perf run failed',
  runtime: 'WebGPU failed',
  timeout: 'The perf run timed out',
  spawn: 'The perf runner could not start',
  output: 'The perf report could not be read',
  untrusted: 'Perf runs need a trusted workspace',
};

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLTableCellElement {
  return el(tag, className, text);
}

class PerfApp {
  private readonly client: PerfHostClient;
  private readonly state: PanelState;
  private target: PerfTargetMessage | undefined;
  private runs: PerfRunRecord[] = [];
  private running: PerfRunning | undefined;
  private progress: PerfProgress | undefined;
  /** The run on screen: the selected past run, or the one that just finished. */
  private shown: PerfRunRecord | undefined;
  /** Why the last Run was refused, until the next run starts. */
  private notice: string | undefined;
  private lastCancelled = false;

  private readonly targetEl = el('span', 'target');
  private readonly runButton: HTMLElement;
  private readonly compareButton: HTMLElement;
  private readonly cancelButton: HTMLElement;
  private readonly clearButton: HTMLElement;
  private readonly history;
  private readonly statusEl = el('div', 'status');
  private readonly statusText = el('span', 'status-text');
  private readonly statusLine = el('div', 'status-line');
  private readonly ring = progressRing('Perf running');
  private readonly trustEl = el('div', 'banner trust');
  private readonly bannerEl = el('div', 'banner');
  private readonly emptyEl = el('div', 'empty');
  private readonly resultEl = el('section', 'result');

  constructor(private readonly root: HTMLElement) {
    this.client = new PerfHostClient((m) => this.onMessage(m));
    this.state = loadState(this.client.getState());
    registerToolkit();
    this.runButton = button({ id: 'run', label: 'Run', title: 'Run perf with the attention strategy of the settings', appearance: 'primary' }, () => this.run('single'));
    this.compareButton = button({ id: 'compare', label: 'Compare skip vs keep', title: 'Two runs: attention left out of FP8 (skip), then quantized (keep)' }, () => this.run('compare'));
    this.cancelButton = button({ id: 'cancel', label: 'Cancel', title: 'Stop the running perf (its process is killed)' }, () => this.cancel());
    this.clearButton = button({ id: 'clear-history', label: 'Clear', title: 'Forget the past runs of this workspace' }, () => this.clearHistory());
    this.history = dropdown<string>({ id: 'history', label: 'Past runs', options: [{ value: NO_RUN, label: 'No past runs' }], value: NO_RUN }, (id) => this.select(id));
    this.layout();
    this.render();
    window.addEventListener('error', (e) => this.client.log('error', `${e.message} (${e.filename}:${e.lineno})`));
    this.client.ready();
  }

  // ── layout ──────────────────────────────────────────────────────────────────────────────────────

  private layout(): void {
    this.root.className = 'perf-panel';
    const toolbar = el('header', 'toolbar');
    this.targetEl.id = 'target';
    toolbar.append(el('h1', 'title', 'WebGPU perf'), this.targetEl, el('span', 'spacer'), this.runButton, this.compareButton, this.cancelButton);
    const historyBar = el('div', 'history-bar');
    historyBar.append(el('span', 'history-label', 'Past runs'), this.history.element, this.clearButton);

    this.statusEl.id = 'status';
    this.statusEl.setAttribute('aria-live', 'polite');
    this.statusLine.id = 'status-line';
    const statusRow = el('div', 'status-row');
    statusRow.append(this.ring, this.statusText);
    this.statusEl.append(statusRow, this.statusLine);

    this.trustEl.id = 'trust';
    this.trustEl.append(
      el('span', undefined, 'Restricted Mode: perf runs need a trusted workspace. They run the model on the GPU through a native module (dawn.node) in a separate Node process.'),
      button({ id: 'manage-trust', label: 'Manage Workspace Trust' }, () => void this.client.request('manageTrust', {}).catch((e: unknown) => this.client.log('warn', String(e)))),
    );
    this.bannerEl.id = 'banner';
    this.bannerEl.setAttribute('role', 'alert');
    this.emptyEl.id = 'empty';
    this.resultEl.id = 'result';
    this.root.append(toolbar, historyBar, this.statusEl, this.trustEl, this.bannerEl, this.emptyEl, this.resultEl);
  }

  // ── rendering ───────────────────────────────────────────────────────────────────────────────────

  private render(): void {
    this.renderToolbar();
    this.renderStatus();
    this.renderBanner();
    this.renderResult();
  }

  private renderToolbar(): void {
    const t = this.target;
    const parts = [t?.fileName ?? 'no model chosen', `attention Q/DQ: ${t?.attentionQdq ?? 'skip'}`, `${t?.iterations ?? '?'} iterations`];
    this.targetEl.textContent = parts.join(' · ');
    const trusted = t?.trusted ?? true;
    setDisabled(this.runButton, !trusted);
    setDisabled(this.compareButton, !trusted);
    setDisabled(this.cancelButton, this.running === undefined);
    setDisabled(this.clearButton, this.runs.length === 0);
    this.trustEl.hidden = trusted;
    const options = this.runs.length > 0 ? this.runs.map((r) => ({ value: r.id, label: runLabel(r) })) : [{ value: NO_RUN, label: 'No past runs' }];
    const selected = this.shown && this.runs.some((r) => r.id === this.shown!.id) ? this.shown.id : options[0]!.value;
    this.history.setOptions(options, selected);
    setDisabled(this.history.element, this.runs.length === 0);
  }

  private renderStatus(): void {
    const r = this.running;
    this.statusEl.classList.toggle('running', r !== undefined);
    this.ring.hidden = r === undefined;
    if (r) {
      const p = this.progress?.id === r.id ? this.progress : undefined;
      const strategy = p?.strategy ?? r.strategies[0];
      const step = p ? `${p.step} of ${p.steps}` : `1 of ${r.strategies.length}`;
      const seconds = Math.floor((p?.elapsedMs ?? 0) / 1000);
      this.statusText.textContent = `Running perf on ${r.fileName}: attention Q/DQ ${strategy} (run ${step}, ${r.iterations} iterations), ${seconds} s`;
      this.statusLine.textContent = p?.line ?? '';
      this.statusEl.hidden = false;
    } else if (this.lastCancelled) {
      this.statusText.textContent = 'Cancelled: the perf process was stopped.';
      this.statusLine.textContent = '';
      this.statusEl.hidden = false;
    } else {
      this.statusEl.hidden = true;
    }
  }

  private renderBanner(): void {
    clear(this.bannerEl);
    this.bannerEl.className = 'banner';
    const failure = this.shown?.failure;
    if (this.notice !== undefined) {
      this.bannerEl.classList.add('notice');
      this.bannerEl.append(el('span', undefined, this.notice));
    } else if (failure) {
      this.bannerEl.classList.add('error', `failure-${failure.kind}`);
      const title = el('strong', 'failure-title', `${FAILURE_TITLE[failure.kind]}.`);
      const strategy = failure.strategy && this.shown && this.shown.strategies.length > 1 ? ` (the ${failure.strategy} run)` : '';
      this.bannerEl.append(title, el('span', 'failure-message', ` ${failure.message}${strategy}`));
      if (failure.fix) {
        const fix = el('div', 'failure-fix');
        fix.append(el('strong', undefined, 'How to fix: '), el('span', undefined, failure.fix));
        this.bannerEl.append(fix);
      }
    }
    this.bannerEl.hidden = this.bannerEl.childNodes.length === 0;
  }

  private renderResult(): void {
    clear(this.resultEl);
    const run = this.shown;
    const reports = run ? run.strategies.flatMap((s) => (run.reports[s] ? [{ strategy: s, report: run.reports[s]! }] : [])) : [];
    this.emptyEl.hidden = run !== undefined || this.running !== undefined;
    this.emptyEl.textContent = this.target?.fileName
      ? `Press Run to measure ${this.target.fileName} on WebGPU, or Compare skip vs keep for both attention strategies.`
      : 'Right-click an .onnx file → Run WebGPU perf, or open a model and press Run.';
    if (!run || reports.length === 0) {
      this.resultEl.hidden = true;
      return;
    }
    this.resultEl.hidden = false;
    const first = reports[0]!.report;
    const meta = el('div', 'run-meta');
    meta.id = 'run-meta';
    meta.append(
      el('strong', 'run-file', run.fileName),
      el('span', undefined, ` · ${first.adapter} · ${run.iterations} iterations · ${run.fp8Format} · ${formatTime(run.startedAt)}`),
    );
    this.resultEl.append(meta);

    const skip = run.reports.skip;
    const keep = run.reports.keep;
    if (run.mode === 'compare' && skip && keep) this.resultEl.append(this.compareTable(skip, keep));

    const bars = chartBars(reports.map((r) => r.report));
    const grid = el('div', 'reports');
    reports.forEach(({ strategy, report }, i) => grid.append(this.reportSection(strategy, report, bars[i]!)));
    this.resultEl.append(grid);
  }

  private compareTable(skip: PerfReport, keep: PerfReport): HTMLElement {
    const box = el('div', 'compare-box');
    const verdict = el('p', 'verdict', compareVerdict(skip, keep));
    verdict.id = 'verdict';
    const table = el('table', 'compare');
    table.id = 'compare-table';
    const head = el('tr');
    head.append(cell('th', 'skip vs keep'), cell('th', 'skip'), cell('th', 'keep'), cell('th', 'keep ÷ skip'));
    table.append(el('thead'), el('tbody'));
    table.tHead!.append(head);
    for (const r of compareRows(skip, keep)) {
      const tr = el('tr');
      tr.dataset['metric'] = r.metric;
      tr.append(cell('th', r.metric), cell('td', r.skip), cell('td', r.keep), cell('td', r.ratio, 'ratio'));
      table.tBodies[0]!.append(tr);
    }
    box.append(verdict, table);
    return box;
  }

  private reportSection(strategy: AttentionQdq, report: PerfReport, bars: Bar[]): HTMLElement {
    const section = el('section', `report strategy-${strategy}`);
    section.dataset['strategy'] = strategy;
    section.append(el('h2', 'report-title', `attention Q/DQ: ${strategy}`));

    const stats = el('dl', 'stats');
    const stat = (name: string, value: string, key: string): void => {
      const d = el('div', 'stat');
      d.dataset['stat'] = key;
      d.append(el('dt', undefined, name), el('dd', undefined, value));
      stats.append(d);
    };
    stat('Total time', `${formatMs(report.totalTimeMs)} ms`, 'total');
    stat('Rate', formatRate(report.rate), 'rate');
    stat('Scratch', formatBytes(report.scratchBytes), 'scratch');
    stat('Min / median / max', `${formatMs(report.minMs)} / ${formatMs(report.medianMs)} / ${formatMs(report.maxMs)} ms`, 'spread');
    stat('p90 / p95 / p99', `${formatMs(report.p90Ms)} / ${formatMs(report.p95Ms)} / ${formatMs(report.p99Ms)} ms`, 'percentiles');
    stat('Overhead', `${formatMs(report.overheadMs)} ms`, 'overhead');
    section.append(stats);

    if (report.fallbacks.length > 0) {
      const list = el('ul', 'fallbacks');
      list.setAttribute('aria-label', 'Fused ops that ran as separate kernels');
      for (const f of report.fallbacks) list.append(el('li', 'fallback', `${f.instruction} ran as separate kernels, ${f.reason}`));
      section.append(el('p', 'note warning', `${report.fallbacks.length} fused op(s) ran as separate kernels on this adapter:`), list);
    }
    if (report.perKernelTimes) section.append(this.chart(strategy, bars));
    else section.append(el('p', 'note', 'This adapter has no timestamp queries: per-kernel times are not available.'));
    section.append(this.kernelTable(report));
    if (report.instructions.length > 0) section.append(this.instructionTable(report));
    return section;
  }

  /** One row per kernel: label, an SVG bar whose length is the kernel's time over the longest, the time. */
  private chart(strategy: AttentionQdq, bars: Bar[]): HTMLElement {
    const chart = el('div', 'chart');
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', `Kernel times, attention Q/DQ ${strategy}`);
    for (const { kernel, fraction } of bars) {
      const row = el('div', 'bar-row');
      row.dataset['symbol'] = kernel.symbol;
      const label = el('span', 'bar-label', shortSymbol(kernel.symbol));
      label.title = kernel.symbol;
      const track = svg('svg', { class: 'bar-track', width: '100%', height: '14', 'aria-hidden': 'true' });
      const rect = svg('rect', { class: 'bar', x: '0', y: '1', height: '12', width: `${(fraction * 100).toFixed(4)}%` });
      const tip = svg('title', {});
      tip.textContent = `${kernel.symbol}: ${formatMs(kernel.totalMs)} ms`;
      rect.append(tip);
      track.append(rect);
      row.append(label, track, el('span', 'bar-value', `${formatMs(kernel.totalMs)} ms`));
      chart.append(row);
    }
    if (bars.length === 0) chart.append(el('p', 'note', 'No kernel took measurable time.'));
    return chart;
  }

  private kernelTable(report: PerfReport): HTMLElement {
    const table = el('table', 'kernels');
    const head = el('tr');
    head.append(cell('th', 'Kernel'), cell('th', 'Count'), cell('th', 'Total ms'), cell('th', '%'));
    table.append(el('thead'), el('tbody'));
    table.tHead!.append(head);
    for (const k of report.kernels) {
      const tr = el('tr');
      tr.dataset['symbol'] = k.symbol;
      tr.append(cell('td', k.symbol, 'symbol'), cell('td', formatCount(k.count)), cell('td', formatMs(k.totalMs)), cell('td', `${k.percent}%`));
      table.tBodies[0]!.append(tr);
    }
    return table;
  }

  private instructionTable(report: PerfReport): HTMLElement {
    const details = el('details', 'instructions');
    const more = report.instructionCount > report.instructions.length ? ` (the ${report.instructions.length} slowest of ${formatCount(report.instructionCount)})` : '';
    details.append(el('summary', undefined, `Instructions${more}`));
    const table = el('table', 'instruction-times');
    for (const ins of report.instructions) {
      const tr = el('tr');
      tr.append(cell('td', formatMs(ins.ms)), cell('td', ins.text, 'ins-text'));
      table.append(tr);
    }
    details.append(table);
    return details;
  }

  // ── actions ─────────────────────────────────────────────────────────────────────────────────────

  private run(mode: 'single' | 'compare'): void {
    this.client.request('runPerf', { mode }).then(
      (r) => {
        if (!r.started) {
          this.notice = r.reason ?? 'The perf run did not start.';
          this.renderBanner();
        }
      },
      (e: unknown) => this.client.log('warn', `perf request failed: ${String(e)}`),
    );
  }

  private cancel(): void {
    this.client.request('cancelPerf', {}).catch((e: unknown) => this.client.log('warn', `cancel failed: ${String(e)}`));
  }

  private clearHistory(): void {
    this.client.request('clearPerfHistory', {}).catch((e: unknown) => this.client.log('warn', `clearing the history failed: ${String(e)}`));
  }

  private select(id: string): void {
    if (id === this.shown?.id) return;
    const run = this.runs.find((r) => r.id === id);
    if (!run) return;
    this.show(run);
  }

  private show(run: PerfRunRecord | undefined): void {
    this.shown = run;
    this.state.selected = run?.id ?? NO_RUN;
    this.client.setState({ ...this.state });
    this.render();
  }

  // ── host messages ───────────────────────────────────────────────────────────────────────────────

  private onMessage(m: Exclude<ToPerfPanelMessage, { type: 'response' }>): void {
    switch (m.type) {
      case 'perfTarget':
        this.target = m;
        this.render();
        return;
      case 'perfHistory': {
        this.runs = [...m.runs];
        const keep = this.shown ? this.runs.find((r) => r.id === this.shown!.id) : this.runs.find((r) => r.id === this.state.selected);
        // A run on screen stays (even after Clear); otherwise the remembered or newest past run.
        this.shown = keep ?? this.shown ?? this.runs[0];
        this.render();
        return;
      }
      case 'perfStarted':
        this.running = m.run;
        this.progress = undefined;
        this.notice = undefined;
        this.lastCancelled = false;
        this.render();
        return;
      case 'perfProgress':
        if (m.progress.id !== this.running?.id) return;
        this.progress = m.progress;
        this.renderStatus();
        return;
      case 'perfFinished':
        if (m.run.id === this.running?.id) {
          this.running = undefined;
          this.progress = undefined;
        }
        if (m.run.outcome === 'cancelled') {
          this.lastCancelled = this.running === undefined;
          this.render();
        } else {
          this.show(m.run);
        }
        return;
      default:
        return m satisfies never;
    }
  }
}

const root = document.getElementById('perf');
if (root) new PerfApp(root);
