// The details pane: everything the compact IR says about the selected instruction: where it came from
// (ONNX node), its shape, what quantization did to it and why, and which kernel it ended up in.

import type { CompactInstruction } from '../../src/protocol/compact-ir.js';
import type { CompiledView } from '../../src/protocol/messages.js';
import { clear, el } from './dom.js';
import type { Category } from './rows.js';

export interface DetailsActions {
  /** Select another instruction of the same program (an input). */
  select(name: string): void;
  openIrText(line: number): void;
}

export function quantizationText(ins: CompactInstruction, view: CompiledView): string {
  switch (ins.quantization) {
    case 'skipped':
      return 'Skip set: left out of FP8 Q/DQ so the attention block can fuse.';
    case 'quantized':
      return `Quantized to FP8${ins.scale !== undefined ? ` with scale ${ins.scale}` : ''}.`;
    case 'none':
      if (!view.fp8) return 'Not quantized: this compile ran without FP8 quantization.';
      return ins.attention ? 'Not quantized: attention Q/DQ was kept, but this op takes no Q/DQ.' : 'Not quantized: not an op FP8 quantization applies to.';
    default:
      return ins.quantization satisfies never;
  }
}

const CATEGORY_LABEL: Readonly<Record<Category, string>> = { skipped: 'skip set', quantized: 'quantized', fused: 'fused kernel', other: 'other' };

export function renderDetails(container: HTMLElement, ins: CompactInstruction | undefined, view: CompiledView | undefined, cat: Category | undefined, actions: DetailsActions): void {
  clear(container);
  if (!ins || !view) {
    container.appendChild(el('p', 'details-empty', 'Select an instruction to see where it came from and what FP8 quantization did to it.'));
    return;
  }
  const head = el('div', 'details-head');
  head.appendChild(el('span', 'details-name', ins.name));
  head.appendChild(el('span', 'details-op', ins.op));
  if (cat) head.appendChild(el('span', `tag tag-${cat}`, CATEGORY_LABEL[cat]));
  container.appendChild(head);
  container.appendChild(el('pre', 'details-text', ins.text));

  const dl = el('dl', 'details-list');
  const row = (term: string, value: string | HTMLElement): void => {
    dl.appendChild(el('dt', undefined, term));
    const dd = el('dd');
    if (typeof value === 'string') dd.textContent = value;
    else dd.appendChild(value);
    dl.appendChild(dd);
  };
  row('Attention Q/DQ', view.strategy);
  row('Module', ins.module);
  row('IR line', String(ins.line));
  row('Type', ins.type || '—');
  row('Shape', `{${ins.lens.join(', ')}}`);
  if (ins.inputs.length > 0) {
    const inputs = el('span', 'details-inputs');
    for (const name of ins.inputs) {
      const b = el('button', 'link', name);
      b.type = 'button';
      b.title = `Select ${name}`;
      b.addEventListener('click', () => actions.select(name));
      inputs.appendChild(b);
    }
    row('Inputs', inputs);
  }
  row('ONNX node', ins.onnxNode !== undefined ? `${ins.onnxNode}${ins.onnxOpType ? ` (${ins.onnxOpType})` : ''}` : '— (made by the compiler)');
  row('Quantization', quantizationText(ins, view));
  if (ins.attention) {
    row('Attention region', `${ins.attention.region} (${ins.attention.role || 'member'})`);
    if (ins.attention.reason) row('Why', ins.attention.reason);
  }
  if (ins.scale !== undefined) row('Scale', String(ins.scale));
  row('Kernel', ins.kernel ?? '— (lowering to kernels comes later)');
  container.appendChild(dl);

  const open = el('button', 'link', 'Open in IR text');
  open.type = 'button';
  open.addEventListener('click', () => actions.openIrText(ins.line));
  container.appendChild(open);
}
