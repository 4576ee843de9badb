// The window starts from the session the service kept (reload, new tab, reconnection) and then
// follows the pushed events without showing any twice.
import { describe, expect, it, vi } from 'vitest';
import { emptySession, type AppState, type BootlabEvent, type SessionSnapshot } from '../../../src-main/shared/api.js';
import type { ClientApi, ConnectionState } from './api.js';
import { SessionModel } from './session.svelte.js';
import { immediate } from './schedule.js';

const b64 = (text: string) => btoa(text);

function vgaBase64(text: string): string {
  const bytes = new Uint8Array(4000);
  text.split('').forEach((c, i) => ((bytes[i * 2] = c.charCodeAt(0)), (bytes[i * 2 + 1] = 7)));
  return btoa(String.fromCharCode(...bytes));
}

const RUNNING: SessionSnapshot = {
  ...emptySession(),
  seq: 40,
  runId: 3,
  action: 'build-and-boot',
  running: true,
  stages: [
    { stage: 'build', state: 'ok', ms: 1200 },
    { stage: 'boot', state: 'running', elapsedMs: 300 },
  ],
  log: [{ source: 'cargo', text: 'Compiling sample-kernel\nFinished' }],
  diagnostics: [{ level: 'warning', message: 'unused variable', file: 'src/main.rs', line: 4 }],
  artifact: { kernelPath: '/k/kernel', imageBytes: 1024 },
  serialBase64: b64('Hello from serial\n'),
  bootLog: ['stage 2', 'long mode'],
  vga: { base64: vgaBase64('Hello VGA') },
  memoryMap: { regions: [{ start: 0, end: 4096, type: 'FrameZero' }, { start: 4096, end: 8192, type: 'Usable' }], e820: [] },
};

function state(session: SessionSnapshot, running = session.running): AppState {
  return {
    project: { dir: '/k', name: 'k', manifestPath: '/k/Cargo.toml', features: [] },
    settings: { profile: 'debug', qemuArgs: [], recentProjects: [], bootTimeoutSeconds: 300 },
    toolchain: { ok: true, platform: 'linux', tools: [] },
    running,
    version: '1.0.0',
    session,
  };
}

function fakeApi(getState: () => Promise<AppState>) {
  let push: (e: BootlabEvent, seq?: number) => void = () => {};
  let connection: (s: ConnectionState, d?: string) => void = () => {};
  const api = {
    onEvent: (l: (e: BootlabEvent, seq?: number) => void) => ((push = l), () => {}),
    onConnection: (l: (s: ConnectionState, d?: string) => void) => ((connection = l), l('connecting'), () => {}),
    getState: vi.fn(getState),
  } as unknown as ClientApi;
  return { api, push: (e: BootlabEvent, seq?: number) => push(e, seq), connection: (s: ConnectionState, d?: string) => connection(s, d) };
}

describe('SessionModel and the kept session', () => {
  it('shows everything the session kept when the window loads during a run', async () => {
    const fake = fakeApi(async () => state(RUNNING));
    const session = new SessionModel(fake.api, { schedule: immediate, now: () => 10_000 });
    session.start();
    expect(fake.api.getState).not.toHaveBeenCalled();
    fake.connection('open');
    await vi.waitFor(() => expect(session.version).toBe('1.0.0'));

    expect(session.running).toBe(true);
    expect(session.runId).toBe(3);
    expect(session.statusText).toBe('Boot…');
    expect(session.stages).toEqual([
      { stage: 'build', state: 'ok', ms: 1200, detail: undefined, startedAt: 8800 },
      { stage: 'boot', state: 'running', ms: undefined, detail: undefined, startedAt: 9700 },
    ]);
    expect(session.buildLog.lines.map((l) => l.text)).toEqual(['Compiling sample-kernel', 'Finished']);
    expect(session.diagnostics.map((d) => d.message)).toEqual(['unused variable']);
    expect(session.artifact).toEqual({ kernelPath: '/k/kernel', imageBytes: 1024 });
    expect(session.serial.text()).toBe('Hello from serial\n');
    expect(session.bootLog).toEqual(['stage 2', 'long mode']);
    expect(session.vgaSeen).toBe(true);
    expect(session.memoryMap.map?.regions).toHaveLength(2);
    expect(session.activeTab).toBe('console');
  });

  it('shows the run result after the run, and drops pushed events the snapshot already holds', async () => {
    let answer!: (s: AppState) => void;
    const fake = fakeApi(() => new Promise((resolve) => (answer = resolve)));
    const session = new SessionModel(fake.api, { schedule: immediate, now: () => 10_000 });
    session.start();
    fake.connection('open');
    // While the snapshot travels, events arrive: one it includes (seq 41) and one newer (42).
    fake.push({ type: 'serial', runId: 3, base64: b64('more\n') }, 41);
    fake.push({ type: 'run-end', runId: 3, outcome: { kind: 'stopped', message: 'Stopped' } }, 42);
    expect(session.serial.text()).toBe('');
    const kept = { ...RUNNING, seq: 41, serialBase64: b64('Hello from serial\nmore\n') };
    answer(state(kept));
    await vi.waitFor(() => expect(session.outcome?.message).toBe('Stopped'));
    expect(session.serial.text()).toBe('Hello from serial\nmore\n');
    expect(session.running).toBe(false);

    // Late duplicates are ignored; new events apply.
    fake.push({ type: 'boot-log', runId: 3, line: 'old' }, 42);
    fake.push({ type: 'boot-log', runId: 3, line: 'new' }, 43);
    expect(session.bootLog).toEqual(['stage 2', 'long mode', 'new']);
  });

  it('says "Reconnecting…" while the connection is away, without an error banner, then reloads the session', async () => {
    let current = RUNNING;
    const fake = fakeApi(async () => state(current));
    const session = new SessionModel(fake.api, { schedule: immediate, now: () => 10_000 });
    session.start();
    fake.connection('open');
    await vi.waitFor(() => expect(session.serial.text()).toBe('Hello from serial\n'));
    session.activeTab = 'memory';
    session.memoryMap.select(1);

    fake.connection('reconnecting', 'The connection to Bootlab was lost: reconnecting…');
    expect(session.statusText).toBe('Reconnecting…');
    expect(session.canRun).toBe(false);
    expect(session.messages).toEqual([]);

    // Meanwhile the run went on and ended; the snapshot after the reconnection says so.
    current = {
      ...RUNNING,
      seq: 60,
      running: false,
      stages: [RUNNING.stages[0], { stage: 'boot', state: 'failed', ms: 800 }],
      serialBase64: b64('Hello from serial\nbye\n'),
      outcome: { kind: 'stopped', message: 'Stopped' },
    };
    fake.connection('open');
    await vi.waitFor(() => expect(session.outcome?.message).toBe('Stopped'));
    expect(fake.api.getState).toHaveBeenCalledTimes(2);
    expect(session.serial.text()).toBe('Hello from serial\nbye\n');
    expect(session.statusText).toBe('Stopped');
    // The user's tab and selection in the unchanged memory map stay.
    expect(session.activeTab).toBe('memory');
    expect(session.memoryMap.selected).toBe(1);
  });

  it('shows an empty window for an empty session (no run yet)', async () => {
    const fake = fakeApi(async () => state(emptySession()));
    const session = new SessionModel(fake.api, { schedule: immediate, now: () => 0 });
    session.start();
    fake.connection('open');
    await vi.waitFor(() => expect(session.version).toBe('1.0.0'));
    expect(session.statusText).toBe('Ready');
    expect(session.stages).toEqual([]);
    expect(session.vgaSeen).toBe(false);
    expect(session.memoryMap.map).toBeUndefined();
  });
});
