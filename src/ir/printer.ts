// The printer: MIGraphX's text form, byte for byte (reference/migraphx.md §1.3). It is the test oracle
// for every pass, so it is deterministic and has no options.
//   @N = op[attr=v,…](arg,arg), [submodule] -> type, {lens}, {strides}
// One counter runs over every instruction of a module, parameters included; modules printed after the
// first prefix their names with `<module>:`.

import { formatG } from './format.js';
import type { Instruction } from './instruction.js';
import type { Module } from './module.js';
import type { Program } from './program.js';
import type { Tensor } from './tensor.js';
import { isFloatType, isLowPrecisionFloat } from './types.js';

export type NameMap = Map<Instruction, string>;

/** Prints a module's instruction lines (no header); fills `names` for later modules. */
export function printModule(m: Module, names: NameMap = new Map(), lines: string[] = []): string[] {
  const isRoot = names.size === 0;
  let count = 0;
  for (const ins of m) {
    let v = !isRoot && m.name !== '' ? `${m.name}:` : '';
    v += ins.isParam() ? ins.paramName() : `@${count}`;
    count++;
    names.set(ins, v);
    lines.push(printInstruction(ins, names));
  }
  return lines;
}

export function printInstruction(ins: Instruction, names: NameMap): string {
  const v = names.get(ins) ?? '?';
  let text = `${v} = ${opText(ins)}`;
  if (ins.inputs.length > 0) text += `(${ins.inputs.map((i) => names.get(i) ?? '?').join(',')})`;
  if (ins.moduleInputs.length > 0 && !ins.op.def.hidesModules) text += `, [${ins.moduleInputs.map((sm) => sm.name).join(', ')}]`;
  if (!ins.isReturn()) text += ` -> ${ins.shape}`;
  return text;
}

function opText(ins: Instruction): string {
  if (ins.isLiteral()) return `@literal${literalText(ins.literal!)}`;
  return ins.op.toString();
}

/** `{1, 2, 3}`, or `{ ... }` past 10 elements (as MIGraphX prints literals). */
export function literalText(t: Tensor): string {
  const n = t.shape.elements();
  if (n > 10) return '{ ... }';
  const values: string[] = [];
  const asFloat = isFloatType(t.type) || isLowPrecisionFloat(t.type);
  for (let i = 0; i < n; i++) {
    const raw = t.rawAt(i);
    values.push(asFloat ? formatG(t.get(i)) : typeof raw === 'bigint' ? raw.toString() : String(t.get(i)));
  }
  return `{${values.join(', ')}}`;
}

/** The whole program: `module: "name"` before each module and a blank line after it. */
export function printProgram(p: Program): string {
  const names: NameMap = new Map();
  const lines: string[] = [];
  for (const m of p.reachableModules()) {
    lines.push(`module: "${m.name}"`);
    printModule(m, names, lines);
    lines.push('');
  }
  return lines.join('\n') + '\n';
}

/** The printed name of every instruction of every reachable module (`@12`, `x`, `main:pointwise0:x0`). */
export function programNames(p: Program): NameMap {
  const names: NameMap = new Map();
  for (const m of p.reachableModules()) printModule(m, names, []);
  return names;
}

/** A module on its own: instruction lines only, never prefixed. */
export function moduleToString(m: Module): string {
  return printModule(m).join('\n') + '\n';
}
