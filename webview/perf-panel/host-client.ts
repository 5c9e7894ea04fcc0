// The perf panel's end of src/protocol/messages.ts: requests to the extension host answered by id, every
// other host message handed to one listener, and the getState/setState store (the selected past run).

import {
  type FromPerfPanelMessage,
  isToPerfPanelMessage,
  type LogMessage,
  type PerfPanelRequests,
  type PerfRequestMessage,
  type PerfRequestType,
  type PerfResponseMessage,
  type ToPerfPanelMessage,
} from '../../src/protocol/messages.js';

/** What `acquireVsCodeApi()` returns (typed for the perf panel's messages). */
export interface PerfVsCodeApi {
  postMessage(message: FromPerfPanelMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): PerfVsCodeApi;

type Params<K extends PerfRequestType> = PerfPanelRequests[K]['params'];
type Result<K extends PerfRequestType> = PerfPanelRequests[K]['result'];

export class PerfHostClient {
  private readonly api: PerfVsCodeApi;
  private nextId = 1;
  private readonly pending = new Map<number, (r: PerfResponseMessage) => void>();

  constructor(onMessage: (m: Exclude<ToPerfPanelMessage, PerfResponseMessage>) => void) {
    this.api = acquireVsCodeApi();
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const m = event.data;
      if (!isToPerfPanelMessage(m)) return;
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

  request<K extends PerfRequestType>(type: K, params: Params<K>): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => {
        if (r.request !== type) reject(new Error(`unexpected response to ${type}: ${r.request}`));
        else if (r.ok) resolve(r.result as Result<K>);
        else reject(new Error(r.error));
      });
      this.api.postMessage({ type, id, ...params } as PerfRequestMessage);
    });
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }
}
