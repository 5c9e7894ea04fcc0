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
    super(oneLine(formatLocation(location) + cause));
    this.location = location;
    this.cause_ = cause;
  }

  /**
   * The same error with more location filled in (inner frames know the node, outer ones the file). The
   * copy keeps the subclass and its fields (e.g. NotConstantError's input name).
   */
  at(location: ErrorLocation): this {
    const merged = { ...location, ...this.location };
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this) as object) as this, this, { location: merged });
    Object.defineProperty(copy, 'message', { value: oneLine(formatLocation(merged) + this.cause_), writable: true, configurable: true });
    Object.defineProperty(copy, 'stack', { value: this.stack, writable: true, configurable: true });
    return copy;
  }
}

/**
 * Keeps a message on one line whatever the model holds: names come from the file and may contain
 * newlines or other control characters, which are shown escaped (`\n`, `\u0000`).
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
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
