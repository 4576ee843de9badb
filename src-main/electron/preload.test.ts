// The preload with `electron` mocked: one bridged object, methods that unwrap the envelope.
import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, Record<string, (...a: unknown[]) => unknown>> = {};
const invoke = vi.fn();
const on = vi.fn();
const removeListener = vi.fn();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (name: string, api: Record<string, (...a: unknown[]) => unknown>) => (exposed[name] = api) },
  ipcRenderer: { invoke, on, removeListener },
}));

describe('preload', () => {
  it('exposes window.bootlab with the contract methods and no raw IPC', async () => {
    await import('./preload.js');
    const api = exposed.bootlab;
    expect(Object.keys(exposed)).toEqual(['bootlab']);
    expect(Object.keys(api).sort()).toEqual(
      ['onEvent', 'getState', 'openProject', 'openSampleProject', 'build', 'boot', 'buildAndBoot', 'stop', 'reset', 'getSettings', 'setSettings', 'checkToolchain', 'readGuestMemory', 'runTests', 'getTestsState', 'setWatch', 'openLocation', 'pause', 'resume', 'step', 'cpuState', 'pageTables', 'readMemory'].sort(),
    );
    expect(api).not.toHaveProperty('invoke');

    invoke.mockResolvedValueOnce({ ok: true, value: { version: '1' } });
    await expect(api.getState()).resolves.toEqual({ version: '1' });
    expect(invoke).toHaveBeenLastCalledWith('bootlab:invoke', 'getState', []);

    invoke.mockResolvedValueOnce({ ok: false, error: 'no project open' });
    await expect(api.build({ profile: 'debug' })).rejects.toThrow('no project open');

    const listener = vi.fn();
    const off = api.onEvent(listener) as () => void;
    const wrapped = on.mock.calls[0][1];
    wrapped({}, { type: 'run-start', runId: 1, action: 'build' }, 12);
    expect(listener).toHaveBeenCalledWith({ type: 'run-start', runId: 1, action: 'build' }, 12);
    wrapped({}, { type: 'run-end', runId: 1, outcome: { kind: 'stopped', message: '' } }, 'not a number');
    expect(listener).toHaveBeenLastCalledWith({ type: 'run-end', runId: 1, outcome: { kind: 'stopped', message: '' } }, undefined);
    off();
    expect(removeListener).toHaveBeenCalledWith('bootlab:event', wrapped);
    expect(() => api.onEvent('nope')).toThrow(TypeError);
  });
});
