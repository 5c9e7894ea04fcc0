// The perf panel's end of src/protocol/messages.ts (the plumbing is webview/shared/host-channel.ts):
// `request('runPerf', { mode })` and the rest of PerfPanelRequests.

import { isToPerfPanelMessage, type FromPerfPanelMessage, type PerfPanelRequests, type PerfResponseMessage, type ToPerfPanelMessage } from '../../src/protocol/messages.js';
import { HostChannel } from '../shared/host-channel.js';

export class PerfHostClient extends HostChannel<PerfPanelRequests, ToPerfPanelMessage, FromPerfPanelMessage> {
  constructor(onMessage: (m: Exclude<ToPerfPanelMessage, PerfResponseMessage>) => void) {
    super(isToPerfPanelMessage, onMessage);
  }
}
