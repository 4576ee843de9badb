// The preload: one contextBridge object, `window.bootlab`, with the contract's methods and an
// event subscription. Bundled to CommonJS (sandboxed preloads cannot be ES modules). It exposes
// no ipcRenderer and no channel names to the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiMethod, BootlabEvent, Envelope } from '../shared/api.js';
import { API_METHODS } from '../shared/validate.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.js';

async function invoke(method: ApiMethod, args: unknown[]): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(INVOKE_CHANNEL, method, args)) as Envelope<unknown>;
  if (!reply || typeof reply !== 'object') throw new Error('Bootlab sent no answer');
  if (reply.ok) return reply.value;
  throw new Error(reply.error);
}

const api: Record<string, unknown> = {
  onEvent(listener: (event: BootlabEvent, seq?: number) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    // The sequence number lets a reloaded page drop events its session snapshot already holds.
    const wrapped = (_event: IpcRendererEvent, payload: BootlabEvent, seq: unknown) => listener(payload, typeof seq === 'number' ? seq : undefined);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
};
for (const method of API_METHODS) api[method] = (...args: unknown[]) => invoke(method, args);

contextBridge.exposeInMainWorld('bootlab', api);
