// ONNX → IR, in MIGraphX's order: initializers become literals, graph inputs become parameters (both
// inserted at the front), nodes are lowered in topological order through the operator registry, then
// `@return` lists the graph outputs. Local functions are inlined. Small all-constant nodes (shape
// plumbing) fold to literals here; larger constant subgraphs are left to a later pass.

import '../ops/index.js';
import './ops/index.js';
import type { Instruction, OnnxOrigin } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { Program } from '../ir/program.js';
import type { Shape } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { ModelError } from '../errors.js';
import { DiagnosticSink, type Diagnostic } from '../diagnostics.js';
import type { OnnxFunction, OnnxModel, OnnxNode, OnnxValueInfo } from './model.js';
import { NodeContext, type ImportScope } from './context.js';
import { findOnnxOp, type LoweredOutputs } from './registry.js';
import { sortNodes } from './graph-order.js';
import { DimBinder } from './input-shapes.js';
import { FunctionLibrary, functionKey, instantiateBody } from './functions.js';
import { elementTypeFromOnnx } from './tensor.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';

export { NotConstantError } from './context.js';

export interface ImportOptions {
  /** Values for symbolic dims, by dim_param name (`--input-dim batch=1`). */
  inputDims?: ReadonlyMap<string, number>;
  /** Value for symbolic / unknown dims not bound above (default 1, with a warning diagnostic). */
  defaultDimValue?: number;
  /**
   * Graph inputs whose values are fixed at compile time: they become literals, like initializers, and
   * are not parameters (e.g. a Reshape's shape fed as an input, as the ONNX node tests do).
   */
  constantInputs?: ReadonlyMap<string, Tensor>;
}

export interface ImportResult {
  program: Program;
  diagnostics: Diagnostic[];
  /** Graph inputs that became parameters, in graph order, with their IR shapes. */
  inputs: { name: string; shape: Shape }[];
  /** Graph outputs, in order (the @return arguments). */
  outputs: { name: string; shape: Shape }[];
}

/** A node whose inputs are all literals is evaluated at import when no tensor involved exceeds this. */
const FOLD_LIMIT = 4096;
const NOT_FOLDED = new Set(['QuantizeLinear', 'DequantizeLinear']);

export function importModel(model: OnnxModel, options: ImportOptions = {}): ImportResult {
  return new GraphImporter(model, options).run();
}

/** The values visible to one graph or one function call. */
class ValueScope {
  private readonly values = new Map<string, Instruction>();

  get(name: string): Instruction | undefined {
    return this.values.get(name);
  }

  set(name: string, ins: Instruction): void {
    this.values.set(name, ins);
  }

  names(): Set<string> {
    return new Set(this.values.keys());
  }
}

/** Where a node sits: its own name and index, or those of the graph node that called its function. */
interface CallSite {
  readonly index: number;
  readonly caller?: string;
  /** Functions being inlined, outermost first (recursion check). */
  readonly stack: readonly string[];
}

class GraphImporter {
  private readonly program = new Program();
  private readonly module: Module = this.program.mainModule();
  private readonly diagnostics = new DiagnosticSink();
  private readonly functions: FunctionLibrary;
  private readonly initializers = new Set<Instruction>();
  /** Values read as constants or folded away; dropped at the end when nothing else uses them. */
  private readonly consumed = new Set<Instruction>();

  constructor(
    private readonly model: OnnxModel,
    private readonly options: ImportOptions,
  ) {
    this.functions = new FunctionLibrary(model.functions);
  }

  run(): ImportResult {
    const graph = this.model.graph;
    const scope = new ValueScope();

    for (const [name, tensor] of graph.initializers) {
      const lit = this.module.addLiteral(locate(() => tensor.value(), `initializer '${name}'`));
      this.initializers.add(lit);
      scope.set(name, lit);
    }

    const binder = new DimBinder(this.options.inputDims ?? new Map(), this.options.defaultDimValue ?? 1, this.diagnostics);
    const inputs: { name: string; shape: Shape }[] = [];
    for (const vi of graph.inputs) {
      if (graph.initializers.has(vi.name)) continue;
      const fixed = this.options.constantInputs?.get(vi.name);
      if (fixed) {
        const lit = this.module.addLiteral(fixed);
        this.initializers.add(lit);
        scope.set(vi.name, lit);
        continue;
      }
      if (scope.get(vi.name)) throw new ModelError(`graph input '${vi.name}' is declared twice`);
      const shape = binder.shapeOf(vi);
      scope.set(vi.name, this.module.addParameter(vi.name, shape));
      inputs.push({ name: vi.name, shape });
    }
    binder.checkAllUsed();

    const nodes = sortNodes(graph.nodes, scope.names());
    for (const node of nodes) this.lowerNode(node, scope, this.model.opsetImports, { index: node.index, stack: [] });

    const outputs: { name: string; shape: Shape }[] = [];
    const results: Instruction[] = [];
    for (const vi of graph.outputs) {
      const ins = scope.get(vi.name);
      if (!ins) throw new ModelError(`graph output '${vi.name}' is not produced by any node, input or initializer`);
      this.checkDeclaredOutput(vi, ins);
      results.push(ins);
      outputs.push({ name: vi.name, shape: ins.shape });
    }
    this.module.addReturn(results);
    this.dropConsumed();
    return { program: this.program, diagnostics: this.diagnostics.items, inputs, outputs };
  }

  // ---- nodes ----

  private lowerNode(node: OnnxNode, scope: ValueScope, opsets: ReadonlyMap<string, number>, site: CallSite): void {
    const fn = this.functions.find(node.domain, node.opType);
    if (fn) {
      this.inlineCall(node, fn, scope, site);
      return;
    }
    const opset = opsets.get(node.domain) ?? this.model.opsetImports.get(node.domain) ?? 1;
    const where = { node: node.name, opType: node.opType };
    const def = findOnnxOp(node.domain, node.opType);
    if (!def) throw new ModelError(`unsupported operator ${node.opType} (domain '${node.domain}', opset ${opset})`, where);
    if (opset < def.sinceVersion) {
      throw new ModelError(`operator ${node.opType} is supported from opset ${def.sinceVersion}; the model uses opset ${opset}`, where);
    }

    const origin: OnnxOrigin = {
      node: node.name,
      opType: node.opType,
      output: node.outputs.find((o) => o !== '') ?? '',
      index: site.index,
      ...(site.caller !== undefined ? { caller: site.caller } : {}),
    };
    const ctx = new NodeContext(this.scopeFor(scope), node, opset, origin);
    let lowered: LoweredOutputs;
    try {
      lowered = def.lower(ctx);
    } catch (e) {
      throw asModelError(e, where);
    }
    const outs = Array.isArray(lowered) ? (lowered as readonly (Instruction | undefined)[]) : [lowered as Instruction];
    const results = node.outputs.map((name, k) => {
      if (name === '') return undefined;
      const ins = outs[k];
      if (!ins) throw new ModelError(`output ${k} ('${name}') is not supported`, where);
      if (ctx.created.includes(ins)) ins.origin = { ...origin, output: name };
      return ins;
    });
    try {
      this.foldSmallConstants(ctx, results);
    } catch (e) {
      throw asModelError(e, where);
    }
    results.forEach((ins, k) => {
      if (ins) scope.set(node.outputs[k]!, ins);
    });
  }

  private inlineCall(caller: OnnxNode, fn: OnnxFunction, scope: ValueScope, site: CallSite): void {
    const key = functionKey(fn.domain, fn.name);
    if (site.stack.includes(key)) {
      throw new ModelError(`recursive function call: ${[...site.stack, key].join(' -> ')}`, { node: caller.name, opType: caller.opType });
    }
    const inner = new ValueScope();
    fn.inputs.forEach((name, i) => {
      const actual = caller.inputs[i] ?? '';
      if (actual === '') return;
      const ins = scope.get(actual);
      if (!ins) throw new ModelError(`input '${actual}' is not produced by any node, input or initializer`, { node: caller.name, opType: caller.opType });
      inner.set(name, ins);
    });
    const opsets = new Map([...this.model.opsetImports, ...fn.opsetImports]);
    const innerSite: CallSite = { index: site.index, caller: site.caller ?? caller.name, stack: [...site.stack, key] };
    try {
      for (const node of sortNodes(instantiateBody(fn, caller), inner.names())) this.lowerNode(node, inner, opsets, innerSite);
    } catch (e) {
      const err = asModelError(e, {});
      const loc = err.location.node ? `node '${err.location.node}'${err.location.opType ? ` (${err.location.opType})` : ''}: ` : '';
      throw new ModelError(`in function ${key}, ${loc}${err.cause_}`, { node: caller.name, opType: caller.opType });
    }
    caller.outputs.forEach((name, k) => {
      if (name === '') return;
      const innerName = fn.outputs[k];
      const ins = innerName === undefined ? undefined : inner.get(innerName);
      if (!ins) throw new ModelError(`function ${key} does not produce output ${k}`, { node: caller.name, opType: caller.opType });
      scope.set(name, ins);
    });
  }

  private scopeFor(values: ValueScope): ImportScope {
    return {
      module: this.module,
      diagnostics: this.diagnostics,
      lookup: (name) => values.get(name),
      consumed: (ins) => this.consumed.add(ins),
    };
  }

  // ---- folding and cleanup ----

  /**
   * Replaces outputs of a node whose inputs are all small literals by their values (Shape → Gather →
   * Concat chains become literals as they are read), then drops what the node built and no longer needs.
   */
  private foldSmallConstants(ctx: NodeContext, results: (Instruction | undefined)[]): void {
    // A model's own Q/DQ of a constant stays: folding it would hide that the weight is already quantized
    // (quantize-fp8 then wraps it again, rounding twice) and lose the fp8 bytes export writes back.
    if (NOT_FOLDED.has(ctx.node.opType)) return;
    const inputIns = ctx.node.inputs.flatMap((n, i) => (n === '' ? [] : [ctx.optionalInput(i)!]));
    const allSmallLiterals = inputIns.every((i) => i.isLiteral() && i.shape.elements() <= FOLD_LIMIT);
    if (!allSmallLiterals) return;
    let folded = false;
    results.forEach((ins, k) => {
      if (!ins || ins.isLiteral() || ins.isParam() || ins.shape.elements() > FOLD_LIMIT) return;
      const value = tryEvaluateConstant(ins);
      if (!value) return;
      const lit = ctx.literal(value.contiguous());
      lit.origin = { ...lit.origin!, output: ctx.node.outputs[k]! };
      results[k] = lit;
      folded = true;
    });
    if (!folded) return;
    for (const i of inputIns) this.consumed.add(i);
    const keep = new Set(results.filter((r): r is Instruction => r !== undefined));
    for (let k = ctx.created.length - 1; k >= 0; k--) {
      const ins = ctx.created[k]!;
      if (!keep.has(ins) && ins.owner && ins.outputs.length === 0) this.module.removeInstruction(ins);
    }
  }

  /** Removes values that were only read as constants (or folded) and have no users left. */
  private dropConsumed(): void {
    const work = [...this.consumed];
    while (work.length > 0) {
      const ins = work.pop()!;
      if (!ins.owner || ins.outputs.length > 0 || ins.isParam() || ins.isReturn() || this.initializers.has(ins)) continue;
      const inputs = [...ins.inputs];
      this.module.removeInstruction(ins);
      work.push(...inputs);
    }
  }

  private checkDeclaredOutput(vi: OnnxValueInfo, ins: Instruction): void {
    const t = vi.type;
    if (!t || t.kind !== 'tensor' || t.elemType === undefined) return;
    let declared;
    try {
      declared = elementTypeFromOnnx(t.elemType);
    } catch {
      return;
    }
    if (declared !== ins.shape.type) {
      this.diagnostics.warning('ONNX_OUTPUT_TYPE_MISMATCH', `graph output '${vi.name}' is declared ${declared} but computes ${ins.shape.type}`);
    }
    const dims = t.dims;
    if (dims && (dims.length !== ins.shape.ndim || dims.some((d, i) => typeof d === 'number' && d !== ins.shape.lens[i]))) {
      const shown = dims.map((d) => (d === undefined ? '?' : String(d))).join(', ');
      this.diagnostics.warning('ONNX_OUTPUT_SHAPE_MISMATCH', `graph output '${vi.name}' is declared {${shown}} but computes {${ins.shape.lens.join(', ')}}`);
    }
  }
}

/** Any failure inside a lowering becomes a ModelError located at the node. */
function asModelError(e: unknown, where: { node?: string; opType?: string }): ModelError {
  if (e instanceof ModelError) return e.location.node ? e : e.at(where);
  const message = e instanceof Error ? e.message : String(e);
  return new ModelError(message, where);
}

function locate<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    const err = asModelError(e, {});
    throw new ModelError(`${what}: ${err.cause_}`, err.location);
  }
}
