// Errors users see. Every failure caused by the model or the input data is a ModelError whose message is
// one line naming the file, the ONNX node (when there is one) and the cause; the CLI prints it and exits 1.
// Anything else escaping the compiler is a bug in onnx-fp8 and is reported as such.

export interface ErrorLocation {
  /** The model (or input) file. */
  readonly file?: string;
  /** The ONNX node's name (or `<op_type> #<index>` when it has none). */
  readonly node?: string;
  readonly opType?: string;
}

export class ModelError extends Error {
  override name = 'ModelError';
  readonly location: ErrorLocation;
  readonly cause_: string;

  constructor(cause: string, location: ErrorLocation = {}) {
    super(formatLocation(location) + cause);
    this.location = location;
    this.cause_ = cause;
  }

  /** The same error with more location filled in (inner frames know the node, outer ones the file). */
  at(location: ErrorLocation): ModelError {
    return new ModelError(this.cause_, { ...location, ...this.location });
  }
}

function formatLocation(l: ErrorLocation): string {
  const parts: string[] = [];
  if (l.file) parts.push(l.file);
  if (l.node) parts.push(`node '${l.node}'${l.opType ? ` (${l.opType})` : ''}`);
  return parts.length > 0 ? `${parts.join(': ')}: ` : '';
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
