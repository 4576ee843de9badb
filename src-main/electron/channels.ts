// The two IPC channels, shared by ipc.ts (main) and preload.ts (renderer side). Requests are
// `invoke(INVOKE_CHANNEL, method, args)` answered with an Envelope; events are pushed on
// EVENT_CHANNEL. Which methods exist is the contract's business (shared/api.ts, validate.ts).
export const INVOKE_CHANNEL = 'bootlab:invoke';
export const EVENT_CHANNEL = 'bootlab:event';
