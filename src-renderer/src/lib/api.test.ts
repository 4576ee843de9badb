// The browser-mode client against a scripted socket.
import { describe, expect, it } from 'vitest';
import { createSocketApi, socketUrl, type ConnectionState } from './api.js';

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

describe('socketUrl', () => {
  it('carries the page token to /api', () => {
    expect(socketUrl('http://127.0.0.1:4567/?token=abc_-1')).toBe('ws://127.0.0.1:4567/api?token=abc_-1');
    expect(socketUrl('http://127.0.0.1:4567/')).toBe('ws://127.0.0.1:4567/api?token=');
  });
});

describe('createSocketApi', () => {
  function setup() {
    let socket!: FakeSocket;
    const api = createSocketApi('ws://x/api?token=t', () => (socket = new FakeSocket()));
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
    lost.socket.onclose?.({ code: 1006, reason: '' });
    await expect(lost.api.getState()).rejects.toThrow('connection to Bootlab was lost');
  });
});
