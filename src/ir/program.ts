// Program: named modules with "main" as the entry. Submodules (fused kernels, attention groups) are
// reached from the instructions that name them.

import { Module } from './module.js';
import { printProgram } from './printer.js';

export class Program {
  private readonly modules = new Map<string, Module>();

  constructor() {
    this.createModule('main');
  }

  mainModule(): Module {
    return this.modules.get('main')!;
  }

  createModule(name: string): Module {
    if (this.modules.has(name)) throw new Error(`program already has a module named '${name}'`);
    const m = new Module(name);
    this.modules.set(name, m);
    return m;
  }

  getModule(name: string): Module | undefined {
    return this.modules.get(name);
  }

  removeModule(name: string): void {
    if (name === 'main') throw new Error('cannot remove the main module');
    this.modules.delete(name);
  }

  /** A module name not used yet: `<prefix><n>` with the smallest free n. */
  freshModuleName(prefix: string): string {
    for (let n = 0; ; n++) if (!this.modules.has(`${prefix}${n}`)) return `${prefix}${n}`;
  }

  /** Main first, then every reachable submodule in pre-order (the order MIGraphX prints them). */
  reachableModules(): Module[] {
    const out: Module[] = [];
    const seen = new Set<Module>();
    const visit = (m: Module) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push(m);
      for (const ins of m) for (const sm of ins.moduleInputs) visit(sm);
    };
    visit(this.mainModule());
    return out;
  }

  allModules(): Module[] {
    return [...this.modules.values()];
  }

  sort(): this {
    for (const m of this.reachableModules()) m.sort();
    return this;
  }

  validate(): void {
    for (const m of this.reachableModules()) m.validate();
  }

  toString(): string {
    return printProgram(this);
  }
}
