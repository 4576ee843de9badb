// The renderer's only door to the services. In the Electron app it is the preload's
// `window.bootlab` object; in browser mode it is a WebSocket client speaking the same contract
// to `bootlab serve` (src-main/web/server.ts, whose wire format this mirrors):
//   request  { id, method, args }      reply  { id, reply: Envelope }      push  { event }
import type { ApiMethod, BootlabApi, BootlabEvent, Envelope } from '../../../src-main/shared/api.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface ClientApi extends BootlabApi {
  onEvent(listener: (event: BootlabEvent) => void): () => void;
  /** Browser mode's connection; the Electron app is always 'open'. */
  onConnection?(listener: (state: ConnectionState, detail?: string) => void): () => void;
}

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge), or by tests and the UI benchmark. */
    bootlab?: ClientApi;
  }
}

const METHODS: ApiMethod[] = [
  'getState',
  'openProject',
  'openSampleProject',
  'build',
  'boot',
  'buildAndBoot',
  'stop',
  'reset',
  'getSettings',
  'setSettings',
  'checkToolchain',
  'readGuestMemory',
];

interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** The WebSocket URL of browser mode for a page URL carrying `?token=`. */
export function socketUrl(pageUrl: string): string {
  const page = new URL(pageUrl);
  const token = page.searchParams.get('token') ?? '';
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/api?token=${encodeURIComponent(token)}`;
}

export function createSocketApi(url: string, createSocket: (url: string) => SocketLike = (u) => new WebSocket(u) as unknown as SocketLike): ClientApi {
  const eventListeners = new Set<(event: BootlabEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState, detail?: string) => void>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const queue: string[] = [];
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let closedDetail = '';

  const setState = (next: ConnectionState, detail?: string) => {
    state = next;
    for (const l of connectionListeners) l(next, detail);
  };

  const socket = createSocket(url);
  socket.onopen = () => {
    setState('open');
    for (const text of queue.splice(0)) socket.send(text);
  };
  socket.onclose = (ev) => {
    closedDetail =
      ev.code === 1006 && state === 'connecting'
        ? 'Bootlab refused the connection: open the exact URL that `bootlab serve` printed (the token changes at every start).'
        : 'The connection to Bootlab was lost: is `bootlab serve` still running? Restart it and open the new URL.';
    setState('closed', closedDetail);
    for (const { reject } of pending.values()) reject(new Error(closedDetail));
    pending.clear();
  };
  socket.onerror = () => {
    // onclose follows with the details.
  };
  socket.onmessage = (ev) => {
    let message: { id?: number | null; reply?: Envelope<unknown>; event?: BootlabEvent };
    try {
      message = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    if (message.event) {
      for (const l of eventListeners) l(message.event);
      return;
    }
    if (message.reply && typeof message.id === 'number') {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.reply.ok) waiter.resolve(message.reply.value);
      else waiter.reject(new Error(message.reply.error));
    }
  };

  const call = (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    if (state === 'closed') return Promise.reject(new Error(closedDetail));
    const id = nextId++;
    const text = JSON.stringify({ id, method, args });
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (state === 'open') socket.send(text);
      else queue.push(text);
    });
  };

  const api = {
    onEvent(listener: (event: BootlabEvent) => void) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener: (state: ConnectionState, detail?: string) => void) {
      connectionListeners.add(listener);
      listener(state, state === 'closed' ? closedDetail : undefined);
      return () => connectionListeners.delete(listener);
    },
  } as Partial<ClientApi> as Record<string, unknown>;
  for (const method of METHODS) api[method] = (...args: unknown[]) => call(method, args);
  return api as unknown as ClientApi;
}

let instance: ClientApi | undefined;

/** The API for this window: the preload's object, else browser mode's WebSocket. */
export function getApi(): ClientApi {
  if (window.bootlab) return window.bootlab;
  instance ??= createSocketApi(socketUrl(window.location.href));
  return instance;
}
