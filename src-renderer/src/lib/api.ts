// The renderer's only door to the services. In the Electron app it is the preload's
// `window.bootlab` object; in browser mode it is a WebSocket client speaking the same contract
// to `bootlab serve` (src-main/web/server.ts, whose wire format this mirrors):
//   request  { id, method, args }      reply  { id, reply: Envelope }      push  { event }
import type { ApiMethod, BootlabApi, BootlabEvent, Envelope } from '../../../src-main/shared/api.js';

/** 'reconnecting': browser mode lost an open connection and is getting it back by itself. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Pushed events come with their sequence number in browser mode and in the Electron app. */
export type EventListener = (event: BootlabEvent, seq?: number) => void;

export interface ClientApi extends BootlabApi {
  onEvent(listener: EventListener): () => void;
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
  'runTests',
  'getTestsState',
  'setWatch',
  'openLocation',
  'pause',
  'resume',
  'step',
  'cpuState',
  'pageTables',
  'readMemory',
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

/**
 * The WebSocket URL of browser mode for a page URL. It carries no token: the page's first load
 * exchanged the token for the session cookie, which the browser sends with the WebSocket.
 */
export function socketUrl(pageUrl: string): string {
  const page = new URL(pageUrl);
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/api`;
}

/** The page's URL without its one-time token (for the address bar and the history). */
export function withoutToken(pageUrl: string): string | undefined {
  const page = new URL(pageUrl);
  if (!page.searchParams.has('token')) return undefined;
  page.searchParams.delete('token');
  return page.pathname + page.search + page.hash;
}

/** Waits before the n-th reconnection attempt (0-based): quick at first, then every 5 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(5000, 250 * 2 ** attempt);
}

/** After this many failed attempts the status says that the server may be gone. */
const PATIENT_ATTEMPTS = 4;

const REFUSED =
  'Bootlab refused the connection: this browser has no session with it. Open the URL that `bootlab serve` printed (its token works for one first load; restart `bootlab serve` for a new one).';
const LOST = 'The connection to Bootlab was lost: reconnecting…';
const GONE = 'Bootlab does not answer: is `bootlab serve` still running? If it was restarted, open the new URL it printed.';

export interface SocketApiOptions {
  createSocket?: (url: string) => SocketLike;
  /** Timer for reconnection attempts (tests pass their own). */
  setTimer?: (run: () => void, ms: number) => void;
}

export function createSocketApi(url: string, options: SocketApiOptions = {}): ClientApi {
  const createSocket = options.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike);
  const setTimer = options.setTimer ?? ((run, ms) => void setTimeout(run, ms));
  const eventListeners = new Set<EventListener>();
  const connectionListeners = new Set<(state: ConnectionState, detail?: string) => void>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const queue: string[] = [];
  let state: ConnectionState = 'connecting';
  let detail: string | undefined;
  let nextId = 1;
  let everOpen = false;
  let failedAttempts = 0;
  let socket: SocketLike;

  const setState = (next: ConnectionState, nextDetail?: string) => {
    state = next;
    detail = nextDetail;
    for (const l of connectionListeners) l(next, nextDetail);
  };

  const connect = () => {
    socket = createSocket(url);
    socket.onopen = () => {
      everOpen = true;
      failedAttempts = 0;
      setState('open');
      for (const text of queue.splice(0)) socket.send(text);
    };
    socket.onclose = () => {
      const wasOpen = state === 'open';
      const reason = everOpen ? LOST : REFUSED;
      for (const { reject } of pending.values()) reject(new Error(reason));
      pending.clear();
      queue.length = 0;
      // Never connected: refused (a wrong or spent token), and trying again cannot help.
      if (!everOpen) return setState('closed', REFUSED);
      if (!wasOpen) failedAttempts++;
      setState('reconnecting', failedAttempts >= PATIENT_ATTEMPTS ? GONE : LOST);
      setTimer(connect, reconnectDelay(failedAttempts));
    };
    socket.onerror = () => {
      // onclose follows with the details.
    };
    socket.onmessage = (ev) => {
      let message: { id?: number | null; reply?: Envelope<unknown>; event?: BootlabEvent; seq?: number };
      try {
        message = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (message.event) {
        const seq = typeof message.seq === 'number' ? message.seq : undefined;
        for (const l of eventListeners) l(message.event, seq);
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
  };
  connect();

  const call = (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    if (state === 'closed' || state === 'reconnecting') return Promise.reject(new Error(detail ?? REFUSED));
    const id = nextId++;
    const text = JSON.stringify({ id, method, args });
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (state === 'open') socket.send(text);
      else queue.push(text);
    });
  };

  const api = {
    onEvent(listener: EventListener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener: (state: ConnectionState, detail?: string) => void) {
      connectionListeners.add(listener);
      listener(state, detail);
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
  if (!instance) {
    // Browser mode: the one-time token has done its work (the server set the session cookie
    // with this page); keep it out of the address bar, the history and bookmarks.
    const clean = withoutToken(window.location.href);
    if (clean !== undefined) window.history.replaceState(window.history.state, '', clean);
    instance = createSocketApi(socketUrl(window.location.href));
  }
  return instance;
}
