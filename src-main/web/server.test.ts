// The browser-mode server over real HTTP and WebSocket, in-process, hosting a fake service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { answer, checkUpgrade, startWebServer, type WebServer } from './server.js';
import { createFakeService, type FakeService } from './fakeService.js';

let dir: string;
let service: FakeService;
let server: WebServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Bootlab</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, '..', 'secret-bootlab.txt'), 'secret');
  service = createFakeService();
  server = await startWebServer({ service, staticDir: dir });
});

afterEach(async () => {
  await server.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(options: { token?: string; origin?: string; path?: string; cookie?: string } = {}): Promise<WebSocket> {
  const token = options.token ?? server.token;
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${options.path ?? '/api'}${query}`, {
    origin: options.origin ?? server.origin,
    headers: options.cookie ? { Cookie: options.cookie } : {},
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, message: unknown): Promise<{ id: number | null; reply: { ok: boolean; value?: unknown; error?: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const parsed = JSON.parse(data.toString());
      if ('reply' in parsed) {
        ws.off('message', onMessage);
        resolve(parsed);
      }
    };
    ws.on('message', onMessage);
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('startWebServer', () => {
  it('listens on 127.0.0.1 with a random port and a long random token', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    const other = await startWebServer({ service, staticDir: dir });
    expect(other.token).not.toBe(server.token);
    expect(other.port).not.toBe(server.port);
    await other.close();
  });

  it('serves the renderer with security headers including the CSP', async () => {
    const res = await get('/?token=x');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Bootlab</title>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const js = await get('/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('refuses path traversal, other methods and foreign Host headers', async () => {
    expect((await get('/../secret-bootlab.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret-bootlab.txt')).status).toBe(404);
    expect((await get('/nope.js')).status).toBe(404);
    expect((await get('/', { Host: 'evil.example:80' })).status).toBe(421);
  });

  it('accepts a WebSocket only with the token and its own Origin', async () => {
    await expect(connect({ token: 'wrong' })).rejects.toThrow('refused 403');
    await expect(connect({ token: '' })).rejects.toThrow('refused 403');
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('refused 403');
    await expect(connect({ origin: `http://localhost:${server.port}` })).rejects.toThrow('refused 403');
    await expect(connect({ path: '/other' })).rejects.toThrow('refused 403');
    const ws = await connect();
    expect(server.clientCount()).toBe(1);
    ws.close();
  });

  it('exchanges the token for a session cookie on the first page load, and only then', async () => {
    const name = `bootlab-session-${server.port}`;
    expect((await get(`/assets/app.js?token=${server.token}`)).headers['set-cookie']).toBeUndefined();
    const first = await get(`/?token=${server.token}`);
    expect(first.status).toBe(200);
    const setCookie = first.headers['set-cookie'] as string[];
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(new RegExp(`^${name}=[A-Za-z0-9_-]{32}; HttpOnly; SameSite=Strict; Path=/$`));
    const cookie = setCookie[0].split(';')[0];
    expect(cookie.split('=')[1]).not.toBe(server.token);

    // The token is spent: a second load gets no cookie and the WebSocket refuses the token.
    expect((await get(`/?token=${server.token}`)).headers['set-cookie']).toBeUndefined();
    await expect(connect()).rejects.toThrow('refused 403');
    // The cookie opens the WebSocket (reloads, new tabs in the same browser); a wrong one does not.
    await expect(connect({ token: '', cookie: `${name}=${'x'.repeat(32)}` })).rejects.toThrow('refused 403');
    await expect(connect({ token: '', cookie: `bootlab-session-1=${cookie.split('=')[1]}` })).rejects.toThrow('refused 403');
    await expect(connect({ token: '', cookie, origin: 'http://evil.example' })).rejects.toThrow('refused 403');
    const ws = await connect({ token: '', cookie: `other=1; ${cookie}` });
    expect(server.clientCount()).toBe(1);
    ws.close();
  });

  it('does not spend the token on a HEAD request or a wrong token', async () => {
    const head = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, method: 'HEAD' }, (res) => {
        res.resume();
        resolve(res.headers);
      });
      req.on('error', reject);
      req.end();
    });
    expect(head['set-cookie']).toBeUndefined();
    expect((await get('/?token=wrong')).headers['set-cookie']).toBeUndefined();
    expect((await get(`/?token=${server.token}`)).headers['set-cookie']).toBeDefined();
  });

  it('answers requests in the envelope and validates every message', async () => {
    const ws = await connect();
    const state = await call(ws, { id: 1, method: 'getState', args: [] });
    expect(state).toMatchObject({ id: 1, reply: { ok: true, value: { version: '0.0.0-test' } } });

    const built = await call(ws, { id: 2, method: 'build', args: [{ profile: 'release' }] });
    expect(built).toEqual({ id: 2, reply: { ok: true, value: null } });
    expect(service.calls.at(-1)).toEqual({ method: 'build', args: [{ profile: 'release' }] });

    const bad = await call(ws, { id: 3, method: 'build', args: [{ profile: 'fast' }] });
    expect(bad.reply.ok).toBe(false);
    expect(bad.reply.error).toContain('profile');

    const unknown = await call(ws, { id: 4, method: 'constructor', args: [] });
    expect(unknown.reply).toEqual({ ok: false, error: 'unknown method "constructor"' });

    const failing = await call(ws, { id: 5, method: 'openProject', args: ['/missing'] });
    expect(failing.reply).toEqual({ ok: false, error: 'no Cargo.toml in /missing' });

    const garbage = await call(ws, '{not json');
    expect(garbage).toEqual({ id: null, reply: { ok: false, error: 'message is not JSON' } });

    // The connection survives bad messages.
    const again = await call(ws, { id: 6, method: 'stop', args: [] });
    expect(again.reply.ok).toBe(true);
    expect(service.calls.filter((c) => c.method === 'build')).toHaveLength(1);
    ws.close();
  });

  it('pushes service events to every client in order', async () => {
    const a = await connect();
    const b = await connect();
    const received: unknown[] = [];
    const seqs: number[] = [];
    const done = new Promise<void>((resolve) => {
      b.on('message', (data) => {
        const message = JSON.parse(data.toString());
        received.push(message.event);
        seqs.push(message.seq);
        if (received.length === 3) resolve();
      });
    });
    service.emit({ type: 'run-start', runId: 1, action: 'build' });
    service.emit({ type: 'serial', runId: 1, base64: 'aGk=' });
    service.emit({ type: 'run-end', runId: 1, outcome: { kind: 'success', message: 'ok' } });
    await done;
    expect(received.map((e) => (e as { type: string }).type)).toEqual(['run-start', 'serial', 'run-end']);
    expect(seqs).toEqual([1, 2, 3]);
    a.close();
    b.close();
  });

  it('answers with an error, and keeps serving, when a value cannot be sent as JSON', async () => {
    const ws = await connect();
    const original = service.getSettings;
    // A BigInt (an address that left the service unconverted): JSON.stringify throws on it.
    service.getSettings = async () => ({ address: 1n }) as never;
    try {
      const broken = await call(ws, { id: 1, method: 'getSettings', args: [] });
      expect(broken).toMatchObject({ id: 1, reply: { ok: false } });
      expect(broken.reply.error).toMatch(/could not be sent.*BigInt/i);
    } finally {
      service.getSettings = original;
    }
    const next = await call(ws, { id: 2, method: 'getState', args: [] });
    expect(next.reply.ok).toBe(true);
    ws.close();
  });

  it('stops listening to the service on close', async () => {
    expect(service.listenerCount()).toBe(1);
    await server.close();
    expect(service.listenerCount()).toBe(0);
    server = await startWebServer({ service, staticDir: dir });
  });
});

describe('checkUpgrade and answer', () => {
  const expected = { token: 'secret-token', session: 'session-secret', origin: 'http://127.0.0.1:5000', port: 5000 };
  it('names the reason for a refusal', () => {
    const headers = { host: '127.0.0.1:5000', origin: 'http://127.0.0.1:5000' };
    expect(checkUpgrade({ url: '/api?token=secret-token', headers }, expected)).toBeNull();
    expect(checkUpgrade({ url: '/api', headers: { ...headers, cookie: 'bootlab-session-5000=session-secret' } }, expected)).toBeNull();
    expect(checkUpgrade({ url: '/api?token=secret-token', headers }, { ...expected, token: undefined })).toBe('wrong token or session');
    expect(checkUpgrade({ url: '/api?token=secret-tokeN', headers }, expected)).toBe('wrong token or session');
    expect(checkUpgrade({ url: '/api', headers: { ...headers, cookie: 'bootlab-session-5001=session-secret' } }, expected)).toBe('no session: open the URL that `bootlab serve` printed');
    expect(checkUpgrade({ url: '/api', headers }, expected)).toBe('no session: open the URL that `bootlab serve` printed');
    expect(checkUpgrade({ url: '/api?token=secret-token', headers: { ...headers, origin: undefined } }, expected)).toBe('wrong Origin');
    expect(checkUpgrade({ url: '/api?token=secret-token', headers: { ...headers, host: 'attacker:5000' } }, expected)).toBe('wrong Host');
  });

  it('rejects messages without an integer id or with bad arguments', async () => {
    const fake = createFakeService();
    expect((await answer(fake, '[]')).reply.ok).toBe(false);
    expect((await answer(fake, '{"id":"1","method":"stop","args":[]}')).reply).toEqual({ ok: false, error: 'message needs an integer id' });
    expect((await answer(fake, '{"id":1,"method":"stop","args":{}}')).reply.ok).toBe(false);
    expect((await answer(fake, '{"id":1,"method":"readGuestMemory","args":[-1,4]}')).reply.ok).toBe(false);
    expect(fake.calls).toEqual([]);
  });
});
