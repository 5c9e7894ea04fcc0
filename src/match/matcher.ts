// Matcher combinators over the IR, in the spirit of MIGraphX's matcher DSL (reference/migraphx.md §4):
// a matcher tests an instruction and returns the instruction it "focuses" on, or undefined.
//   name('dot').with(arg(0).of(name('transpose').bind('t')))
// Two deliberate improvements over MIGraphX:
// - binding names are part of the matcher's type, so `result.get('tpyo')` does not compile;
// - bindings made inside an alternative that fails are rolled back (MIGraphX lets them leak).

import type { Instruction } from '../ir/instruction.js';

/** Bindings collected while matching; snapshotted around alternatives. */
export class MatchContext {
  private readonly bound = new Map<string, Instruction>();

  get(name: string): Instruction | undefined {
    return this.bound.get(name);
  }

  set(name: string, ins: Instruction): void {
    this.bound.set(name, ins);
  }

  snapshot(): Map<string, Instruction> {
    return new Map(this.bound);
  }

  restore(s: Map<string, Instruction>): void {
    this.bound.clear();
    for (const [k, v] of s) this.bound.set(k, v);
  }

  entries(): IterableIterator<[string, Instruction]> {
    return this.bound.entries();
  }
}

type MatchFn = (ctx: MatchContext, ins: Instruction) => Instruction | undefined;

/**
 * A matcher. `B` is the union of the names it may bind: combinators union their children's names, so the
 * result of matching knows exactly which names can be asked for.
 */
export class Matcher<B extends string = never> {
  /** Phantom field carrying the binding names (never set at run time). */
  declare readonly _binds: B;

  constructor(readonly fn: MatchFn) {}

  /** Matches at `ins`; on success records `ins` (the instruction tested, as MIGraphX does) under `name`. */
  bind<N extends string>(name: N): Matcher<B | N> {
    return new Matcher<B | N>((ctx, ins) => {
      const r = this.fn(ctx, ins);
      if (r === undefined) return undefined;
      ctx.set(name, ins);
      return r;
    });
  }

  /** Focus-and-all-of: this matcher must match, then every child must match at its result. */
  with<C extends readonly Matcher<string>[]>(...children: C): Matcher<B | BindsOf<C>> {
    return new Matcher<B | BindsOf<C>>((ctx, ins) => {
      const r = this.fn(ctx, ins);
      if (r === undefined) return undefined;
      for (const c of children) if (c.fn(ctx, r) === undefined) return undefined;
      return r;
    });
  }

  /** Matches, then requires `pred` of the focused instruction. */
  where(pred: (ins: Instruction) => boolean): Matcher<B> {
    return new Matcher<B>((ctx, ins) => {
      const r = this.fn(ctx, ins);
      return r !== undefined && pred(r) ? r : undefined;
    });
  }
}

export type BindsOf<C extends readonly Matcher<string>[]> = C[number] extends Matcher<infer N> ? N : never;

/** The outcome of a successful match: the focused instruction and the typed bindings. */
export class MatchResult<B extends string> {
  constructor(
    readonly ins: Instruction,
    private readonly bindings: ReadonlyMap<string, Instruction>,
  ) {}

  /** A bound instruction; throws when the alternative that binds it was not the one that matched. */
  get(name: B): Instruction {
    const i = this.bindings.get(name);
    if (i === undefined) throw new Error(`binding '${name}' was not bound by the alternative that matched`);
    return i;
  }

  has(name: B): boolean {
    return this.bindings.has(name);
  }

  /** The bound instruction, or undefined when the matching alternative did not bind it. */
  opt(name: B): Instruction | undefined {
    return this.bindings.get(name);
  }
}

/** Runs `m` at `ins` with fresh bindings. */
export function matchInstruction<B extends string>(m: Matcher<B>, ins: Instruction): MatchResult<B> | undefined {
  const ctx = new MatchContext();
  const r = m.fn(ctx, ins);
  return r === undefined ? undefined : new MatchResult<B>(r, ctx.snapshot());
}

// ---- predicates ----

export function predicate(test: (ins: Instruction) => boolean): Matcher {
  return new Matcher((_ctx, ins) => (test(ins) ? ins : undefined));
}

export const any = (): Matcher => predicate(() => true);
export const none = (): Matcher => predicate(() => false);

/** The op is one of `names`. */
export function name(...names: string[]): Matcher {
  const set = new Set(names);
  return predicate((ins) => set.has(ins.op.name));
}

export const nargs = (n: number): Matcher => predicate((ins) => ins.inputs.length === n);

/** Exactly one user (MIGraphX also accepts an unused last instruction). */
export const usedOnce = (): Matcher => predicate((ins) => ins.outputs.length === 1 || (ins.outputs.length === 0 && ins.next === undefined));

export const isUnused = (): Matcher => predicate((ins) => ins.outputs.length === 0);

/** The op computes element by element. */
export const pointwise = (): Matcher => predicate((ins) => ins.op.def.pointwise === true);

export const reduce = (): Matcher => predicate((ins) => ins.op.def.reduce === true);

export const standardShape = (): Matcher => predicate((ins) => ins.shape.standard);

/** Depends only on literals (MIGraphX `is_constant` / `can_eval`). */
export const isConstant = (): Matcher => predicate((ins) => dependsOnlyOnLiterals(ins));

export function dependsOnlyOnLiterals(ins: Instruction): boolean {
  const seen = new Set<Instruction>();
  const stack = [ins];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    if (i.isParam()) return false;
    if (i.isLiteral()) continue;
    if (i.inputs.length === 0) return false; // an op with no inputs that is not a literal (e.g. allocate)
    stack.push(...i.inputs);
  }
  return true;
}

/**
 * A literal (looking through broadcasts and converts) whose every element equals `value` within
 * tolerance. With `value` undefined, any uniform literal matches.
 */
export function hasValue(value?: number, atol = 1e-6, rtol = 1e-6): Matcher {
  return predicate((ins) => {
    const v = uniformValue(ins);
    if (v === undefined) return false;
    if (value === undefined) return true;
    if (Number.isNaN(value)) return Number.isNaN(v);
    if (!Number.isFinite(value)) return v === value;
    return Math.abs(v - value) <= atol + rtol * Math.abs(value);
  });
}

const SCALAR_LOOK_THROUGH = new Set(['multibroadcast', 'broadcast', 'contiguous', 'convert', 'reshape', 'unsqueeze', 'squeeze']);

/** The single value of a uniform literal behind broadcasts/converts, else undefined. */
export function uniformValue(ins: Instruction): number | undefined {
  let i = ins;
  while (SCALAR_LOOK_THROUGH.has(i.op.name) && i.inputs.length === 1) i = i.inputs[0]!;
  if (!i.isLiteral() || !i.literal) return undefined;
  const t = i.literal;
  const n = t.shape.elements();
  if (n === 0) return undefined;
  const first = t.get(0);
  for (let k = 1; k < n; k++) {
    const v = t.get(k);
    if (v !== first && !(Number.isNaN(v) && Number.isNaN(first))) return undefined;
  }
  return first;
}

/** An instruction already bound under `name` (MIGraphX `var`). */
export function boundAs(bindingName: string): Matcher {
  return new Matcher((ctx, ins) => (ctx.get(bindingName) === ins ? ins : undefined));
}

// ---- structure ----

/** `arg(i).of(m)`: input `i` exists and matches `m`; focus stays on the instruction itself. */
export function arg(i: number): { of<B extends string>(m: Matcher<B>): Matcher<B> } {
  return {
    of<B extends string>(m: Matcher<B>): Matcher<B> {
      return new Matcher<B>((ctx, ins) => {
        const a = ins.inputs[i];
        if (a === undefined) return undefined;
        return m.fn(ctx, a) === undefined ? undefined : ins;
      });
    },
  };
}

/** Exactly these inputs, in order. */
export function args<C extends readonly Matcher<string>[]>(...ms: C): Matcher<BindsOf<C>> {
  return new Matcher<BindsOf<C>>((ctx, ins) => {
    if (ins.inputs.length !== ms.length) return undefined;
    for (let k = 0; k < ms.length; k++) if (ms[k]!.fn(ctx, ins.inputs[k]!) === undefined) return undefined;
    return ins;
  });
}

/** Either (arg i ~ a and arg j ~ b) or (arg j ~ a and arg i ~ b); the failed order leaves no bindings. */
export function eitherArg(i: number, j: number): { of<A extends string, B extends string>(a: Matcher<A>, b: Matcher<B>): Matcher<A | B> } {
  return {
    of<A extends string, B extends string>(a: Matcher<A>, b: Matcher<B>): Matcher<A | B> {
      return new Matcher<A | B>((ctx, ins) => {
        const x = ins.inputs[i];
        const y = ins.inputs[j];
        if (x === undefined || y === undefined) return undefined;
        const snap = ctx.snapshot();
        if (a.fn(ctx, x) !== undefined && b.fn(ctx, y) !== undefined) return ins;
        ctx.restore(snap);
        if (a.fn(ctx, y) !== undefined && b.fn(ctx, x) !== undefined) return ins;
        ctx.restore(snap);
        return undefined;
      });
    },
  };
}

// ---- logic ----

/** The first alternative that matches wins (lazily); a failed alternative's bindings are rolled back. */
export function anyOf<C extends readonly Matcher<string>[]>(...ms: C): Matcher<BindsOf<C>> {
  return new Matcher<BindsOf<C>>((ctx, ins) => {
    for (const m of ms) {
      const snap = ctx.snapshot();
      if (m.fn(ctx, ins) !== undefined) return ins;
      ctx.restore(snap);
    }
    return undefined;
  });
}

export function allOf<C extends readonly Matcher<string>[]>(...ms: C): Matcher<BindsOf<C>> {
  return new Matcher<BindsOf<C>>((ctx, ins) => {
    const snap = ctx.snapshot();
    for (const m of ms) {
      if (m.fn(ctx, ins) === undefined) {
        ctx.restore(snap);
        return undefined;
      }
    }
    return ins;
  });
}

/** None of `ms` matches; binds nothing. */
export function noneOf(...ms: readonly Matcher<string>[]): Matcher {
  return new Matcher((ctx, ins) => {
    const snap = ctx.snapshot();
    for (const m of ms) {
      const hit = m.fn(ctx, ins) !== undefined;
      ctx.restore(snap);
      if (hit) return undefined;
    }
    return ins;
  });
}

/** Some input of the instruction matches `m` (MIGraphX `any_of[inputs()]`). */
export function anyInput<B extends string>(m: Matcher<B>): Matcher<B> {
  return new Matcher<B>((ctx, ins) => {
    for (const input of ins.inputs) {
      const snap = ctx.snapshot();
      if (m.fn(ctx, input) !== undefined) return ins;
      ctx.restore(snap);
    }
    return undefined;
  });
}

/** Some user of the instruction matches `m` (MIGraphX `any_of[outputs()]`). */
export function anyOutput<B extends string>(m: Matcher<B>): Matcher<B> {
  return new Matcher<B>((ctx, ins) => {
    for (const user of ins.outputs) {
      const snap = ctx.snapshot();
      if (m.fn(ctx, user) !== undefined) return ins;
      ctx.restore(snap);
    }
    return undefined;
  });
}

/**
 * `skip(a, b).to(m)`: walk up through single-input instructions matching any of `a, b…`, then `m` must
 * match where the walk stopped; the focus moves there (MIGraphX `skip`).
 */
export function skip(...through: readonly Matcher<string>[]): { to<B extends string>(m: Matcher<B>): Matcher<B> } {
  const passable = anyOf(...through);
  return {
    to<B extends string>(m: Matcher<B>): Matcher<B> {
      return new Matcher<B>((ctx, ins) => {
        let cur = ins;
        const seen = new Set<Instruction>();
        while (cur.inputs.length === 1 && !seen.has(cur)) {
          seen.add(cur);
          const snap = ctx.snapshot();
          const pass = passable.fn(ctx, cur) !== undefined;
          ctx.restore(snap);
          if (!pass) break;
          cur = cur.inputs[0]!;
        }
        return m.fn(ctx, cur);
      });
    },
  };
}

/** Like `skip`, walking down through instructions with a single user. */
export function skipOutput(...through: readonly Matcher<string>[]): { to<B extends string>(m: Matcher<B>): Matcher<B> } {
  const passable = anyOf(...through);
  return {
    to<B extends string>(m: Matcher<B>): Matcher<B> {
      return new Matcher<B>((ctx, ins) => {
        let cur = ins;
        while (cur.outputs.length === 1) {
          const snap = ctx.snapshot();
          const pass = passable.fn(ctx, cur) !== undefined;
          ctx.restore(snap);
          if (!pass) break;
          cur = cur.outputs[0]!;
        }
        return m.fn(ctx, cur);
      });
    },
  };
}

/** Focus moves to the single user of the instruction, which must match `m`. */
export function output<B extends string>(m: Matcher<B>): Matcher<B> {
  return new Matcher<B>((ctx, ins) => {
    if (ins.outputs.length !== 1) return undefined;
    return m.fn(ctx, ins.outputs[0]!);
  });
}

export const skipBroadcasts = (): ReturnType<typeof skip> => skip(name('broadcast', 'multibroadcast', 'contiguous'));
