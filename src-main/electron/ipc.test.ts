// The IPC registration: sender checks, validation and the envelope, with a fake ipcMain.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type BootlabApi, type BootlabEvent } from '../shared/api.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.js';
import { forwardEvents, handleInvoke, registerIpc } from './ipc.js';
import { isTrustedSender } from './window.js';

const APP = 'file:///app/out/renderer/index.html';

function fakeService(): BootlabApi {
  return {
    getState: vi.fn(async () => ({ settings: DEFAULT_SETTINGS, toolchain: { ok: true, platform: 'linux', tools: [] }, running: false, version: '1' })),
    openProject: vi.fn(async (dir: string) => {
      throw new Error(`${dir} is not a Rust crate`);
    }),
    openSampleProject: vi.fn(),
    build: vi.fn(async () => {}),
    boot: vi.fn(),
    buildAndBoot: vi.fn(),
    stop: vi.fn(async () => {}),
    reset: vi.fn(),
    getSettings: vi.fn(),
    setSettings: vi.fn(async (p) => ({ ...DEFAULT_SETTINGS, ...p })),
    checkToolchain: vi.fn(),
    readGuestMemory: vi.fn(),
  } as unknown as BootlabApi;
}

const trusted = { senderFrame: { url: APP, parent: null } } as never;
const check = (event: { senderFrame: unknown }) => isTrustedSender(event.senderFrame as never, APP);

describe('handleInvoke', () => {
  it('answers a valid request from the app window in the envelope', async () => {
    const service = fakeService();
    expect(await handleInvoke(service, check, trusted, 'build', [{ profile: 'debug' }])).toEqual({ ok: true, value: null });
    expect(service.build).toHaveBeenCalledWith({ profile: 'debug' });
    const state = await handleInvoke(service, check, trusted, 'getState', []);
    expect(state).toMatchObject({ ok: true, value: { version: '1' } });
  });

  it('refuses requests from other frames and pages before validating them', async () => {
    const service = fakeService();
    const subframe = { senderFrame: { url: APP, parent: {} } } as never;
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } } as never;
    const gone = { senderFrame: null } as never;
    for (const event of [subframe, foreign, gone]) {
      expect(await handleInvoke(service, check, event, 'stop', [])).toEqual({ ok: false, error: 'request refused: it did not come from the Bootlab window' });
    }
    expect(service.stop).not.toHaveBeenCalled();
  });

  it('validates methods and arguments, and turns service errors into messages', async () => {
    const service = fakeService();
    expect(await handleInvoke(service, check, trusted, 'toString', [])).toEqual({ ok: false, error: 'unknown method "toString"' });
    expect((await handleInvoke(service, check, trusted, 'build', [{ profile: 'fast' }])).ok).toBe(false);
    expect((await handleInvoke(service, check, trusted, 'setSettings', [{ qemuPath: 5 }])).ok).toBe(false);
    expect((await handleInvoke(service, check, trusted, 'stop', 'nope')).ok).toBe(false);
    expect(service.build).not.toHaveBeenCalled();
    expect(await handleInvoke(service, check, trusted, 'openProject', ['/tmp/x'])).toEqual({ ok: false, error: '/tmp/x is not a Rust crate' });
    expect(await handleInvoke(service, check, trusted, 'setSettings', [{ windowBounds: { width: 1000, height: 700 } }])).toMatchObject({ ok: true });
  });
});

describe('registerIpc and forwardEvents', () => {
  it('registers one invoke channel and removes it', async () => {
    const handlers = new Map<string, (...a: unknown[]) => unknown>();
    const ipcMain = {
      handle: vi.fn((channel: string, fn: (...a: unknown[]) => unknown) => handlers.set(channel, fn)),
      removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
    };
    const service = fakeService();
    const off = registerIpc(ipcMain as never, service, check);
    expect([...handlers.keys()]).toEqual([INVOKE_CHANNEL]);
    expect(await handlers.get(INVOKE_CHANNEL)!(trusted, 'stop', [])).toEqual({ ok: true, value: null });
    off();
    expect(handlers.size).toBe(0);
  });

  it('sends events to the window until it is destroyed', () => {
    let listener: (e: BootlabEvent, seq: number) => void = () => {};
    const unsubscribe = vi.fn();
    const service = { onEvent: (l: (e: BootlabEvent, seq: number) => void) => ((listener = l), unsubscribe) };
    let destroyed = false;
    const sent: unknown[] = [];
    const off = forwardEvents(service, { isDestroyed: () => destroyed, send: (channel, event, seq) => sent.push([channel, event, seq]) });
    listener({ type: 'run-start', runId: 1, action: 'build' }, 7);
    destroyed = true;
    listener({ type: 'run-start', runId: 2, action: 'build' }, 8);
    expect(sent).toEqual([[EVENT_CHANNEL, { type: 'run-start', runId: 1, action: 'build' }, 7]]);
    off();
    expect(unsubscribe).toHaveBeenCalled();
  });
});
