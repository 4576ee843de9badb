// SessionModel against a fake ClientApi: events drive the views, actions reach the API,
// failures become messages.
import { describe, expect, it, vi } from 'vitest';
import { emptySession, type AppState, type BootlabEvent } from '../../../src-main/shared/api.js';
import type { ClientApi, ConnectionState } from './api.js';
import { SessionModel } from './session.svelte.js';
import { immediate } from './schedule.js';
import { emptyTestsState } from '../../../src-main/shared/tests.js';

const STATE: AppState = {
  project: { dir: '/k', name: 'k', manifestPath: '/k/Cargo.toml', features: [] },
  settings: { profile: 'release', qemuArgs: [], recentProjects: [], bootTimeoutSeconds: 300 },
  toolchain: { ok: false, platform: 'linux', tools: [{ name: 'qemu', found: false, install: 'sudo apt-get install qemu-system-x86' }, { name: 'cargo', found: true }] },
  running: false,
  version: '1.2.3',
  session: emptySession(),
};

function fakeApi(overrides: Partial<ClientApi> = {}) {
  let emit: (e: BootlabEvent) => void = () => {};
  let setConnection: (s: ConnectionState, d?: string) => void = () => {};
  const api = {
    onEvent: (l: (e: BootlabEvent) => void) => ((emit = l), () => {}),
    onConnection: (l: (s: ConnectionState, d?: string) => void) => ((setConnection = l), l('open'), () => {}),
    getState: vi.fn(async () => STATE),
    openProject: vi.fn(async (dir: string) => ({ dir, name: 'x', manifestPath: `${dir}/Cargo.toml`, features: [] })),
    openSampleProject: vi.fn(async () => ({ dir: '/sample', name: 'sample', manifestPath: '/sample/Cargo.toml', features: [] })),
    build: vi.fn(async () => {}),
    boot: vi.fn(async () => {}),
    buildAndBoot: vi.fn(async () => {}),
    stop: vi.fn(async () => {}),
    reset: vi.fn(async () => {}),
    getSettings: vi.fn(async () => STATE.settings),
    setSettings: vi.fn(async (p) => ({ ...STATE.settings, ...p })),
    checkToolchain: vi.fn(async () => ({ ...STATE.toolchain, ok: true, tools: [] })),
    readGuestMemory: vi.fn(async () => ''),
    runTests: vi.fn(async () => {}),
    getTestsState: vi.fn(async () => emptyTestsState()),
    setWatch: vi.fn(async () => {}),
    openLocation: vi.fn(async () => {}),
    pause: vi.fn(async () => {}),
    resume: vi.fn(async () => {}),
    step: vi.fn(async () => {}),
    cpuState: vi.fn(async () => Promise.reject(new Error('No virtual machine is running'))),
    pageTables: vi.fn(async () => Promise.reject(new Error('No virtual machine is running'))),
    readMemory: vi.fn(async () => Promise.reject(new Error('No virtual machine is running'))),
    ...overrides,
  } satisfies ClientApi;
  return { api, emit: (e: BootlabEvent) => emit(e), setConnection: (s: ConnectionState, d?: string) => setConnection(s, d) };
}

async function started(overrides: Partial<ClientApi> = {}) {
  const fake = fakeApi(overrides);
  const session = new SessionModel(fake.api, { schedule: immediate, now: () => 1000 });
  session.start();
  await vi.waitFor(() => expect(fake.api.getState).toHaveBeenCalled());
  await Promise.resolve();
  return { session, ...fake };
}

describe('SessionModel', () => {
  it('loads the state: project, profile, toolchain, version', async () => {
    const { session } = await started();
    expect(session.project?.dir).toBe('/k');
    expect(session.projectInput).toBe('/k');
    expect(session.profile).toBe('release');
    expect(session.version).toBe('1.2.3');
    expect(session.missingTools.map((t) => t.name)).toEqual(['qemu']);
    expect(session.canRun).toBe(true);
    expect(session.statusText).toBe('Ready');
  });

  it("starts the Firmware select at the project's firmware, keeps the user's choice for the project's runs, and sends it with each run", async () => {
    const { session, api, emit } = await started();
    expect(session.firmware).toBe('bios');
    emit({ type: 'project', project: { dir: '/u', name: 'u', manifestPath: '/u/Cargo.toml', features: [], firmware: 'uefi' } });
    expect(session.firmware).toBe('uefi');
    await session.run('build');
    expect(api.build).toHaveBeenLastCalledWith({ profile: 'release', firmware: 'uefi' });
    session.firmware = 'bios';
    // The same project again (its new last build) leaves the choice alone.
    emit({ type: 'project', project: { dir: '/u', name: 'u', manifestPath: '/u/Cargo.toml', features: [], firmware: 'uefi', lastBuild: { kernelPath: '/u/k', profile: 'release' } } });
    expect(session.firmware).toBe('bios');
    await session.run('buildAndBoot');
    expect(api.buildAndBoot).toHaveBeenLastCalledWith({ profile: 'release', firmware: 'bios' });
  });

  it('runs actions with the chosen profile and reports failures as messages', async () => {
    const { session, api } = await started({ buildAndBoot: vi.fn(async () => Promise.reject(new Error('cargo not found'))) });
    await session.run('build');
    expect(api.build).toHaveBeenCalledWith({ profile: 'release', firmware: 'bios' });
    await session.run('buildAndBoot');
    expect(session.messages.map((m) => m.text)).toEqual(['cargo not found']);
    session.dismiss(session.messages[0].id);
    expect(session.messages).toEqual([]);
    await session.stop();
    expect(api.stop).toHaveBeenCalled();
  });

  it('opens a typed project before running', async () => {
    const { session, api } = await started();
    session.projectInput = '/other';
    await session.run('build');
    expect(api.openProject).toHaveBeenCalledWith('/other');
    expect(api.build).toHaveBeenCalled();
    expect(session.project?.dir).toBe('/other');
  });

  it('does not run while a run is going on or the connection is closed', async () => {
    const { session, api, emit, setConnection } = await started();
    emit({ type: 'run-start', runId: 1, action: 'build' });
    await session.run('build');
    expect(api.build).not.toHaveBeenCalled();
    emit({ type: 'run-end', runId: 1, outcome: { kind: 'success', message: 'Built' } });
    setConnection('closed', 'The connection to Bootlab was lost');
    expect(session.canRun).toBe(false);
    expect(session.statusText).toBe('Disconnected');
    expect(session.messages.map((m) => m.text)).toEqual(['The connection to Bootlab was lost']);
  });

  it('follows a whole Build and Boot through its events', async () => {
    const { session, emit } = await started();
    const vga = new Uint8Array(4000);
    'Hi'.split('').forEach((c, i) => ((vga[i * 2] = c.charCodeAt(0)), (vga[i * 2 + 1] = 7)));
    const events: BootlabEvent[] = [
      { type: 'run-start', runId: 7, action: 'build-and-boot' },
      { type: 'stage-start', runId: 7, stage: 'build' },
      { type: 'log', runId: 7, source: 'cargo', text: 'Compiling k\n' },
      { type: 'diagnostic', runId: 7, diagnostic: { level: 'warning', message: 'unused', file: 'src/main.rs', line: 1, column: 2, rendered: 'warning: unused\n' } },
      { type: 'stage-end', runId: 7, stage: 'build', ok: true, ms: 1500 },
      { type: 'artifact', runId: 7, kernelPath: '/k/target/kernel', imageBytes: 512 },
      { type: 'stage-start', runId: 7, stage: 'boot' },
      { type: 'serial', runId: 7, base64: btoa('Hello\n') },
      { type: 'boot-log', runId: 7, line: 'stage 2' },
      { type: 'vga', runId: 7, base64: btoa(String.fromCharCode(...vga)), cursor: { row: 1, col: 0 } },
      { type: 'memory-map', runId: 7, map: { regions: [{ start: 0, end: 0x1000, type: 'FrameZero' }], e820: [] } },
    ];
    events.forEach(emit);
    expect(session.running).toBe(true);
    expect(session.activeTab).toBe('console');
    expect(session.statusText).toBe('Boot…');
    expect(session.buildLog.lines.map((l) => l.text)).toEqual(['Compiling k']);
    expect(session.diagnostics).toHaveLength(1);
    expect(session.stages.map((s) => [s.stage, s.state, s.ms])).toEqual([
      ['build', 'ok', 1500],
      ['boot', 'running', undefined],
    ]);
    expect(session.serial.text()).toBe('Hello\n');
    expect(session.bootLog).toEqual(['stage 2']);
    expect(session.vga.text[0].startsWith('Hi ')).toBe(true);
    expect(session.vgaSeen).toBe(true);
    expect(session.memoryMap.map?.regions).toHaveLength(1);
    expect(session.artifact?.kernelPath).toBe('/k/target/kernel');

    emit({ type: 'stage-end', runId: 7, stage: 'boot', ok: true, ms: 900 });
    expect(session.statusText).toBe('Running…');
    // An OS waiting for interrupts (sti; hlt) is calm, not stuck.
    emit({ type: 'cpu-state', runId: 7, state: 'idle' });
    expect(session.statusText).toBe('Running: the CPU is idle, waiting for interrupts');
    emit({ type: 'cpu-state', runId: 7, state: 'running' });
    expect(session.statusText).toBe('Running…');
    emit({ type: 'run-end', runId: 7, outcome: { kind: 'success', message: 'The kernel exited with success' } });
    expect(session.cpuState).toBeUndefined();
    expect(session.running).toBe(false);
    expect(session.statusText).toBe('The kernel exited with success');

    // A new boot clears the console views but keeps the build log.
    emit({ type: 'run-start', runId: 8, action: 'boot' });
    expect(session.serial.text()).toBe('');
    expect(session.memoryMap.map).toBeUndefined();
    expect(session.vgaSeen).toBe(false);
    expect(session.buildLog.lines).toHaveLength(1);
    expect(session.outcome).toBeUndefined();
  });

  it('shows the build log when compilation fails with errors', async () => {
    const { session, emit } = await started();
    emit({ type: 'run-start', runId: 1, action: 'build-and-boot' });
    emit({ type: 'stage-start', runId: 1, stage: 'build' });
    emit({ type: 'diagnostic', runId: 1, diagnostic: { level: 'error', message: 'cannot find value `x`', file: 'src/main.rs', line: 5, column: 3 } });
    emit({ type: 'stage-end', runId: 1, stage: 'build', ok: false, ms: 300 });
    emit({ type: 'run-end', runId: 1, outcome: { kind: 'error', message: 'The build failed' } });
    expect(session.activeTab).toBe('build');
    expect(session.stages[0].state).toBe('failed');
  });

  it('marks stages still running as failed when the run ends, and takes toolchain and project events', async () => {
    const { session, emit } = await started();
    emit({ type: 'run-start', runId: 1, action: 'boot' });
    emit({ type: 'stage-start', runId: 1, stage: 'boot' });
    emit({ type: 'run-end', runId: 1, outcome: { kind: 'stopped', message: 'Stopped' } });
    expect(session.stages[0].state).toBe('failed');
    emit({ type: 'toolchain', report: { ok: true, platform: 'linux', tools: [] } });
    expect(session.missingTools).toEqual([]);
    emit({ type: 'project', project: { dir: '/p', name: 'p', manifestPath: '/p/Cargo.toml', features: [] } });
    expect(session.projectInput).toBe('/p');
  });

  it('reports a failing getState instead of showing nothing', async () => {
    const { session } = await started({ getState: vi.fn(async () => Promise.reject(new Error('settings file is broken'))) });
    await vi.waitFor(() => expect(session.messages.map((m) => m.text)).toEqual(['settings file is broken']));
  });

  it('asks for a folder when Open is used with an empty field, and saves the profile', async () => {
    const { session, api } = await started();
    session.projectInput = '  ';
    await session.openProject();
    expect(session.messages[0].text).toContain('kernel crate');
    await session.setProfile('debug');
    expect(api.setSettings).toHaveBeenCalledWith({ profile: 'debug' });
    await session.openSample();
    expect(session.project?.dir).toBe('/sample');
    await session.recheckToolchain();
    expect(session.missingTools).toEqual([]);
  });
});
