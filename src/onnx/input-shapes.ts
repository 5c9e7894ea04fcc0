// Static IR shapes for graph inputs. A symbolic dim ('batch') takes its value from --input-dim, else the
// default (1) with an ONNX_SYMBOLIC_DIM_DEFAULTED warning; an unknown dim likewise. One name always maps
// to one value, so inputs that share 'seq' stay consistent. A bound name no input has is an error
// (`--input-dim seq=16` on a model whose dim is 'sequence' would otherwise run at the default, silently
// but for a warning about another name).

import { Shape } from '../ir/shape.js';
import { ModelError } from '../errors.js';
import type { DiagnosticSink } from '../diagnostics.js';
import type { OnnxValueInfo } from './model.js';
import { elementTypeFromOnnx } from './tensor.js';

export class DimBinder {
  private readonly defaulted = new Set<string>();
  /** Every symbolic dim name the inputs have, in order of first appearance. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly bound: ReadonlyMap<string, number>,
    private readonly defaultValue: number,
    private readonly diagnostics: DiagnosticSink,
  ) {
    for (const [name, v] of bound) {
      if (!Number.isInteger(v) || v < 0) throw new ModelError(`input dim ${name}=${v} must be a non-negative integer`);
    }
  }

  /** The IR shape of graph input `vi`. */
  shapeOf(vi: OnnxValueInfo): Shape {
    const t = vi.type;
    if (t === undefined) throw new ModelError(`graph input '${vi.name}' has no type`);
    if (t.kind !== 'tensor' || t.elemType === undefined) {
      throw new ModelError(`graph input '${vi.name}' has unsupported type ${t.kind} (only tensors are supported)`);
    }
    const type = elementTypeFromOnnx(t.elemType);
    if (t.dims === undefined) throw new ModelError(`graph input '${vi.name}' has unknown rank`);
    const lens = t.dims.map((d, axis) => this.dimValue(vi.name, axis, d));
    return new Shape(type, lens);
  }

  private dimValue(input: string, axis: number, d: number | string | undefined): number {
    if (typeof d === 'number' && d >= 0) return d;
    if (typeof d === 'string' && d !== '') {
      this.seen.add(d);
      const v = this.bound.get(d);
      if (v !== undefined) return v;
      this.warnDefaulted(input, axis, `symbolic dim '${d}'`, `(bind it with --input-dim ${d}=N)`);
      return this.defaultValue;
    }
    this.warnDefaulted(input, axis, 'unknown dim', '');
    return this.defaultValue;
  }

  /** Throws when a bound name is no input's symbolic dim (call once every input has its shape). */
  checkAllUsed(): void {
    const unused = [...this.bound.keys()].filter((name) => !this.seen.has(name));
    if (unused.length === 0) return;
    const names = unused.map((n) => `'${n}'`).join(', ');
    const known = this.seen.size > 0 ? `its symbolic dims are ${[...this.seen].map((n) => `'${n}'`).join(', ')}` : 'its inputs have no symbolic dims';
    throw new ModelError(`--input-dim ${names}: no graph input has ${unused.length === 1 ? 'a symbolic dim of that name' : 'symbolic dims of those names'} (${known})`);
  }

  private warnDefaulted(input: string, axis: number, what: string, hint: string): void {
    const key = `${input}:${axis}`;
    if (this.defaulted.has(key)) return;
    this.defaulted.add(key);
    const message = `input '${input}' dim ${axis}: ${what} set to ${this.defaultValue}${hint ? ` ${hint}` : ''}`;
    this.diagnostics.warning('ONNX_SYMBOLIC_DIM_DEFAULTED', message);
  }
}
