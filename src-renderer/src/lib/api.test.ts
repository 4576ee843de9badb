// The browser-mode client against a scripted socket.
import { describe, expect, it } from 'vitest';
import { createSocketApi, reconnectDelay, socketUrl, withoutToken, type ConnectionState } from './api.js';

class FakeSocket {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

describe('socketUrl and withoutToken', () => {
  it('connects to /api without the token (the session cookie goes with the WebSocket)', () => {
    expect(socketUrl('http://127.0.0.1:4567/?token=abc_-1')).toBe('ws://127.0.0.1:4567/api');
    expect(socketUrl('http://127.0.0.1:4567/')).toBe('ws://127.0.0.1:4567/api');
  });

  it('gives the address without the token, or undefined when there is none', () => {
    expect(withoutToken('http://127.0.0.1:4567/?token=abc_-1')).toBe('/');
    expect(withoutToken('http://127.0.0.1:4567/?a=1&token=abc#x')).toBe('/?a=1#x');
    expect(withoutToken('http://127.0.0.1:4567/')).toBeUndefined();
  });
});

describe('createSocketApi', () => {
  function setup() {
    let socket!: FakeSocket;
    const api = createSocketApi('ws://x/api', { createSocket: () => (socket = new FakeSocket()), setTimer: () => {} });
    return { api, socket };
  }

  it('queues calls until open, then resolves and rejects by id', async () => {
    const { api, socket } = setup();
    const state = api.getState();
    const built = api.build({ profile: 'debug' });
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([
      { id: 1, method: 'getState', args: [] },
      { id: 2, method: 'build', args: [{ profile: 'debug' }] },
    ]);
    socket.receive({ id: 2, reply: { ok: false, error: 'no project open' } });
    socket.receive({ id: 1, reply: { ok: true, value: { version: '1' } } });
    await expect(state).resolves.toEqual({ version: '1' });
    await expect(built).rejects.toThrow('no project open');
  });

  it('delivers pushed events to listeners until they unsubscribe', () => {
    const { api, socket } = setup();
    socket.open();
    const seen: string[] = [];
    const off = api.onEvent((e) => seen.push(e.type));
    socket.receive({ event: { type: 'run-start', runId: 1, action: 'build' } });
    socket.receive('not json at all');
    off();
    socket.receive({ event: { type: 'run-end', runId: 1, outcome: { kind: 'success', message: '' } } });
    expect(seen).toEqual(['run-start']);
  });

  it('explains a refused connection and a lost one, and fails pending calls', async () => {
    const refused = setup();
    const states: [ConnectionState, string | undefined][] = [];
    refused.api.onConnection!((s, d) => states.push([s, d]));
    const pending = refused.api.stop();
    refused.socket.onclose?.({ code: 1006, reason: '' });
    await expect(pending).rejects.toThrow('refused the connection');
    expect(states.map((s) => s[0])).toEqual(['connecting', 'closed']);
    await expect(refused.api.getState()).rejects.toThrow('refused');

    const lost = setup();
    lost.socket.open();
    const during = lost.api.getState();
    lost.socket.onclose?.({ code: 1006, reason: '' });
    await expect(during).rejects.toThrow('connection to Bootlab was lost');
    await expect(lost.api.getState()).rejects.toThrow('connection to Bootlab was lost');
  });

  it('reconnects by itself with backoff after losing an open connection, and says so', async () => {
    const sockets: FakeSocket[] = [];
    const timers: { run: () => void; ms: number }[] = [];
    const api = createSocketApi('ws://x/api', {
      createSocket: () => {
        sockets.push(new FakeSocket());
        return sockets.at(-1)!;
      },
      setTimer: (run, ms) => timers.push({ run, ms }),
    });
    const states: [ConnectionState, string | undefined][] = [];
    api.onConnection!((s, d) => states.push([s, d]));
    const seen: [string, number | undefined][] = [];
    api.onEvent((e, seq) => seen.push([e.type, seq]));
    sockets[0].open();
    sockets[0].receive({ event: { type: 'run-start', runId: 1, action: 'build' }, seq: 41 });
    sockets[0].onclose?.({ code: 1006, reason: '' });
    expect(states.at(-1)).toEqual(['reconnecting', 'The connection to Bootlab was lost: reconnecting…']);

    // Attempts fail while the server is away: each waits longer, and after a few the status
    // says the server may be gone; it keeps trying.
    for (let i = 0; i < 5; i++) {
      expect(timers).toHaveLength(i + 1);
      timers[i].run();
      expect(sockets).toHaveLength(i + 2);
      if (i < 4) sockets[i + 1].onclose?.({ code: 1006, reason: '' });
    }
    expect(timers.map((t) => t.ms)).toEqual([250, 500, 1000, 2000, 4000]);
    expect(states.filter(([s]) => s === 'reconnecting').at(-1)?.[1]).toContain('is `bootlab serve` still running?');
    expect(states.some(([s]) => s === 'closed')).toBe(false);

    // The fifth attempt gets through: open again, calls and events flow on the new socket.
    const fresh = sockets[5];
    fresh.open();
    expect(states.at(-1)).toEqual(['open', undefined]);
    const state = api.getState();
    expect(JSON.parse(fresh.sent[0])).toMatchObject({ method: 'getState' });
    fresh.receive({ id: JSON.parse(fresh.sent[0]).id, reply: { ok: true, value: { version: '2' } } });
    await expect(state).resolves.toEqual({ version: '2' });
    fresh.receive({ event: { type: 'run-end', runId: 1, outcome: { kind: 'success', message: '' } }, seq: 42 });
    expect(seen).toEqual([
      ['run-start', 41],
      ['run-end', 42],
    ]);

    // Losing it again starts over at the shortest wait.
    fresh.onclose?.({ code: 1006, reason: '' });
    expect(timers.at(-1)?.ms).toBe(250);
  });

  it('waits at most 5 s between attempts', () => {
    expect([0, 1, 2, 3, 4, 5, 10, 50].map(reconnectDelay)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });
});
