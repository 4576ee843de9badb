// Browser mode: the built renderer over HTTP and the API contract over one WebSocket, bound to
// 127.0.0.1. This server can run cargo and QEMU, so a WebSocket is accepted only from a browser
// holding this server's session cookie (or with the printed token while it is still unused) and
// with an Origin equal to the server's own origin; the Host header must name this server (no DNS
// rebinding), and every request is validated against the contract before it reaches the services.
//
// The token: the printed URL's token is good for one page load. That load is answered with an
// HttpOnly, SameSite=Strict session cookie named after the port (two servers on 127.0.0.1 share
// a cookie jar, since cookies ignore ports), and the page removes the token from its address
// bar. A copied URL, a history entry or a command line seen in `ps` is useless after that.
//
// Wire format (mirrored by src-renderer/src/lib/api.ts):
//   client -> server  { id: number, method: ApiMethod, args: unknown[] }
//   server -> client  { id: number, reply: Envelope<unknown> }   (answer to one request)
//                     { event: BootlabEvent, seq: number }        (pushed, in order; seq as in
//                                                                  AppState.session.seq)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BootlabApi, BootlabEvent, Envelope } from '../shared/api.js';
import { mimeType, staticFilePath } from '../services/staticFiles.js';
import { validateRequest } from '../shared/validate.js';

/** What browser mode hosts: the contract plus its event stream (createBootlabService's shape). */
export interface HostedService extends BootlabApi {
  onEvent(listener: (event: BootlabEvent, seq: number) => void): () => void;
}

export interface WebServerOptions {
  service: HostedService;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** A fixed token (tests); by default a fresh random one. */
  token?: string;
}

export interface WebServer {
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Number of connected WebSocket clients. */
  clientCount(): number;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';
export const API_PATH = '/api';
/** Requests larger than this are refused by the WebSocket layer itself. */
const MAX_MESSAGE_BYTES = 1 << 20;

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // xterm.js positions its rows with inline styles (ELECTRON-NOTES section 6).
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ws://${HOST}:${port}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The token travels in the page URL: never leak it in a Referer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
    'Cache-Control': 'no-store',
  };
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Allowed Host header values: this server under the name it printed, or localhost. */
function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `${HOST}:${port}` || host === `localhost:${port}`;
}

/** The session cookie's name: one per port, so two servers on 127.0.0.1 do not clash. */
export function sessionCookieName(port: number): string {
  return `bootlab-session-${port}`;
}

/** A cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface Credentials {
  /** The printed token while no page load has used it; undefined afterwards. */
  token: string | undefined;
  /** The session cookie's secret. */
  session: string;
  origin: string;
  port: number;
}

/** Decides whether a WebSocket upgrade may proceed; returns the refusal reason or null. */
export function checkUpgrade(request: { url?: string; headers: { origin?: string; host?: string; cookie?: string } }, expected: Credentials): string | null {
  const url = new URL(request.url ?? '/', 'http://placeholder');
  if (url.pathname !== API_PATH) return 'unknown path';
  if (!hostAllowed(request.headers.host, expected.port)) return 'wrong Host';
  if (request.headers.origin !== expected.origin) return 'wrong Origin';
  const cookie = cookieValue(request.headers.cookie, sessionCookieName(expected.port));
  if (cookie !== undefined && sameSecret(cookie, expected.session)) return null;
  const token = url.searchParams.get('token');
  if (token && expected.token !== undefined && sameSecret(token, expected.token)) return null;
  return cookie === undefined && !token ? 'no session: open the URL that `bootlab serve` printed' : 'wrong token or session';
}

/**
 * The first load of the page with the printed token: exchanges the token for the session cookie
 * and makes the token useless from then on. Returns the Set-Cookie header to send, if any.
 */
export function exchangeToken(requestUrl: string | undefined, credentials: Credentials): string | undefined {
  if (credentials.token === undefined) return undefined;
  const url = new URL(requestUrl ?? '/', 'http://placeholder');
  if (url.pathname !== '/' && url.pathname !== '/index.html') return undefined;
  const token = url.searchParams.get('token');
  if (!token || !sameSecret(token, credentials.token)) return undefined;
  credentials.token = undefined;
  // No Max-Age: a session cookie, gone when the browser closes; Path=/ covers /api.
  return `${sessionCookieName(credentials.port)}=${credentials.session}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Handles one decoded message from a client and returns the reply to send (or null). */
export async function answer(service: BootlabApi, raw: string): Promise<{ id: number | null; reply: Envelope<unknown> }> {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return { id: null, reply: { ok: false, error: 'message is not JSON' } };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { id: null, reply: { ok: false, error: 'message must be an object' } };
  }
  const { id, method, args } = message as { id?: unknown; method?: unknown; args?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return { id: null, reply: { ok: false, error: 'message needs an integer id' } };
  }
  let request: ReturnType<typeof validateRequest>;
  try {
    request = validateRequest(method, args);
  } catch (error) {
    return { id, reply: { ok: false, error: errorMessage(error) } };
  }
  try {
    const fn = service[request.method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(service, request.args);
    return { id, reply: { ok: true, value: value ?? null } };
  } catch (error) {
    return { id, reply: { ok: false, error: errorMessage(error) } };
  }
}

/**
 * A message as JSON; a value JSON cannot carry (a BigInt, a cycle) becomes an error reply naming
 * the problem instead of an exception that would leave the page waiting for ever.
 */
function encodeOrError(message: { id?: number | null; reply?: unknown; event?: { type: string }; seq?: number }): string {
  try {
    return JSON.stringify(message);
  } catch (error) {
    const what = message.event ? `the ${message.event.type} event` : 'the reply';
    process.stderr.write(`bootlab serve: ${what} could not be sent: ${errorMessage(error)}\n`);
    return JSON.stringify({ id: message.id ?? null, reply: { ok: false, error: `${what} could not be sent: ${errorMessage(error)}` } });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string | string[]>): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed\n');
    return;
  }
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://placeholder').pathname;
  } catch {
    res.writeHead(400, { ...headers, 'Content-Type': 'text/plain' }).end('Bad request\n');
    return;
  }
  const file = staticFilePath(root, pathname);
  if (file === undefined) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('Not found\n');
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, {
      ...headers,
      'Content-Type': mimeType(file),
      'Content-Length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('Not found\n');
  }
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const root = resolve(options.staticDir);
  const token = options.token ?? newToken();
  const credentials: Credentials = { token, session: newToken(), origin: '', port: 0 };
  const clients = new Set<WebSocket>();
  let port = 0;
  let origin = '';
  let headers: Record<string, string> = {};

  const http: Server = createServer((req, res) => {
    if (!hostAllowed(req.headers.host, port)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request\n');
      return;
    }
    const setCookie = req.method === 'GET' ? exchangeToken(req.url, credentials) : undefined;
    serveStatic(root, req, res, setCookie ? { ...headers, 'Set-Cookie': setCookie } : headers).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  http.on('upgrade', (req, socket, head) => {
    const refusal = checkUpgrade(req, credentials);
    if (refusal) {
      socket.write(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${refusal}\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(JSON.stringify({ id: null, reply: { ok: false, error: 'binary messages are not accepted' } }));
        return;
      }
      void answer(options.service, data.toString()).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(encodeOrError(result));
      });
    });
  });

  const unsubscribe = options.service.onEvent((event, seq) => {
    if (clients.size === 0) return;
    const text = encodeOrError({ event, seq });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolvePromise, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, HOST, () => {
      http.off('error', reject);
      resolvePromise();
    });
  });
  port = (http.address() as AddressInfo).port;
  origin = `http://${HOST}:${port}`;
  headers = securityHeaders(port);
  credentials.origin = origin;
  credentials.port = port;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    clientCount: () => clients.size,
    close: async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      clients.clear();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/** Where the renderer's index.html must exist for browser mode to serve it. */
export function rendererIndex(staticDir: string): string {
  return join(staticDir, 'index.html');
}
