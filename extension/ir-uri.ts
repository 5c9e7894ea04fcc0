// URIs of the read-only IR text documents: `onnx-fp8-ir:<model path>.<strategy>.ir?model=<uri>&strategy=<s>`.
// The query carries the model's URI so a restored tab (after a reload) can find and compile its model.

import type { AttentionQdq } from '../src/protocol/messages.js';
import type { Vscode, vscode } from './vscode-api.js';

export const IR_SCHEME = 'onnx-fp8-ir';

export function irUri(vs: Vscode, model: vscode.Uri, strategy: AttentionQdq): vscode.Uri {
  const query = new URLSearchParams({ model: model.toString(), strategy }).toString();
  return vs.Uri.from({ scheme: IR_SCHEME, path: `${model.path}.${strategy}.ir`, query });
}

export function parseIrUri(vs: Vscode, uri: vscode.Uri): { model: vscode.Uri; strategy: AttentionQdq } | undefined {
  if (uri.scheme !== IR_SCHEME) return undefined;
  const q = new URLSearchParams(uri.query);
  const model = q.get('model');
  const strategy = q.get('strategy');
  if (model === null || (strategy !== 'skip' && strategy !== 'keep')) return undefined;
  try {
    return { model: vs.Uri.parse(model, true), strategy };
  } catch {
    return undefined;
  }
}
