// The attention finder's diagnostic codes, as data: code, severity, and what it means (docs/attention.md
// has the same table with the reasoning). Codes are stable; messages name the ONNX nodes involved.
// Not here: the checks themselves (detect.ts) and the wording of each message.

import type { Severity } from '../diagnostics.js';

export const ATTENTION_CODES = {
  ATTENTION_REGION: { severity: 'info', meaning: 'an attention block was found; the message gives its pattern and ONNX nodes' },
  ATTENTION_OUTSIDE_USE: {
    severity: 'warning',
    meaning: 'an accepted block also returns its scores or probabilities as a graph output (qk_matmul_output, output_attentions); fusion computes that output a second time with separate kernels',
  },
  ATTENTION_REJECTED_CONSTANT_OPERAND: {
    severity: 'info',
    meaning: 'the dot before the softmax multiplies by a constant (a classifier head or projection), so the softmax does not weigh keys against queries',
  },
  ATTENTION_REJECTED_SOFTMAX_AXIS: { severity: 'warning', meaning: "the softmax does not normalise over the scores' key axis (the last axis of the first dot, tracked through layout ops)" },
  ATTENTION_REJECTED_NO_SECOND_DOT: { severity: 'info', meaning: 'no dot reads the softmax output: the probabilities are not applied to values' },
  ATTENTION_REJECTED_CONTRACTION: { severity: 'warning', meaning: 'the dot after the softmax does not take the probabilities as its first operand contracted over the key axis' },
  ATTENTION_REJECTED_OUTSIDE_USE: { severity: 'warning', meaning: 'a score or probability tensor is also read by an operation outside the block' },
  ATTENTION_REJECTED_BYPASS: { severity: 'warning', meaning: 'a value computed from the scores reaches the second dot without passing through the softmax (for example V depends on the scores)' },
  ATTENTION_REJECTED_DECOMPOSED_SOFTMAX: {
    severity: 'warning',
    meaning: 'an exp/reduce_sum/div softmax whose reductions use different axes or read the wrong tensors',
  },
  ATTENTION_REJECTED_OVERLAP: { severity: 'warning', meaning: 'the block shares instructions with a block found earlier' },
} as const satisfies Record<string, { severity: Severity; meaning: string }>;

export type AttentionCode = keyof typeof ATTENTION_CODES;
