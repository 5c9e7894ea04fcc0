// The only module that touches @vscode/webview-ui-toolkit (1.4.0, pinned; the project was archived
// upstream in January 2025 and gets no fixes). Everything else asks this file for a button, a text field,
// a dropdown, a checkbox or a progress ring, so replacing the toolkit (e.g. with @vscode-elements/elements
// or plain HTML styled with --vscode-* variables) means rewriting this one file.
// NOTE: the toolkit's styles are constructable stylesheets, which the webview CSP (no 'unsafe-inline')
// allows; its one <style> element (a :focus-visible probe) takes the page nonce from
// <meta property="csp-nonce"> (extension/webview-html.ts). The headless test checks for CSP violations.

import {
  type Button,
  type Checkbox,
  type Dropdown,
  type TextField,
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Registers the components this webview uses (once). */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing(), vsCodeTextField());
}

export interface ButtonOptions {
  readonly id?: string;
  readonly label: string;
  readonly title?: string;
  readonly appearance?: 'primary' | 'secondary';
}

export function button(o: ButtonOptions, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button') as Button;
  if (o.id) b.id = o.id;
  b.textContent = o.label;
  if (o.title) b.title = o.title;
  b.setAttribute('appearance', o.appearance ?? 'secondary');
  b.addEventListener('click', () => onClick());
  return b;
}

export interface TextInput {
  readonly element: HTMLElement;
  value: string;
  focus(): void;
}

export function textField(o: { id: string; placeholder: string; label: string; value: string }, onInput: (value: string) => void): TextInput {
  const f = document.createElement('vscode-text-field') as TextField;
  f.id = o.id;
  f.setAttribute('placeholder', o.placeholder);
  f.setAttribute('aria-label', o.label);
  f.value = o.value;
  f.addEventListener('input', () => onInput(f.value));
  return {
    element: f,
    get value() {
      return f.value;
    },
    set value(v: string) {
      f.value = v;
    },
    focus: () => f.focus(),
  };
}

export interface Choice<T extends string> {
  readonly element: HTMLElement;
  value: T;
  /** Replaces the options (the perf panel's list of past runs changes as runs finish). */
  setOptions(options: readonly { value: T; label: string }[], value: T): void;
}

export function dropdown<T extends string>(o: { id: string; label: string; options: readonly { value: T; label: string }[]; value: T }, onChange: (value: T) => void): Choice<T> {
  const d = document.createElement('vscode-dropdown') as Dropdown;
  d.id = o.id;
  d.setAttribute('aria-label', o.label);
  const byValue = new Map<string, T>();
  const fill = (options: readonly { value: T; label: string }[], value: T): void => {
    while (d.firstChild) d.removeChild(d.firstChild);
    byValue.clear();
    for (const opt of options) {
      byValue.set(opt.value, opt.value);
      const el = document.createElement('vscode-option');
      el.setAttribute('value', opt.value);
      el.textContent = opt.label;
      d.appendChild(el);
    }
    d.value = value;
    // NOTE: the dropdown learns about new options on slotchange, after this task; until then it resets
    // a value it does not know to the first option. Set it again once the options are in.
    setTimeout(() => {
      if (d.value !== value && byValue.has(value)) d.value = value;
    }, 0);
  };
  fill(o.options, o.value);
  d.addEventListener('change', () => {
    const v = byValue.get(d.value);
    if (v !== undefined) onChange(v);
  });
  return {
    element: d,
    get value() {
      return byValue.get(d.value) ?? o.value;
    },
    set value(v: T) {
      d.value = v;
    },
    setOptions: fill,
  };
}

/** Enables or disables a control made here (button, dropdown, …). */
export function setDisabled(control: HTMLElement, disabled: boolean): void {
  control.toggleAttribute('disabled', disabled);
}

export interface Toggle {
  readonly element: HTMLElement;
  checked: boolean;
}

export function checkbox(o: { id: string; label: string; checked: boolean }, onChange: (checked: boolean) => void): Toggle {
  const c = document.createElement('vscode-checkbox') as Checkbox;
  c.id = o.id;
  c.textContent = o.label;
  c.checked = o.checked;
  c.addEventListener('change', () => onChange(c.checked));
  return {
    element: c,
    get checked() {
      return c.checked;
    },
    set checked(v: boolean) {
      c.checked = v;
    },
  };
}

export function progressRing(label: string): HTMLElement {
  const p = document.createElement('vscode-progress-ring');
  p.setAttribute('aria-label', label);
  return p;
}
