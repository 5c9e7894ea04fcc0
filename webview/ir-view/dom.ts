// Tiny DOM helpers. Model strings (names, ops, node names, reasons) only ever reach the page through
// textContent, never innerHTML, so a node named `<img src=x onerror=…>` shows up as those characters.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function clear(e: HTMLElement): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
