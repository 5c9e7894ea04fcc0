// A webview's end of src/protocol/messages.ts, for both views (IR view, perf panel): notifications to
// the extension host, requests answered by id, every other host message handed to one listener, and
// the getState/setState store that keeps a view's state across hide/show. Each view names its own
// message unions and request table; the plumbing is here once.

import type { LogMessage } from '../../src/protocol/messages.js';

/** A view's request table (an interface): request type → what travels with it and what comes back. */
export type RequestTable<R> = { readonly [K in keyof R]: { readonly params: object; readonly result: unknown } };

/** The host's answer to a request (the `response` member of a view's host → webview union). */
interface AnyResponse {
  readonly type: 'response';
  readonly id: number;
  readonly request: string;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** What `acquireVsCodeApi()` returns, typed for the messages a view sends. */
export interface VsCodeApi<Out> {
  postMessage(message: Out): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi<never>;

/**
 * `R`: the view's requests; `In`: host → webview messages (one member has type 'response'); `Out`:
 * webview → host messages (`ready`, `log` and one message per request, `{ type, id, ...params }`).
 */
export class HostChannel<R extends RequestTable<R>, In extends { readonly type: string }, Out extends { readonly type: string }> {
  private readonly api: VsCodeApi<Out>;
  private nextId = 1;
  private readonly pending = new Map<number, (r: AnyResponse) => void>();

  constructor(isMessage: (x: unknown) => x is In, onMessage: (m: Exclude<In, { readonly type: 'response' }>) => void) {
    this.api = acquireVsCodeApi() as VsCodeApi<Out>;
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const m = event.data;
      if (!isMessage(m)) return;
      if (m.type === 'response') {
        const r = m as unknown as AnyResponse;
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        p?.(r);
        return;
      }
      onMessage(m as Exclude<In, { readonly type: 'response' }>);
    });
  }

  ready(): void {
    this.post({ type: 'ready' });
  }

  log(level: LogMessage['level'], message: string): void {
    this.post({ type: 'log', level, message });
  }

  /** Sends request `type` and resolves with the host's result (rejects with its error). */
  request<K extends keyof R & string>(type: K, params: R[K]['params']): Promise<R[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        if (r.request !== type) reject(new Error(`unexpected response to ${type}: ${r.request}`));
        else if (r.ok) resolve(r.result as R[K]['result']);
        else reject(new Error(r.error));
      });
      this.post({ type, id, ...params });
    });
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  /** Every message a view sends is one of `Out`; the request form is built from the table. */
  private post(message: { readonly type: string; readonly [field: string]: unknown }): void {
    this.api.postMessage(message as Out);
  }
}
