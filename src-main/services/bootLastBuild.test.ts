// Boot boots this project's last good build and never runs cargo: with nothing built it says
// so, a failed build leaves the last good build bootable, and switching projects does not make
// Boot build the new one. Real cargo and QEMU (the sample kernel, warm target folder).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootlabEvent, RunOutcome } from '../shared/api.js';
import { createBootlabService, type BootlabService } from './app.js';
import { REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';

let home: string;
let service: BootlabService;
const events: BootlabEvent[] = [];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bootlab boot-last ü '));
  service = createBootlabService({
    resourcesDir: join(REPO_ROOT, 'resources'),
    settingsPath: join(home, 'settings.json'),
    sampleDir: join(home, 'sample-kernel'),
    targetDir: TEST_TARGET_DIR,
    // The sample kernel exits QEMU through this device when it is done.
    extraQemuArgs: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
  });
  service.onEvent((e) => events.push(e));
});
afterAll(async () => {
  await service.dispose();
  rmSync(home, { recursive: true, force: true });
});

/** Runs one action and returns its events (from its run-start to its run-end). */
async function runAndCollect(action: () => Promise<void>): Promise<{ stages: string[]; outcome: RunOutcome; events: BootlabEvent[] }> {
  const from = events.length;
  await action();
  const mine = events.slice(from);
  const end = mine.find((e): e is Extract<BootlabEvent, { type: 'run-end' }> => e.type === 'run-end');
  if (!end) throw new Error('the run did not end');
  return { stages: mine.filter((e) => e.type === 'stage-start').map((e) => (e as { stage: string }).stage), outcome: end.outcome, events: mine };
}

function copyCrate(from: string, name: string): string {
  const dir = join(home, name);
  cpSync(from, dir, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(from.length)) });
  return dir;
}

describe('Boot', () => {
  it('says there is nothing to boot before a build, and runs no cargo', async () => {
    const project = await service.openSampleProject();
    expect(project.lastBuild).toBeUndefined();
    const run = await runAndCollect(() => service.boot({}));
    expect(run.stages).toEqual([]);
    expect(run.events.some((e) => e.type === 'log' && e.source === 'cargo')).toBe(false);
    expect(run.outcome.kind).toBe('error');
    expect(run.outcome.message).toMatch(/Nothing to boot yet: build this project first/);
  });

  it('boots the last good build without building, also after a failed build and a project switch', async () => {
    const built = await runAndCollect(() => service.build({}));
    expect(built.outcome.kind, built.outcome.message).toBe('success');
    // The window hears that the project now has a build to boot.
    const announced = built.events.filter((e): e is Extract<BootlabEvent, { type: 'project' }> => e.type === 'project').pop();
    expect(announced?.project.lastBuild?.kernelPath).toMatch(/sample-kernel$/);

    const booted = await runAndCollect(() => service.boot({}));
    expect(booted.stages).toEqual(['assemble', 'plan', 'image', 'boot']);
    expect(booted.outcome.kind, booted.outcome.message).toBe('success');

    // Another project with a compile error: its Boot has nothing to boot (no build of it).
    const broken = copyCrate(join(REPO_ROOT, 'fixtures', 'crates', 'compile-error'), 'compile-error');
    const other = await service.openProject(broken);
    expect(other.lastBuild).toBeUndefined();
    const otherBoot = await runAndCollect(() => service.boot({}));
    expect(otherBoot.stages).toEqual([]);
    expect(otherBoot.outcome.message).toMatch(/Nothing to boot yet/);
    const failed = await runAndCollect(() => service.build({}));
    expect(failed.outcome.kind).toBe('failure');
    expect((await service.getState()).project?.lastBuild).toBeUndefined();

    // Back to the sample: its last good build is still there and Boot boots it, no cargo.
    const sample = await service.openSampleProject();
    expect(sample.lastBuild?.kernelPath).toBe(announced?.project.lastBuild?.kernelPath);
    const again = await runAndCollect(() => service.boot({}));
    expect(again.stages).toEqual(['assemble', 'plan', 'image', 'boot']);
    expect(again.events.some((e) => e.type === 'log' && e.source === 'cargo')).toBe(false);
    expect(again.outcome.kind, again.outcome.message).toBe('success');
  });
});
