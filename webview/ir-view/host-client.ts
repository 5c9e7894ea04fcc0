// The IR view's end of src/protocol/messages.ts (the plumbing is webview/shared/host-channel.ts): its
// two requests, compile and openIrText, as methods.

import { isToWebviewMessage, type AttentionQdq, type FromWebviewMessage, type ResponseMessage, type ToWebviewMessage, type WebviewRequests } from '../../src/protocol/messages.js';
import { HostChannel } from '../shared/host-channel.js';

export class HostClient extends HostChannel<WebviewRequests, ToWebviewMessage, FromWebviewMessage> {
  constructor(onMessage: (m: Exclude<ToWebviewMessage, ResponseMessage>) => void) {
    super(isToWebviewMessage, onMessage);
  }

  compile(strategy: AttentionQdq): Promise<WebviewRequests['compile']['result']> {
    return this.request('compile', { strategy });
  }

  openIrText(strategy: AttentionQdq, line: number): Promise<WebviewRequests['openIrText']['result']> {
    return this.request('openIrText', { strategy, line });
  }
}
