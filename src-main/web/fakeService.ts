// A small in-memory BootlabApi for unit tests of the transports (never proof a feature works).
import { DEFAULT_SETTINGS, emptySession, type AppState, type BootlabApi, type BootlabEvent, type Settings } from '../shared/api.js';
import { emptyTestsState } from '../shared/tests.js';

export interface FakeService extends BootlabApi {
  onEvent(listener: (event: BootlabEvent, seq: number) => void): () => void;
  emit(event: BootlabEvent): void;
  calls: { method: string; args: unknown[] }[];
  listenerCount(): number;
}

export function createFakeService(): FakeService {
  const listeners = new Set<(event: BootlabEvent, seq: number) => void>();
  let seq = 0;
  const calls: { method: string; args: unknown[] }[] = [];
  let settings: Settings = { ...DEFAULT_SETTINGS };
  const record = (method: string, args: unknown[]) => calls.push({ method, args });
  const state = (): AppState => ({
    settings,
    toolchain: { ok: true, platform: 'linux', tools: [] },
    running: false,
    version: '0.0.0-test',
    session: emptySession(),
  });
  return {
    calls,
    listenerCount: () => listeners.size,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      seq++;
      for (const l of listeners) l(event, seq);
    },
    async getState() {
      record('getState', []);
      return state();
    },
    async openProject(dir) {
      record('openProject', [dir]);
      if (dir.includes('missing')) throw new Error(`no Cargo.toml in ${dir}`);
      return { dir, name: 'kernel', manifestPath: `${dir}/Cargo.toml`, features: [] };
    },
    async openSampleProject() {
      record('openSampleProject', []);
      return { dir: '/sample', name: 'sample-kernel', manifestPath: '/sample/Cargo.toml', features: [] };
    },
    async build(options) {
      record('build', [options]);
    },
    async boot(options) {
      record('boot', [options]);
    },
    async buildAndBoot(options) {
      record('buildAndBoot', [options]);
    },
    async stop() {
      record('stop', []);
    },
    async reset() {
      record('reset', []);
    },
    async getSettings() {
      record('getSettings', []);
      return settings;
    },
    async setSettings(patch) {
      record('setSettings', [patch]);
      settings = { ...settings, ...patch };
      return settings;
    },
    async checkToolchain() {
      record('checkToolchain', []);
      return state().toolchain;
    },
    async readGuestMemory(address, length) {
      record('readGuestMemory', [address, length]);
      return Buffer.alloc(length).toString('base64');
    },
    async runTests(request) {
      record('runTests', [request]);
    },
    async openLocation(location) {
      record('openLocation', [location]);
    },
    async getTestsState() {
      record('getTestsState', []);
      return emptyTestsState();
    },
    async setWatch(on) {
      record('setWatch', [on]);
    },
    async pause() {
      record('pause', []);
    },
    async resume() {
      record('resume', []);
    },
    async step(count) {
      record('step', [count]);
    },
    async cpuState() {
      record('cpuState', []);
      throw new Error('No virtual machine is running');
    },
    async pageTables() {
      record('pageTables', []);
      throw new Error('No virtual machine is running');
    },
    async readMemory(request) {
      record('readMemory', [request]);
      throw new Error('No virtual machine is running');
    },
  };
}
