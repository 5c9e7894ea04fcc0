// The IR view (bundled to dist/webview/ir-view.js): the whole printed program as a virtualized list,
// skip-set and quantized instructions coloured from the theme with a legend, attention regions and
// modules as collapsible groups, a filter (op:, name:, shape:, node:, free text) and a state filter, the
// selected instruction's details, and a switch that compiles and shows `skip` and `keep` side by side.
// It renders only what the host sends (src/protocol/messages.ts); its own state survives hide/show.

import type { CompactInstruction } from '../../src/protocol/compact-ir.js';
import type { AttentionQdq, CompileFailure, CompiledView, ToWebviewMessage } from '../../src/protocol/messages.js';
import { button, checkbox, dropdown, progressRing, registerToolkit, textField } from '../ui/toolkit.js';
import { renderDetails } from './details.js';
import { clear, el, formatCount } from './dom.js';
import { HostClient } from './host-client.js';
import { buildRows, moduleKey, regionKey, type Row, STATE_FILTERS, type StateFilter, summarize } from './rows.js';
import { VirtualList } from './virtual-list.js';

const ROW_HEIGHT = 22;
const STRATEGIES: readonly AttentionQdq[] = ['skip', 'keep'];

/** What getState/setState keep across hide/show. */
interface ViewState {
  readonly v: 1;
  query: string;
  filter: StateFilter;
  compare: boolean;
  collapsed: string[];
  selected: { strategy: AttentionQdq; name: string } | undefined;
  scroll: Partial<Record<AttentionQdq, number>>;
}

function loadState(raw: unknown): ViewState {
  const s: ViewState = { v: 1, query: '', filter: 'all', compare: false, collapsed: [], selected: undefined, scroll: {} };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (r['v'] !== 1) return s;
  if (typeof r['query'] === 'string') s.query = r['query'];
  const filter = STATE_FILTERS.find((f) => f.value === r['filter']);
  if (filter) s.filter = filter.value;
  s.compare = r['compare'] === true;
  if (Array.isArray(r['collapsed'])) s.collapsed = r['collapsed'].filter((k): k is string => typeof k === 'string');
  const sel = r['selected'];
  if (typeof sel === 'object' && sel !== null) {
    const { strategy, name } = sel as Record<string, unknown>;
    if ((strategy === 'skip' || strategy === 'keep') && typeof name === 'string') s.selected = { strategy, name };
  }
  const scroll = r['scroll'];
  if (typeof scroll === 'object' && scroll !== null) {
    for (const k of STRATEGIES) {
      const v = (scroll as Record<string, unknown>)[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) s.scroll[k] = v;
    }
  }
  return s;
}

const STRATEGY_LABEL: Readonly<Record<AttentionQdq, string>> = {
  skip: 'attention Q/DQ: skip (attention left out of FP8)',
  keep: 'attention Q/DQ: keep (attention quantized too)',
};

/** One listing: the program of one strategy. */
class Pane {
  readonly element: HTMLElement;
  readonly title: HTMLElement;
  readonly placeholder: HTMLElement;
  readonly list: VirtualList<Row>;
  view: CompiledView | undefined;
  byName = new Map<string, CompactInstruction>();
  rows: Row[] = [];
  matched = 0;
  scrollRestored = false;

  constructor(
    readonly strategy: AttentionQdq,
    renderRow: (el: HTMLElement, row: Row) => void,
    onScroll: (top: number) => void,
  ) {
    this.element = el('section', 'pane');
    this.element.dataset['strategy'] = strategy;
    this.title = el('div', 'pane-title');
    this.placeholder = el('div', 'pane-placeholder');
    this.list = new VirtualList<Row>({ rowHeight: ROW_HEIGHT, overscan: 8, label: `Compiled program (${strategy})`, renderRow, onScroll });
    this.element.append(this.title, this.placeholder, this.list.viewport);
  }

  setView(view: CompiledView): void {
    this.view = view;
    this.byName = new Map(view.program.instructions.map((i) => [i.name, i]));
  }
}

class IrApp {
  private readonly client: HostClient;
  private readonly state: ViewState;
  private fileName = '';
  private primary: AttentionQdq = 'skip';
  private readonly failures = new Map<AttentionQdq, CompileFailure>();
  private readonly running = new Set<AttentionQdq>();
  private readonly panes: Record<AttentionQdq, Pane>;

  private readonly titleEl = el('h1', 'title');
  private readonly strategyEl = el('span', 'strategy');
  private readonly statusEl = el('span', 'status');
  private readonly bannerEl = el('div', 'banner');
  private readonly notesEl = el('ul', 'notes');
  private readonly countEl = el('span', 'match-count');
  private readonly compareEl = el('table', 'compare-stats');
  private readonly detailsEl = el('aside', 'details');
  private readonly search;
  private readonly stateFilter;
  private readonly compareToggle;
  private queryTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly root: HTMLElement) {
    this.client = new HostClient((m) => this.onMessage(m));
    this.state = loadState(this.client.getState());
    registerToolkit();

    this.panes = {
      skip: this.makePane('skip'),
      keep: this.makePane('keep'),
    };
    this.search = textField(
      { id: 'search', placeholder: 'Filter: op:dot  name:@5  shape:1024x128  node:softmax  or any text', label: 'Filter instructions', value: this.state.query },
      (v) => this.onQuery(v),
    );
    this.stateFilter = dropdown({ id: 'state-filter', label: 'Show', options: STATE_FILTERS, value: this.state.filter }, (v) => {
      if (v === this.state.filter) return;
      this.state.filter = v;
      this.rebuildAll();
      this.save();
    });
    this.compareToggle = checkbox({ id: 'compare', label: 'Compare skip and keep', checked: this.state.compare }, (on) => this.setCompare(on));
    this.layout();
    this.renderAll();
    window.addEventListener('error', (e) => this.client.log('error', `${e.message} (${e.filename}:${e.lineno})`));
    this.client.ready();
  }

  private makePane(strategy: AttentionQdq): Pane {
    const pane: Pane = new Pane(
      strategy,
      (row, item) => this.renderRow(pane, row, item),
      (top) => {
        this.state.scroll[strategy] = top;
        this.save(300);
      },
    );
    pane.list.viewport.addEventListener('click', (e) => this.onListClick(pane, e));
    pane.list.viewport.addEventListener('keydown', (e) => this.onListKey(pane, e));
    return pane;
  }

  // ── layout ──────────────────────────────────────────────────────────────────────────────────────

  private layout(): void {
    this.root.className = 'ir-view';
    const toolbar = el('header', 'toolbar');
    toolbar.append(this.titleEl, this.strategyEl, this.statusEl, el('span', 'spacer'), this.compareToggle.element);
    toolbar.append(
      button({ id: 'recompile', label: 'Recompile', title: 'Compile the model again with the current settings' }, () => this.recompile()),
      button({ id: 'open-text', label: 'Open IR text', title: 'Open the printed program as a read-only text document' }, () => void this.openText(this.primary, 1)),
    );
    this.bannerEl.setAttribute('role', 'alert');
    this.bannerEl.id = 'banner';
    this.notesEl.id = 'notes';

    const filters = el('div', 'filters');
    this.countEl.id = 'match-count';
    this.countEl.setAttribute('aria-live', 'polite');
    filters.append(this.search.element, this.stateFilter.element, this.countEl);

    const legend = el('div', 'legend');
    legend.setAttribute('aria-label', 'Legend');
    for (const [cat, label] of [
      ['skipped', 'skip set (left out of Q/DQ)'],
      ['quantized', 'quantized (FP8 Q/DQ)'],
      ['fused', 'fused kernel'],
      ['other', 'other'],
    ] as const) {
      const item = el('span', `legend-item cat-${cat}`);
      item.append(el('span', 'swatch'), el('span', undefined, label));
      legend.appendChild(item);
    }

    this.compareEl.id = 'compare-stats';
    const panes = el('div', 'panes');
    panes.append(this.panes.skip.element, this.panes.keep.element);
    this.detailsEl.id = 'details';
    this.detailsEl.setAttribute('aria-label', 'Instruction details');
    const main = el('div', 'main');
    main.append(panes, this.detailsEl);
    this.root.append(toolbar, this.bannerEl, this.notesEl, filters, legend, this.compareEl, main);
  }

  private visibleStrategies(): AttentionQdq[] {
    return this.state.compare ? ['skip', 'keep'] : [this.primary];
  }

  private renderAll(): void {
    this.titleEl.textContent = this.fileName || 'ONNX FP8';
    this.strategyEl.textContent = this.state.compare ? 'comparing attention Q/DQ: skip | keep' : STRATEGY_LABEL[this.primary];
    const visible = this.visibleStrategies();
    this.root.classList.toggle('comparing', this.state.compare);
    for (const s of STRATEGIES) this.panes[s].element.hidden = !visible.includes(s);
    this.renderStatus();
    this.renderCompare();
    this.renderCount();
    this.renderDetails();
    for (const s of visible) this.panes[s].list.render();
  }

  private renderStatus(): void {
    clear(this.statusEl);
    const running = this.visibleStrategies().filter((s) => this.running.has(s));
    if (running.length > 0) {
      this.statusEl.append(progressRing('Compiling'), el('span', undefined, `Compiling (${running.join(', ')})…`));
    }
    clear(this.bannerEl);
    for (const s of this.visibleStrategies()) {
      const f = this.failures.get(s);
      const view = this.panes[s].view;
      // A failure is dropped when a later result arrives, so one still here is newer than the listing.
      if (!f) continue;
      const line = el('div', 'banner-error');
      const node = f.onnxNode !== undefined ? `: node '${f.onnxNode}'${f.onnxOpType ? ` (${f.onnxOpType})` : ''}` : '';
      line.append(el('strong', undefined, `Compile failed (attention Q/DQ: ${s}). `), el('span', 'banner-where', `${f.file}${node}: `), el('span', 'banner-cause', f.cause));
      line.append(
        el('span', 'banner-keep', view ? ` Showing the last good result, compiled ${new Date(view.compiledAt).toLocaleTimeString()}.` : ' There is no earlier result to show.'),
      );
      this.bannerEl.appendChild(line);
    }
    this.bannerEl.hidden = this.bannerEl.childElementCount === 0;
    clear(this.notesEl);
    const notes = new Set(this.visibleStrategies().flatMap((s) => this.panes[s].view?.notes ?? []));
    for (const n of notes) this.notesEl.appendChild(el('li', undefined, n));
    this.notesEl.hidden = notes.size === 0;
    for (const s of STRATEGIES) this.renderPanePlaceholder(this.panes[s]);
  }

  private renderPanePlaceholder(pane: Pane): void {
    const s = pane.strategy;
    pane.title.textContent = pane.view ? `${STRATEGY_LABEL[s]}: ${formatCount(pane.view.program.instructions.length)} instructions` : STRATEGY_LABEL[s];
    let text = '';
    if (!pane.view) {
      if (this.running.has(s)) text = `Compiling ${this.fileName}…`;
      else if (this.failures.has(s)) text = 'The compile failed; see the message above.';
      else text = 'Not compiled yet.';
    } else if (pane.rows.length === 0) {
      text = 'No instruction matches the filter.';
    }
    pane.placeholder.textContent = text;
    pane.placeholder.hidden = text === '';
  }

  private renderCount(): void {
    const parts = this.visibleStrategies()
      .filter((s) => this.panes[s].view)
      .map((s) => {
        const p = this.panes[s];
        const n = `${formatCount(p.matched)} of ${formatCount(p.view!.program.instructions.length)}`;
        return this.state.compare ? `${s}: ${n}` : `${n} instructions`;
      });
    this.countEl.textContent = parts.join(' · ');
  }

  private renderCompare(): void {
    clear(this.compareEl);
    this.compareEl.hidden = !this.state.compare;
    if (!this.state.compare) return;
    const head = el('tr');
    head.append(el('th', undefined, ''), el('th', undefined, 'skip'), el('th', undefined, 'keep'));
    this.compareEl.appendChild(head);
    const sums = { skip: this.panes.skip.view && summarize(this.panes.skip.view.program), keep: this.panes.keep.view && summarize(this.panes.keep.view.program) };
    const cell = (s: AttentionQdq, v: number | undefined): string => (v !== undefined ? formatCount(v) : this.running.has(s) ? 'compiling…' : '—');
    const rows: [string, (x: NonNullable<(typeof sums)['skip']>) => number][] = [
      ['instructions', (x) => x.instructions],
      ['skip set', (x) => x.skipped],
      ['quantized', (x) => x.quantized],
      ['fused kernels', (x) => x.fusedKernels],
      ['attention regions', (x) => x.regions],
      ['diagnostics', (x) => x.diagnostics],
    ];
    for (const [label, get] of rows) {
      const tr = el('tr');
      tr.append(el('th', undefined, label), el('td', undefined, cell('skip', sums.skip && get(sums.skip))), el('td', undefined, cell('keep', sums.keep && get(sums.keep))));
      this.compareEl.appendChild(tr);
    }
  }

  private selectedInstruction(): { pane: Pane; ins: CompactInstruction } | undefined {
    const sel = this.state.selected;
    if (!sel) return undefined;
    const pane = this.panes[sel.strategy];
    const ins = pane.byName.get(sel.name);
    return ins ? { pane, ins } : undefined;
  }

  private renderDetails(): void {
    const sel = this.selectedInstruction();
    const row = sel && sel.pane.rows.find((r) => r.kind === 'ins' && r.ins === sel.ins);
    renderDetails(this.detailsEl, sel?.ins, sel?.pane.view, row?.kind === 'ins' ? row.category : undefined, {
      select: (name) => sel && this.select(sel.pane.strategy, name, true),
      openIrText: (line) => sel && void this.openText(sel.pane.strategy, line),
    });
  }

  // ── rows ────────────────────────────────────────────────────────────────────────────────────────

  private renderRow(pane: Pane, e: HTMLElement, row: Row): void {
    clear(e);
    if (row.kind === 'group') {
      e.className = `row group group-${row.group}`;
      e.setAttribute('role', 'option');
      e.setAttribute('aria-expanded', String(!row.collapsed));
      e.removeAttribute('aria-selected');
      e.dataset['key'] = row.key;
      delete e.dataset['name'];
      delete e.dataset['state'];
      e.append(el('span', 'twisty', row.collapsed ? '▸' : '▾'), el('span', 'group-label', row.label), el('span', 'group-count', `${formatCount(row.count)} instructions`));
      return;
    }
    const ins = row.ins;
    const sel = this.state.selected;
    const selected = sel?.strategy === pane.strategy && sel.name === ins.name;
    const peerNode = !selected && sel && sel.strategy !== pane.strategy ? this.panes[sel.strategy].byName.get(sel.name)?.onnxNode : undefined;
    const peer = peerNode !== undefined && ins.onnxNode === peerNode;
    e.className = `row ins cat-${row.category}${row.region !== undefined ? ' in-region' : ''}${selected ? ' selected' : ''}${peer ? ' peer' : ''}`;
    e.setAttribute('role', 'option');
    e.setAttribute('aria-selected', String(selected));
    e.removeAttribute('aria-expanded');
    delete e.dataset['key'];
    e.dataset['name'] = ins.name;
    e.dataset['state'] = ins.quantization;
    e.title = [ins.onnxNode !== undefined ? `ONNX node ${ins.onnxNode}` : '', ins.kernel !== undefined ? `kernel ${ins.kernel}` : ''].filter((x) => x).join('\n');
    e.append(el('span', 'line-no', String(ins.line)), el('span', 'code', ins.text));
    const tags = el('span', 'tags');
    if (ins.quantization === 'skipped') tags.appendChild(el('span', 'tag tag-skipped', ins.attention ? `skip · region ${ins.attention.region}` : 'skip'));
    if (ins.quantization === 'quantized') tags.appendChild(el('span', 'tag tag-quantized', ins.scale !== undefined ? `fp8 · ${ins.scale.toPrecision(3)}` : 'fp8'));
    if (ins.kernel !== undefined) tags.appendChild(el('span', `tag ${row.category === 'fused' ? 'tag-fused' : 'tag-kernel'}`, ins.kernel));
    e.appendChild(tags);
  }

  private rebuild(pane: Pane): void {
    if (!pane.view) {
      pane.rows = [];
      pane.matched = 0;
      pane.list.setItems([]);
      return;
    }
    const r = buildRows(pane.view.program, this.state.query, this.state.filter, new Set(this.state.collapsed));
    pane.rows = r.rows;
    pane.matched = r.matched;
    pane.list.setItems(r.rows);
    if (!pane.scrollRestored) {
      pane.scrollRestored = true;
      const top = this.state.scroll[pane.strategy];
      if (top !== undefined) pane.list.setScrollTop(top);
    }
  }

  private rebuildAll(): void {
    for (const s of STRATEGIES) this.rebuild(this.panes[s]);
    this.renderCount();
    this.renderDetails();
    for (const s of STRATEGIES) this.renderPanePlaceholder(this.panes[s]);
  }

  private toggleGroup(key: string): void {
    const i = this.state.collapsed.indexOf(key);
    if (i >= 0) this.state.collapsed.splice(i, 1);
    else this.state.collapsed.push(key);
    this.rebuildAll();
    this.save();
  }

  private select(strategy: AttentionQdq, name: string, scroll: boolean): void {
    const pane = this.panes[strategy];
    const ins = pane.byName.get(name);
    if (!ins) return;
    this.state.selected = { strategy, name };
    if (scroll) {
      let index = pane.rows.findIndex((r) => r.kind === 'ins' && r.ins === ins);
      if (index < 0) {
        // Hidden by the filter or a collapsed group: clear what hides it.
        this.state.query = '';
        this.search.value = '';
        this.state.filter = 'all';
        this.stateFilter.value = 'all';
        this.state.collapsed = this.state.collapsed.filter((k) => k !== moduleKey(ins.module) && (!ins.attention || k !== regionKey(ins.attention.region)));
        this.rebuildAll();
        index = pane.rows.findIndex((r) => r.kind === 'ins' && r.ins === ins);
      }
      if (index >= 0) pane.list.scrollToIndex(index);
    }
    for (const s of this.visibleStrategies()) this.panes[s].list.render();
    this.renderDetails();
    this.save();
  }

  private onListClick(pane: Pane, e: MouseEvent): void {
    const target = e.target instanceof Element ? e.target.closest<HTMLElement>('.row') : null;
    if (!target) return;
    const row = pane.list.item(Number(target.dataset['index']));
    if (!row) return;
    if (row.kind === 'group') this.toggleGroup(row.key);
    else this.select(pane.strategy, row.ins.name, false);
  }

  private onListKey(pane: Pane, e: KeyboardEvent): void {
    const sel = this.state.selected;
    const current = sel?.strategy === pane.strategy ? pane.rows.findIndex((r) => r.kind === 'ins' && r.ins.name === sel.name) : -1;
    const page = Math.max(1, Math.floor(pane.list.viewport.clientHeight / ROW_HEIGHT) - 1);
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    if (e.key in step) {
      e.preventDefault();
      const dir = step[e.key]!;
      let i = dir === -Infinity ? 0 : dir === Infinity ? pane.rows.length - 1 : Math.min(pane.rows.length - 1, Math.max(0, current + dir));
      // Land on an instruction, skipping headers in the direction of travel.
      const walk = dir > 0 && dir !== Infinity ? 1 : dir === Infinity ? -1 : dir === -Infinity ? 1 : -1;
      while (i >= 0 && i < pane.rows.length && pane.rows[i]!.kind !== 'ins') i += walk;
      const r = pane.rows[i];
      if (r?.kind === 'ins') {
        this.select(pane.strategy, r.ins.name, false);
        pane.list.scrollToIndex(i);
      }
    } else if ((e.key === 'Enter' || e.key === ' ') && sel?.strategy === pane.strategy) {
      const ins = pane.byName.get(sel.name);
      if (ins?.attention) {
        e.preventDefault();
        this.toggleGroup(regionKey(ins.attention.region));
      }
    }
  }

  // ── actions ─────────────────────────────────────────────────────────────────────────────────────

  private onQuery(value: string): void {
    clearTimeout(this.queryTimer);
    this.queryTimer = setTimeout(() => {
      if (value === this.state.query) return;
      this.state.query = value;
      this.rebuildAll();
      this.save();
    }, 80);
  }

  private setCompare(on: boolean): void {
    if (on === this.state.compare) return;
    this.state.compare = on;
    if (on) {
      for (const s of STRATEGIES) if (!this.panes[s].view && !this.running.has(s)) this.requestCompile(s);
    }
    this.renderAll();
    this.save();
  }

  private recompile(): void {
    for (const s of this.visibleStrategies()) this.requestCompile(s);
  }

  private requestCompile(strategy: AttentionQdq): void {
    this.client.compile(strategy).catch((e: unknown) => this.client.log('warn', `compile request failed: ${String(e)}`));
  }

  private async openText(strategy: AttentionQdq, line: number): Promise<void> {
    try {
      await this.client.openIrText(strategy, line);
    } catch (e) {
      this.client.log('warn', `could not open the IR text: ${String(e)}`);
    }
  }

  private save(delayMs = 0): void {
    clearTimeout(this.saveTimer);
    const write = (): void => this.client.setState({ ...this.state });
    if (delayMs === 0) write();
    else this.saveTimer = setTimeout(write, delayMs);
  }

  // ── host messages ───────────────────────────────────────────────────────────────────────────────

  private onMessage(m: Exclude<ToWebviewMessage, { type: 'response' }>): void {
    switch (m.type) {
      case 'model':
        this.fileName = m.fileName;
        this.primary = m.primary;
        this.renderAll();
        return;
      case 'compileStarted':
        this.running.add(m.strategy);
        this.renderStatus();
        this.renderCompare();
        return;
      case 'compiled': {
        const pane = this.panes[m.view.strategy];
        this.running.delete(m.view.strategy);
        this.failures.delete(m.view.strategy);
        pane.setView(m.view);
        this.rebuild(pane);
        this.renderAll();
        return;
      }
      case 'compileFailed':
        this.running.delete(m.failure.strategy);
        this.failures.set(m.failure.strategy, m.failure);
        this.renderStatus();
        this.renderCompare();
        return;
      case 'compileCancelled':
        this.running.delete(m.strategy);
        this.renderStatus();
        this.renderCompare();
        return;
      case 'reveal':
        if (!this.visibleStrategies().includes(m.strategy)) {
          this.state.compare = true;
          this.compareToggle.checked = true;
          this.renderAll();
        }
        this.select(m.strategy, m.name, true);
        return;
      default:
        return m satisfies never;
    }
  }
}

const root = document.getElementById('ir');
if (root) new IrApp(root);
