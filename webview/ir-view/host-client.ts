// The webview's end of src/protocol/messages.ts: sends notifications and requests to the extension host,
// matches responses to requests by id, and hands every other host message to one listener. Also the
// getState/setState store that keeps the view's state across hide/show.

import type {
  AttentionQdq,
  FromWebviewMessage,
  LogMessage,
  ResponseMessage,
  ToWebviewMessage,
  WebviewRequests,
} from '../../src/protocol/messages.js';
import { isToWebviewMessage } from '../../src/protocol/messages.js';

/** What `acquireVsCodeApi()` returns (typed for our messages). */
export interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

type Pending = (response: ResponseMessage) => void;

export class HostClient {
  private readonly api: VsCodeApi;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(onMessage: (m: Exclude<ToWebviewMessage, ResponseMessage>) => void) {
    this.api = acquireVsCodeApi();
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const m = event.data;
      if (!isToWebviewMessage(m)) return;
      if (m.type === 'response') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.(m);
        return;
      }
      onMessage(m);
    });
  }

  ready(): void {
    this.api.postMessage({ type: 'ready' });
  }

  log(level: LogMessage['level'], message: string): void {
    this.api.postMessage({ type: 'log', level, message });
  }

  compile(strategy: AttentionQdq): Promise<WebviewRequests['compile']['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        if (r.request === 'compile' && r.ok) resolve(r.result);
        else reject(new Error(r.ok ? `unexpected response to compile: ${r.request}` : r.error));
      });
      this.api.postMessage({ type: 'compile', id, strategy });
    });
  }

  openIrText(strategy: AttentionQdq, line: number): Promise<WebviewRequests['openIrText']['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        if (r.request === 'openIrText' && r.ok) resolve(r.result);
        else reject(new Error(r.ok ? `unexpected response to openIrText: ${r.request}` : r.error));
      });
      this.api.postMessage({ type: 'openIrText', id, strategy, line });
    });
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }
}
