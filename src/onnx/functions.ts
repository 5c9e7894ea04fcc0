// Model-local functions (FunctionProto): finding the callee of a node and instantiating its body for
// one call — attribute references (`ref_attr_name`) take the caller's value, else the function's
// default, else the attribute is absent. import.ts lowers the instantiated nodes in a scope of their own.

import type { OnnxAttribute, OnnxFunction, OnnxNode } from './model.js';

export class FunctionLibrary {
  private readonly byKey = new Map<string, OnnxFunction>();

  constructor(functions: readonly OnnxFunction[]) {
    for (const f of functions) this.byKey.set(functionKey(f.domain, f.name), f);
  }

  find(domain: string, opType: string): OnnxFunction | undefined {
    return this.byKey.get(functionKey(domain, opType));
  }
}

export function functionKey(domain: string, name: string): string {
  return domain === '' ? name : `${domain}.${name}`;
}

/**
 * The body of `fn` as called by `caller`: attribute references resolved, and inputs the caller omitted
 * replaced by '' so the body sees them as absent optional inputs.
 */
export function instantiateBody(fn: OnnxFunction, caller: OnnxNode): OnnxNode[] {
  const omitted = new Set(fn.inputs.filter((_, i) => (caller.inputs[i] ?? '') === ''));
  return fn.nodes.map((n) => ({
    ...n,
    inputs: n.inputs.map((name) => (omitted.has(name) ? '' : name)),
    attributes: resolveAttributes(n.attributes, fn, caller),
  }));
}

function resolveAttributes(attrs: ReadonlyMap<string, OnnxAttribute>, fn: OnnxFunction, caller: OnnxNode): Map<string, OnnxAttribute> {
  const out = new Map<string, OnnxAttribute>();
  for (const [name, a] of attrs) {
    if (a.type !== 'ref') {
      out.set(name, a);
      continue;
    }
    const actual = caller.attributes.get(a.value) ?? fn.attributeDefaults.get(a.value);
    if (actual !== undefined) out.set(name, { ...actual, name } as OnnxAttribute);
  }
  return out;
}
