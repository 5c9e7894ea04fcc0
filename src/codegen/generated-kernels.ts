// Kernel descriptors for generated WGSL (fused-source.ts): the same KernelSpec as the catalog's, with
// the generated text in `generated` and a name that carries a hash of it (the variant key the pipeline
// cache and labels use). One spec per distinct text, so launches with the same wiring share a pipeline.

import { FUSED_VALUES, type KernelSpec } from './kernel-catalog.js';
import type { GeneratedKernel } from './fused-source.js';

const CODEC = ['types.wgsl', 'float-codec.wgsl', 'element-codec.wgsl'];

const specs = new Map<string, KernelSpec>();

/** FNV-1a of the text, 8 hex digits. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The spec of a generated kernel whose static part is kernels/<file>. */
export function generatedSpec(kind: 'fused-pointwise' | 'fused-reduce', g: GeneratedKernel): KernelSpec {
  const key = `${kind}\n${g.text}`;
  let spec = specs.get(key);
  if (!spec) {
    spec = {
      name: `${kind}#${hash(g.text)}`,
      file: `${kind}.wgsl`,
      libs: [...CODEC, 'row-reduce.wgsl', ...FUSED_VALUES],
      slots: [],
      overrides: g.overrides,
      uniforms: g.layout,
      bindings: new Array<'read_write'>(g.bindings).fill('read_write'),
      codes: g.codes,
      generated: g.text,
    };
    specs.set(key, spec);
  }
  return spec;
}
