// A test-only stand-in for the preload's `window.bootlab`, installed with page.addInitScript
// before the app loads. Used by the UI benchmark and layout checks; the end-to-end specs use
// the real services through `bootlab serve` instead.
import { emptySession, type AppState, type BootlabEvent } from '../src-main/shared/api.js';

declare global {
  interface Window {
    __bootlabEmit?: (events: BootlabEvent[]) => void;
    __bootlabCalls?: { method: string; args: unknown[] }[];
  }
}

/** Runs in the page: defines window.bootlab answering from `state`, and window.__bootlabEmit. */
export function installFakeBootlab(state: AppState): void {
  const listeners = new Set<(e: BootlabEvent) => void>();
  const calls: { method: string; args: unknown[] }[] = [];
  window.__bootlabCalls = calls;
  window.__bootlabEmit = (events) => {
    for (const e of events) for (const l of listeners) l(e);
  };
  const answer = (method: string) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      if (method === 'getState') return Promise.resolve(state);
      if (method === 'getSettings') return Promise.resolve(state.settings);
      if (method === 'checkToolchain') return Promise.resolve(state.toolchain);
      if (method === 'openProject') return Promise.resolve({ dir: args[0], name: 'kernel', manifestPath: `${args[0]}/Cargo.toml`, features: [] });
      return Promise.resolve(undefined);
    };
  const api: Record<string, unknown> = {
    onEvent(listener: (e: BootlabEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  for (const m of ['getState', 'openProject', 'openSampleProject', 'build', 'boot', 'buildAndBoot', 'stop', 'reset', 'getSettings', 'setSettings', 'checkToolchain', 'readGuestMemory']) {
    api[m] = answer(m);
  }
  (window as unknown as { bootlab: unknown }).bootlab = api;
}

export const FAKE_STATE: AppState = {
  project: { dir: '/home/me/kernel', name: 'kernel', manifestPath: '/home/me/kernel/Cargo.toml', features: [] },
  settings: { profile: 'debug', qemuArgs: [], recentProjects: [], bootTimeoutSeconds: 300 },
  toolchain: { ok: true, platform: 'linux', tools: [] },
  running: false,
  version: '0.1.0',
  session: emptySession(),
};

/** A plausible memory map of `count` regions. */
export function sampleMap(count = 12): BootlabEvent & { type: 'memory-map' } {
  const types = ['FrameZero', 'PageTable', 'Bootloader', 'Usable', 'Kernel', 'KernelStack', 'BootInfo', 'Usable', 'Reserved'] as const;
  const regions = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = i === count - 1 ? 0x40000 : i % 4 === 3 ? 0x800000 : 0x1000 * (1 + (i % 7));
    const start = i === count - 1 ? 0xfffc0000 : at;
    regions.push({ start, end: start + size, type: i === count - 1 ? 'Reserved' : types[i % (types.length - 1)] });
    at = start + size;
  }
  return { type: 'memory-map', runId: 1, map: { regions: regions as never, e820: [] } };
}
