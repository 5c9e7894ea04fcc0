// A virtualized list: only the rows in (and just around) the viewport exist in the DOM, recycled from a
// small pool as the user scrolls, so 50,000 instructions cost what 50 do. Rows have one fixed height.
// Browsers cap an element's height (about 33M px in Chromium), so beyond MAX_SCROLL_PX the scrollbar is
// scaled: scrollTop maps proportionally onto the rows.

const MAX_SCROLL_PX = 8_000_000;

export interface VirtualListOptions<T> {
  readonly rowHeight: number;
  /** Extra rows drawn above and below the viewport. */
  readonly overscan: number;
  readonly label: string;
  /** Fills a pooled row element for `item` (clear it first: the element was used for another row). */
  renderRow(element: HTMLElement, item: T, index: number): void;
  onScroll?(scrollTop: number): void;
}

export class VirtualList<T> {
  readonly viewport: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private items: readonly T[] = [];
  private frame = 0;

  constructor(private readonly o: VirtualListOptions<T>) {
    this.viewport = document.createElement('div');
    this.viewport.className = 'vlist';
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('role', 'listbox');
    this.viewport.setAttribute('aria-label', o.label);
    this.canvas = document.createElement('div');
    this.canvas.className = 'vlist-canvas';
    this.viewport.appendChild(this.canvas);
    this.viewport.addEventListener('scroll', () => {
      this.schedule();
      o.onScroll?.(this.viewport.scrollTop);
    });
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  get length(): number {
    return this.items.length;
  }

  item(index: number): T | undefined {
    return this.items[index];
  }

  setItems(items: readonly T[]): void {
    this.items = items;
    this.render();
  }

  private totalHeight(): number {
    return this.items.length * this.o.rowHeight;
  }

  private canvasHeight(): number {
    return Math.min(this.totalHeight(), MAX_SCROLL_PX);
  }

  /** The content offset (px) shown at the top of the viewport. */
  private contentTop(): number {
    const view = this.viewport.clientHeight;
    const total = this.totalHeight();
    const canvas = this.canvasHeight();
    if (total <= canvas || canvas <= view) return this.viewport.scrollTop;
    return (this.viewport.scrollTop * (total - view)) / (canvas - view);
  }

  scrollTop(): number {
    return this.viewport.scrollTop;
  }

  setScrollTop(top: number): void {
    this.viewport.scrollTop = top;
    this.render();
  }

  /** Scrolls so row `index` is visible (centred when it was off screen). */
  scrollToIndex(index: number): void {
    const view = this.viewport.clientHeight;
    const top = this.contentTop();
    const y = index * this.o.rowHeight;
    if (y >= top && y + this.o.rowHeight <= top + view) return;
    const wanted = Math.max(0, y - view / 2 + this.o.rowHeight / 2);
    const total = this.totalHeight();
    const canvas = this.canvasHeight();
    this.viewport.scrollTop = total <= canvas || canvas <= view ? wanted : (wanted * (canvas - view)) / (total - view);
    this.render();
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Redraws the visible rows (after a selection or theme change). */
  render(): void {
    const h = this.o.rowHeight;
    // A hidden list (display: none somewhere above) keeps no rows; it draws again when shown.
    if (this.viewport.offsetParent === null) {
      for (const el of this.pool.splice(0)) el.remove();
      return;
    }
    this.canvas.style.height = `${this.canvasHeight()}px`;
    const view = this.viewport.clientHeight || h * 40;
    const top = this.contentTop();
    const first = Math.max(0, Math.floor(top / h) - this.o.overscan);
    const last = Math.min(this.items.length, Math.ceil((top + view) / h) + this.o.overscan);
    const needed = Math.max(0, last - first);
    while (this.pool.length < needed) {
      const el = document.createElement('div');
      el.className = 'row';
      this.canvas.appendChild(el);
      this.pool.push(el);
    }
    // Rows no longer needed leave the DOM, so the DOM holds exactly the drawn window.
    for (const el of this.pool.splice(needed)) el.remove();
    // Rows sit at their content offset, shifted by the scaling (zero when the list is not scaled).
    const shift = this.viewport.scrollTop - top;
    for (let j = 0; j < needed; j++) {
      const el = this.pool[j]!;
      const index = first + j;
      const item = this.items[index]!;
      el.dataset['index'] = String(index);
      el.style.transform = `translateY(${index * h + shift}px)`;
      this.o.renderRow(el, item, index);
    }
  }
}
