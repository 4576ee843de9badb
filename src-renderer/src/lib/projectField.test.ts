// The project field and the run buttons: separate messages reach the user one at a time, a
// rejected path is not kept as the project, and Build/Boot/Build and Boot say why they are off.
// Boot needs the project's last good build.
import { describe, expect, it, vi } from 'vitest';
import type { AppState, BootlabEvent, ProjectInfo } from '../../../src-main/shared/api.js';
import type { ClientApi } from './api.js';
import { SessionModel } from './session.svelte.js';
import { immediate } from './schedule.js';

const KERNEL: ProjectInfo = { dir: '/k', name: 'k', manifestPath: '/k/Cargo.toml', features: [] };

function make(project: ProjectInfo | undefined, openProject: ClientApi['openProject']) {
  let emit: (e: BootlabEvent) => void = () => {};
  const state = {
    project,
    settings: { profile: 'debug', qemuArgs: [], recentProjects: [], bootTimeoutSeconds: 300 },
    toolchain: { ok: true, platform: 'linux', tools: [] },
    running: false,
    version: '1',
  } as unknown as AppState;
  const api = {
    onEvent: (l: (e: BootlabEvent) => void) => ((emit = l), () => {}),
    onConnection: (l: (s: 'open') => void) => (l('open'), () => {}),
    getState: vi.fn(async () => state),
    openProject: vi.fn(openProject),
    openSampleProject: vi.fn(),
    build: vi.fn(async () => {}),
    boot: vi.fn(async () => {}),
    buildAndBoot: vi.fn(async () => {}),
    stop: vi.fn(async () => {}),
    reset: vi.fn(),
    getSettings: vi.fn(),
    setSettings: vi.fn(),
    checkToolchain: vi.fn(),
    readGuestMemory: vi.fn(),
  } as unknown as ClientApi & { [K in keyof ClientApi]: ReturnType<typeof vi.fn> };
  const session = new SessionModel(api, { schedule: immediate, now: () => 0 });
  session.start();
  return { session, api, emit: (e: BootlabEvent) => emit(e) };
}

const rejecting = async (dir: string): Promise<ProjectInfo> => {
  throw new Error(dir === '/missing' ? '/missing does not exist' : `${dir} is a file, not a folder`);
};

describe('project field', () => {
  it('keeps one message at a time and does not keep a rejected path', async () => {
    const { session } = make(KERNEL, rejecting);
    await vi.waitFor(() => expect(session.project?.dir).toBe('/k'));
    session.projectInput = '/missing';
    await session.openProject();
    expect(session.messages.map((m) => m.text)).toEqual(['/missing does not exist']);
    expect(session.projectInput).toBe('/k');
    session.projectInput = '/k/Cargo.toml';
    await session.openProject();
    await session.openProject('/missing');
    await session.openProject('/k/Cargo.toml');
    // Three more failures: still one banner, the latest.
    expect(session.messages.map((m) => m.text)).toEqual(['/k/Cargo.toml is a file, not a folder']);
    expect(session.project?.dir).toBe('/k');
    session.dismiss(session.messages[0].id);
    expect(session.messages).toEqual([]);
  });

  it('says why the run buttons are off while no project is open, and Build and Boot does not run', async () => {
    const { session, api } = make(undefined, rejecting);
    await vi.waitFor(() => expect(api.getState).toHaveBeenCalled());
    for (const action of ['build', 'boot', 'buildAndBoot'] as const) {
      expect(session.blockedReason(action)).toMatch(/Open a kernel project first/);
    }
    session.projectInput = '/missing';
    await session.run('buildAndBoot');
    expect(api.buildAndBoot).not.toHaveBeenCalled();
    expect(session.messages.map((m) => m.text)).toEqual(['/missing does not exist']);
    expect(session.projectInput).toBe('');
  });

  it('turns Boot on only when the project has a last good build', async () => {
    const { session, api, emit } = make(KERNEL, async (dir) => ({ ...KERNEL, dir }));
    await vi.waitFor(() => expect(session.project?.dir).toBe('/k'));
    expect(session.blockedReason('build')).toBeUndefined();
    expect(session.blockedReason('boot')).toBe('Nothing to boot yet: build this project first');
    await session.run('boot');
    expect(api.boot).not.toHaveBeenCalled();
    expect(session.messages.map((m) => m.text)).toEqual(['Nothing to boot yet: build this project first']);
    // The build's news (the same project, now with a last build) leaves a half-typed path alone.
    session.projectInput = '/k2';
    emit({ type: 'project', project: { ...KERNEL, lastBuild: { kernelPath: '/k/target/k', profile: 'debug' } } });
    expect(session.projectInput).toBe('/k2');
    session.projectInput = '/k';
    expect(session.blockedReason('boot')).toBeUndefined();
    await session.run('boot');
    expect(api.boot).toHaveBeenCalledWith({ profile: 'debug', firmware: 'bios' });
  });
});
