// The app service end to end with real cargo and real QEMU: the sample kernel builds and boots
// with every event the window needs; compile errors become diagnostics; Stop during the build
// and during the boot leaves no process behind; a missing toolchain gives the doctor's words.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootlabEvent } from '../shared/api.js';
import { createBootlabService, type BootlabService } from './app.js';
import { processesMatching, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';

let home: string;
const services: BootlabService[] = [];

function makeService(extra: Partial<Parameters<typeof createBootlabService>[0]> = {}) {
  const service = createBootlabService({
    resourcesDir: join(REPO_ROOT, 'resources'),
    settingsPath: join(home, 'config', 'settings.json'),
    sampleDir: join(home, 'Documents', 'Bootlab', 'sample-kernel'),
    targetDir: TEST_TARGET_DIR,
    vgaIntervalMs: 100,
    ...extra,
  });
  const events: BootlabEvent[] = [];
  service.onEvent((e) => events.push(e));
  services.push(service);
  return { service, events };
}

function waitFor(events: BootlabEvent[], test: (e: BootlabEvent) => boolean, ms = 120_000): Promise<BootlabEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const hit = events.find(test);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) return reject(new Error('timed out waiting for an event'));
      setTimeout(tick, 50);
    };
    tick();
  });
}

function serialText(events: BootlabEvent[]): string {
  return events
    .filter((e): e is Extract<BootlabEvent, { type: 'serial' }> => e.type === 'serial')
    .map((e) => Buffer.from(e.base64, 'base64').toString('latin1'))
    .join('');
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bootlab app test ü '));
});
afterAll(async () => {
  for (const s of services) await s.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('app service', () => {
  it('opens the sample kernel (copied to the documents folder), builds and boots it with every event', async () => {
    const { service, events } = makeService({ extraQemuArgs: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'] });
    const project = await service.openSampleProject();
    expect(project).toMatchObject({ name: 'sample-kernel', features: ['map_physical_memory'] });
    expect(project.dir).toBe(join(home, 'Documents', 'Bootlab', 'sample-kernel'));
    expect(existsSync(join(project.dir, 'src', 'main.rs'))).toBe(true);
    await service.buildAndBoot({});
    const types = events.map((e) => e.type);
    const end = events.find((e) => e.type === 'run-end') as Extract<BootlabEvent, { type: 'run-end' }>;
    expect(end.outcome.kind, end.outcome.message).toBe('success');
    const stages = events.filter((e) => e.type === 'stage-end').map((e) => (e as { stage: string }).stage);
    expect(stages).toEqual(['build', 'assemble', 'plan', 'image', 'boot']);
    // Each stage's tooltip says what it did: the load plan, the image written, QEMU's command line.
    const detail = (stage: string) => (events.find((e) => e.type === 'stage-end' && e.stage === stage) as { detail?: string }).detail ?? '';
    expect(detail('plan')).toMatch(/^ET_EXEC, \d+ segments, \d+ pages to load \+ \d+ zero pages, features: map_physical_memory$/);
    expect(detail('image')).toMatch(/bootlab-sample-kernel\.img \(\d+ bytes\)$/);
    expect(detail('boot')).toMatch(/qemu-system-x86_64 .*-drive/);
    expect(types.indexOf('run-start')).toBeLessThan(types.indexOf('stage-start'));
    expect(types[types.length - 1]).toBe('run-end');
    const text = serialText(events);
    expect(text).toContain('Hello from the Bootlab sample kernel!');
    expect(events.some((e) => e.type === 'boot-log')).toBe(true);
    const artifact = events.find((e) => e.type === 'artifact' && e.imagePath) as Extract<BootlabEvent, { type: 'artifact' }>;
    expect(artifact.imageBytes).toBeGreaterThan(0);
    expect(artifact.imageBytes! % 512).toBe(0);
    // The memory map the bootloader handed over equals the one the kernel printed.
    const map = (events.find((e) => e.type === 'memory-map') as Extract<BootlabEvent, { type: 'memory-map' }>).map;
    const printed = [...text.matchAll(/^region 0x([0-9a-f]+)\.\.0x([0-9a-f]+) (\w+)$/gm)].map((m) => ({
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      type: m[3],
    }));
    expect(printed.length).toBeGreaterThan(3);
    expect(map.regions).toEqual(printed);
    expect(map.e820.length).toBeGreaterThan(0);
  });

  it('mirrors the VGA screen, stops a running VM and leaves no QEMU behind', async () => {
    const { service, events } = makeService();
    // A kernel that idles (sti; hlt) runs until Stop; the sample kernel halts, which ends its run.
    const project = await service.openProject(join(REPO_ROOT, 'fixtures', 'crates', 'outcomes'));
    const run = service.buildAndBoot({});
    await waitFor(events, (e) => e.type === 'vga' && Buffer.from(e.base64, 'base64').toString('latin1').includes('o\x0fu\x0ft\x0fc\x0fo'));
    const state = await service.getState();
    expect(state.running).toBe(true);
    const memory = Buffer.from(await service.readGuestMemory(0xb8000, 10), 'base64');
    expect(memory.toString('latin1')).toBe('o\x0fu\x0ft\x0fc\x0fo\x0f');
    await service.stop();
    await run;
    const end = events.find((e) => e.type === 'run-end') as Extract<BootlabEvent, { type: 'run-end' }>;
    expect(end.outcome.kind).toBe('stopped');
    expect(processesMatching('qemu-system').filter((p) => p.cmd.includes(project.dir))).toEqual([]);
    expect((await service.getState()).running).toBe(false);
  });

  it('turns a compile error into a diagnostic with file, line and column', async () => {
    const { service, events } = makeService();
    const dir = join(home, 'compile-error');
    cpSync(join(REPO_ROOT, 'fixtures', 'crates', 'compile-error'), dir, { recursive: true });
    await service.openProject(dir);
    await service.buildAndBoot({});
    const diagnostic = events.find((e) => e.type === 'diagnostic' && e.diagnostic.level === 'error') as Extract<BootlabEvent, { type: 'diagnostic' }>;
    expect(diagnostic.diagnostic).toMatchObject({ file: join(dir, 'src', 'main.rs'), line: 9, column: 18 });
    expect(diagnostic.diagnostic.message).toMatch(/mismatched types/);
    const end = events.find((e) => e.type === 'run-end') as Extract<BootlabEvent, { type: 'run-end' }>;
    expect(end.outcome.kind).toBe('failure');
    expect(end.outcome.message).toMatch(/Build failed/);
  });

  it('stops during the build and leaves no cargo, rustc or build script behind', async () => {
    const nonce = String(Date.now());
    const { service, events } = makeService({ env: { ...process.env, BOOTLAB_SLOW_BUILD_NONCE: nonce } });
    const dir = join(home, 'slow-build');
    cpSync(join(REPO_ROOT, 'fixtures', 'crates', 'slow-build'), dir, { recursive: true });
    await service.openProject(dir);
    const run = service.build({});
    // The build script sleeps for a minute once it runs.
    await waitFor(events, () => processesMatching('build-script-build').some((p) => p.cmd.includes('slow-build')), 120_000);
    await service.stop();
    await run;
    const end = events.find((e) => e.type === 'run-end') as Extract<BootlabEvent, { type: 'run-end' }>;
    expect(end.outcome.kind).toBe('stopped');
    await new Promise((r) => setTimeout(r, 200));
    expect(processesMatching('slow-build')).toEqual([]);
    expect(processesMatching(dir)).toEqual([]);
  });

  it('answers with the doctor\'s message when cargo and QEMU are missing (PATH emptied)', async () => {
    const { service, events } = makeService({ env: { PATH: '', HOME: home, BOOTLAB_NO_SYSTEM_DIRS: '1' } });
    const report = await service.checkToolchain();
    expect(report.ok).toBe(false);
    expect(report.tools.find((t) => t.name === 'qemu')?.install).toBeTruthy();
    await expect(service.openSampleProject()).resolves.toMatchObject({ name: 'sample-kernel' });
    await service.buildAndBoot({});
    const end = events.find((e) => e.type === 'run-end') as Extract<BootlabEvent, { type: 'run-end' }>;
    expect(end.outcome.kind).toBe('failure');
    expect(end.outcome.message).toMatch(/No Rust toolchain/);
    expect(end.outcome.message).toMatch(/install: /);
    expect(end.outcome.message).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('refuses a second run while one is going, and validates settings', async () => {
    const { service } = makeService();
    await expect(service.build({})).rejects.toThrow(/Open a kernel project/);
    await expect(service.setSettings({ bootTimeoutSeconds: -1 } as never)).rejects.toThrow(/bootTimeoutSeconds/);
    const s = await service.setSettings({ qemuArgs: ['-m', '256M'] });
    expect(s.qemuArgs).toEqual(['-m', '256M']);
  });
});
