// How a run ends in the app, with real cargo and QEMU: the sample kernel's Build and Boot ends by
// itself as "Kernel halted" (no timeout), an idling kernel is reported idle and runs until Stop,
// a panic is the outcome with its location, and a triple fault ends the run with the call chain
// through the user's three functions. The sample runs through the app service; the outcome
// kernels (several binaries of one crate) through the same pipeline with a chosen kernel.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type BootlabEvent, type RunOutcome } from '../shared/api.js';
import { createBootlabService, type BootlabService } from './app.js';
import { bootLogMemoryMap, defaultAssemble, defaultDiskImageSteps } from './bootParts.js';
import { buildAndBoot } from './pipeline.js';
import { REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findQemu, type QemuInstall } from './toolchain.js';

const OUTCOMES = join(REPO_ROOT, 'fixtures', 'crates', 'outcomes');
const SOURCE = readFileSync(join(OUTCOMES, 'src', 'main.rs'), 'utf8').split('\n');
let home: string;
let qemu: QemuInstall;
const services: BootlabService[] = [];

function lineOf(pattern: RegExp): number {
  const i = SOURCE.findIndex((l) => pattern.test(l));
  if (i < 0) throw new Error(`no line matches ${pattern}`);
  return i + 1;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'bootlab-run-end-app-'));
  const found = await findQemu();
  if (typeof found === 'string') throw new Error(`these tests need QEMU: ${found}`);
  qemu = found;
});
afterAll(async () => {
  for (const s of services) await s.dispose();
  rmSync(home, { recursive: true, force: true });
});

/** Boots one of the outcome kernels (built by the test warm-up) as the app's Boot does. */
async function bootOutcome(name: string, options: { stopWhen?: (e: BootlabEvent) => boolean } = {}) {
  const events: BootlabEvent[] = [];
  const controller = new AbortController();
  const result = await buildAndBoot(OUTCOMES, {
    runId: 1,
    action: 'boot',
    profile: 'debug',
    settings: { ...DEFAULT_SETTINGS },
    qemu,
    kernelPath: join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', name),
    diskImage: defaultDiskImageSteps,
    assemble: defaultAssemble,
    parseBootLog: bootLogMemoryMap,
    vgaIntervalMs: 100,
    signal: controller.signal,
    emit: (e) => {
      events.push(e);
      if (options.stopWhen?.(e)) controller.abort();
    },
  });
  return { outcome: result.outcome, events };
}

const cpuStates = (events: BootlabEvent[]) => events.filter((e): e is Extract<BootlabEvent, { type: 'cpu-state' }> => e.type === 'cpu-state').map((e) => e.state);

describe('the run\'s end in the app', () => {
  it('ends the sample kernel\'s Build and Boot by itself as "Kernel halted", a neutral end', async () => {
    const service = createBootlabService({
      resourcesDir: join(REPO_ROOT, 'resources'),
      settingsPath: join(home, 'config', 'settings.json'),
      sampleDir: join(home, 'Documents', 'Bootlab', 'sample-kernel'),
      targetDir: TEST_TARGET_DIR,
      vgaIntervalMs: 100,
    });
    services.push(service);
    const events: BootlabEvent[] = [];
    service.onEvent((e) => events.push(e));
    const project = await service.openSampleProject();
    // No Stop and no timeout setting: the run can only end by itself.
    expect((await service.getSettings()).bootTimeoutSeconds).toBeUndefined();
    await service.buildAndBoot({});
    const end = events.find((e) => e.type === 'run-end') as Extract<BootlabEvent, { type: 'run-end' }>;
    const outcome = end.outcome;
    const sample = readFileSync(join(project.dir, 'src', 'main.rs'), 'utf8').split('\n');
    const hlt = sample.findIndex((l) => l.includes('core::arch::asm!("hlt"')) + 1;
    expect(outcome.kind, outcome.message).toBe('halted');
    expect(outcome.message).toBe(`Kernel halted at sample_kernel::halt (src/main.rs:${hlt})`);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.qemuStatus).toBeUndefined();
    expect(outcome.frames?.map((f) => f.symbol)).toEqual(['sample_kernel::halt', '_start']);
    expect(outcome.frames?.every((f) => f.inUserCrate && f.file === 'src/main.rs')).toBe(true);
    // The kernel's last line came before the end, and the CPU states before the end say how.
    const serial = events.filter((e) => e.type === 'serial').map((e) => Buffer.from((e as { base64: string }).base64, 'base64').toString('latin1')).join('');
    expect(serial).toContain('The sample kernel is done.');
    expect(cpuStates(events)).toEqual(['running', 'halted']);
    expect(events.findIndex((e) => e.type === 'cpu-state' && e.state === 'halted')).toBeLessThan(events.indexOf(end));
  });

  it('shows an idling kernel (sti; hlt) as idle, not as an end, and Stop gives no exit status', async () => {
    const { outcome, events } = await bootOutcome('idle', { stopWhen: (e) => e.type === 'cpu-state' && e.state === 'idle' });
    expect(cpuStates(events)).toContain('idle');
    expect(cpuStates(events)).not.toContain('halted');
    expect(outcome).toEqual({ kind: 'stopped', message: 'Stopped.', lastSerialLine: 'idling' } satisfies RunOutcome);
  });

  it('makes a panic the outcome, with its location, when the panic handler halts', async () => {
    const { outcome } = await bootOutcome('panic');
    const at = lineOf(/panic!\("out of frames/);
    expect(outcome).toMatchObject({
      kind: 'failure',
      exitCode: 1,
      message: `Kernel panicked at src/main.rs:${at}:5: out of frames (0 left)`,
      panicLocation: { file: 'src/main.rs', line: at, column: 5 },
    });
    const user = outcome.frames!.filter((f) => f.inUserCrate).map((f) => `${f.symbol}:${f.line}`);
    expect(user).toEqual(expect.arrayContaining([`panic::inner:${at}`, `panic::outer:${lineOf(/inner\(3\)/)}`]));
  });

  it('ends a triple fault with the chain level3 -> level2 -> level1 and their lines', async () => {
    const { outcome, events } = await bootOutcome('triple_fault');
    expect(outcome).toMatchObject({ kind: 'triple-fault', exitCode: 1, qemuStatus: 0 });
    const user = outcome.frames!.filter((f) => f.inUserCrate).map((f) => `${f.symbol} (${f.file}:${f.line})`);
    expect(user).toEqual([
      `triple_fault::level3 (src/main.rs:${lineOf(/read_volatile\(0xdead_beef_000/)})`,
      `triple_fault::level2 (src/main.rs:${lineOf(/level3\(\) \+ 1/)})`,
      `triple_fault::level1 (src/main.rs:${lineOf(/let value = level2\(\)/)})`,
      `_start (src/main.rs:${lineOf(/"triple_fault" => level1\(\)/)})`,
    ]);
    expect(outcome.frames![0]).toMatchObject({ symbol: 'core::ptr::read_volatile<u64>', inUserCrate: false });
    // The machine was not reset into the kernel again.
    const serial = events.filter((e) => e.type === 'serial').map((e) => Buffer.from((e as { base64: string }).base64, 'base64').toString('latin1')).join('');
    expect(serial.split('outcomes: triple_fault').length).toBe(2);
  });
});

