// A VM kept paused for the Inspector, with real cargo and QEMU: a test kernel that times out in
// the app's Tests is kept paused where it spun (inspectable, ended by Stop); Reset starts a kept
// VM again and the sample kernel's second halt is noticed and paused there; a UEFI boot is kept
// and inspected as a BIOS one; a panic whose handler spins ends the run at the panic, kept; the
// blog's stack_overflow test, kept where it halted, shows its IDT gates with their handlers and
// its TSS; a kept VM that the user resumes is watched, so the triple fault an NMI causes in the
// idle kernel is noticed too.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type BootlabEvent } from '../../shared/api.js';
import { createBootlabService, type BootlabService } from '../app.js';
import { bootLogMemoryMap, defaultAssemble, defaultDiskImageSteps } from '../bootParts.js';
import { imagePathFor } from '../imagePath.js';
import { buildAndBoot } from '../pipeline.js';
import type { QemuSession } from '../qemu.js';
import { openSockets, processesMatching, REPO_ROOT, TEST_TARGET_DIR } from '../testkit.js';
import { findQemu, findRust } from '../toolchain.js';
import { cargoInvocation } from '../cargo.js';
import { createAppInspector } from './appInspector.js';

let home: string;
let service: BootlabService;
const events: BootlabEvent[] = [];

/** Resolves with the first event (from `from` on) that passes; a generous guard against a hang. */
function waitFor<T extends BootlabEvent>(test: (e: BootlabEvent) => e is T, from = 0, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const hit = events.slice(from).find(test);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) return reject(new Error('timed out waiting for an event'));
      setTimeout(tick, 50);
    };
    tick();
  });
}
const isVmState = (paused: boolean) => (e: BootlabEvent): e is Extract<BootlabEvent, { type: 'vm-state' }> => e.type === 'vm-state' && e.paused === paused;
const qemuFor = (needle: string) => processesMatching('qemu-system').filter((p) => p.cmd.includes(needle));
const serialText = (list: BootlabEvent[]) => list.map((e) => (e.type === 'serial' ? Buffer.from(e.base64, 'base64').toString('latin1') : '')).join('');


beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bootlab kept vm '));
  service = createBootlabService({
    resourcesDir: join(REPO_ROOT, 'resources'),
    settingsPath: join(home, 'settings.json'),
    sampleDir: join(home, 'Documents', 'Bootlab', 'sample-kernel'),
    targetDir: TEST_TARGET_DIR,
    vgaIntervalMs: 100,
  });
  service.onEvent((e) => events.push(e));
});
afterAll(async () => {
  await service.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('a VM kept paused for the Inspector', () => {
  it('a test kernel that times out stays paused where it spun; Stop ends it', async () => {
    await service.openProject(join(REPO_ROOT, 'fixtures', 'crates', 'failing-tests'));
    const socketsBefore = openSockets();
    await service.runTests({ executables: ['test:hang'] });
    const state = await service.getTestsState();
    expect(state.entries.find((e) => e.executable.id === 'test:hang')!.state).toBe('timed-out');
    expect(state.pausedVm).toBe('test:hang');
    const kept = events.findIndex((e) => e.type === 'test-paused-vm' && e.kept);
    expect(kept).toBeGreaterThanOrEqual(0);
    expect(kept).toBeLessThan(events.findIndex((e) => e.type === 'test-executable-end'));
    const hang = imagePathFor(state.entries.find((e) => e.executable.id === 'test:hang')!.executable.path);
    expect(qemuFor(hang)).toHaveLength(1);

    // The spinning test, inspectable after its run ended.
    // In a debug build RIP may be in core's spin-loop hint: the call chain names the test's loop.
    const spinning = (cpu: Awaited<ReturnType<BootlabService['cpuState']>>) => cpu.stack!.frames.map((f) => f.location);
    expect(spinning(await service.cpuState())).toEqual(expect.arrayContaining([expect.stringMatching(/^hang::spin_forever /), expect.stringMatching(/^_start \(tests\/hang\.rs:\d+\)$/)]));
    expect((await service.pageTables()).summary).toMatch(/^elf segments: (\d+)\/\1 mapped/);
    // Steps attach QEMU's gdbstub (a loopback connection of its own).
    await service.step(3);
    expect(spinning(await service.cpuState())).toEqual(expect.arrayContaining([expect.stringMatching(/^hang::spin_forever/)]));
    expect(openSockets().length).toBeGreaterThan(socketsBefore.length);

    await service.stop();
    // No socket left open: QMP and the gdbstub's connection closed with QEMU.
    expect(openSockets()).toEqual(socketsBefore);
    expect(events.at(-1)).toMatchObject({ type: 'test-paused-vm', id: 'test:hang', kept: false });
    expect((await service.getTestsState()).pausedVm).toBeUndefined();
    expect(qemuFor(hang)).toEqual([]);
    await expect(service.cpuState()).rejects.toThrow('No virtual machine is running');
  });

  it('Reset starts a kept VM again; its next halt is noticed and kept paused there', async () => {
    await service.openSampleProject();
    await service.buildAndBoot({});
    const image = events.find((e): e is Extract<BootlabEvent, { type: 'artifact' }> => e.type === 'artifact' && !!e.imagePath)!.imagePath!;
    expect((await service.getState()).session.pausedVm).toBe(true);
    expect((await service.cpuState()).halted).toBe(true);

    const from = events.length;
    await service.reset();
    await waitFor(isVmState(false), from);
    // The kernel boots again (its greeting a second time), halts, and is paused there.
    const stopped = await waitFor(isVmState(true), from);
    expect(stopped.reason).toBe('the kernel halted (HLT with interrupts disabled)');
    expect(serialText(events.slice(from))).toContain('The sample kernel is done.');
    const cpu = await service.cpuState();
    expect(cpu.halted).toBe(true);
    expect(cpu.ripLocation).toMatch(/^sample_kernel::halt \(src\/main\.rs:\d+\)$/);
    expect(qemuFor(image)).toHaveLength(1);
    await service.stop();
    expect(qemuFor(image)).toEqual([]);
    await expect(service.reset()).rejects.toThrow('No virtual machine is running');
  });

  it('under UEFI too: the halted sample kernel is kept, its page tables checked against the ELF', async () => {
    await service.openSampleProject();
    const from = events.length;
    await service.buildAndBoot({ firmware: 'uefi' });
    const end = events.slice(from).find((e): e is Extract<BootlabEvent, { type: 'run-end' }> => e.type === 'run-end')!;
    expect(end.outcome.kind, end.outcome.message).toBe('halted');
    expect(events.slice(from).some((e) => e.type === 'log' && e.text.includes('OVMF'))).toBe(true);
    const cpu = await service.cpuState();
    expect(cpu.ripLocation).toMatch(/^sample_kernel::halt \(src\/main\.rs:\d+\)$/);
    const tables = await service.pageTables();
    expect(tables.summary).toMatch(/^elf segments: (\d+)\/\1 mapped with the ELF's permissions$/);
    expect(tables.segmentChecks.length).toBeGreaterThan(0);
    expect(tables.mappings.map((m) => m.what)).toEqual(expect.arrayContaining(['boot info', 'physical-memory window', expect.stringMatching(/^stack \(guard page/)]));
    await service.stop();
  });

  it('a bootloader_api 0.11 kernel whose config asks for ASLR: its layout from the boot log, its segments checked N/N', async () => {
    // The 0.11 conformance kernel, copied under a name of its own with its ASLR config the default.
    const conformance = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance-011');
    const crate = join(home, 'kept-aslr-011');
    cpSync(conformance, crate, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(conformance.length)) });
    const manifest = join(crate, 'Cargo.toml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8')
        .replace(/^name = "conformance-011"$/gm, 'name = "kept-aslr-011"')
        .replace('path = "../../crates/bootloader_api"', `path = ${JSON.stringify(join(REPO_ROOT, 'fixtures', 'crates', 'bootloader_api'))}`)
        .replace(/^\[features\]$/m, '[features]\ndefault = ["dynamic-maps", "aslr"]'),
    );
    rmSync(join(crate, 'Cargo.lock'), { force: true });
    await service.openProject(crate);
    const from = events.length;
    await service.buildAndBoot({});
    const end = events.slice(from).find((e): e is Extract<BootlabEvent, { type: 'run-end' }> => e.type === 'run-end')!;
    expect(end.outcome.kind, end.outcome.message).toBe('halted');
    const tables = await service.pageTables();
    expect(tables.summary).toMatch(/^elf segments: (\d+)\/\1 mapped with the ELF's permissions$/);
    expect(tables.segmentChecks.length).toBeGreaterThan(0);
    expect(tables.mappings.map((m) => m.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^kernel segment \d+ \(\.text/), expect.stringMatching(/^stack \(guard page/), 'boot info']));
    await service.stop();
  });

  it("a panic whose handler spins (the blog's `loop {}`) ends the run there, kept paused, with its call chain", async () => {
    const found = await findQemu();
    if (typeof found === 'string') throw new Error(`this test needs QEMU: ${found}`);
    const { rust } = await findRust();
    if (!rust) throw new Error('this test needs a Rust toolchain that can build kernels');
    // The outcomes crate's `panic` kernel, copied under names of its own, its handler spinning.
    const crate = join(home, 'kept-spin-panic');
    const outcomes = join(REPO_ROOT, 'fixtures', 'crates', 'outcomes');
    cpSync(outcomes, crate, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(outcomes.length)) });
    const manifest = join(crate, 'Cargo.toml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^name = "outcomes"$/m, 'name = "kept-spin-panic"').replace(/^name = "panic"$/m, 'name = "kept_spin_panic"'));
    const main = join(crate, 'src', 'main.rs');
    const handler = /(fn panic\(info: &core::panic::PanicInfo\) -> ! \{\n.*\n) {4}halt\(\)\n/;
    expect(readFileSync(main, 'utf8')).toMatch(handler);
    writeFileSync(main, readFileSync(main, 'utf8').replace(handler, '$1    loop {\n        core::hint::spin_loop();\n    }\n').replace('"panic" =>', '"kept_spin_panic" =>'));
    const inv = cargoInvocation({ projectDir: crate, toolchain: rust, subcommand: 'build', extraArgs: ['--bin', 'kept_spin_panic'], targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
    const built = spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(built.status, built.stderr).toBe(0);

    const got: BootlabEvent[] = [];
    let kept: QemuSession | undefined;
    const result = await buildAndBoot(crate, {
      runId: 1,
      action: 'boot',
      profile: 'debug',
      settings: DEFAULT_SETTINGS,
      qemu: found,
      kernelPath: join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'kept_spin_panic'),
      diskImage: defaultDiskImageSteps,
      assemble: defaultAssemble,
      parseBootLog: bootLogMemoryMap,
      vgaIntervalMs: 100,
      emit: (e) => got.push(e),
      keepPausedAtEnd: (s) => (kept = s),
    });
    const at = readFileSync(main, 'utf8').split('\n').findIndex((l) => l.includes('panic!("out of frames')) + 1;
    expect(result.outcome).toMatchObject({ kind: 'failure', message: `Kernel panicked at src/main.rs:${at}:5: out of frames (0 left)` });
    expect(result.outcome.frames!.filter((f) => f.inUserCrate).map((f) => f.symbol)).toEqual(expect.arrayContaining(['kept_spin_panic::inner', 'kept_spin_panic::outer', '_start']));
    const qmp = await kept!.qmpReady;
    expect((await qmp.execute<{ running: boolean }>('query-status')).running).toBe(false);
    expect(got.filter((e) => e.type === 'paused-vm').map((e) => (e as { kept: boolean }).kept)).toEqual([true]);
    kept!.stop();
    await kept!.exit;
  });

  it("a kernel with its own GDT, TSS and IDT, kept where it halted: IDT gates with their handlers' symbols, the TSS's IST stack", async () => {
    const found = await findQemu();
    if (typeof found === 'string') throw new Error(`this test needs QEMU: ${found}`);
    const { rust } = await findRust();
    if (!rust) throw new Error('this test needs a Rust toolchain that can build kernels');
    // The blog's stack_overflow test: its double-fault handler (on IST 1) prints [ok] and halts
    // with interrupts off (no isa-debug-exit device outside test runs).
    const blogTests = join(REPO_ROOT, 'fixtures', 'crates', 'blog-tests');
    const inv = cargoInvocation({ projectDir: blogTests, toolchain: rust, subcommand: 'test', extraArgs: ['--no-run', '--test', 'stack_overflow'], targetDir: TEST_TARGET_DIR, messageFormat: 'json', color: 'never' });
    const built = spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    expect(built.status, built.stderr).toBe(0);
    const exe = built.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { reason?: string; target?: { name?: string }; executable?: string | null })
      .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'stack_overflow' && m.executable)!.executable!;
    let kept: QemuSession | undefined;
    const result = await buildAndBoot(blogTests, {
      runId: 1,
      action: 'boot',
      profile: 'debug',
      settings: DEFAULT_SETTINGS,
      qemu: found,
      kernelPath: exe,
      diskImage: defaultDiskImageSteps,
      assemble: defaultAssemble,
      parseBootLog: bootLogMemoryMap,
      vgaIntervalMs: 100,
      emit: () => {},
      keepPausedAtEnd: (s) => (kept = s),
    });
    expect(result.outcome.kind, result.outcome.message).toBe('halted');
    const session = kept!;
    const inspector = createAppInspector({ session: () => session, project: () => undefined });
    inspector.pausedAtEnd(session, exe);
    const cpu = await inspector.api.cpuState();
    expect(cpu.ripLocation).toMatch(/hlt_loop/);
    const doubleFault = cpu.idt.entries.find((e) => e.vector === 8)!;
    expect(doubleFault).toMatchObject({ description: 'interrupt gate, IST 1', ist: 1, dpl: 0 });
    expect(doubleFault.handler).toMatch(/^stack_overflow::double_fault_handler \(tests\/stack_overflow\.rs:\d+\)$/);
    expect(cpu.gdt.entries.map((e) => e.description)).toEqual(expect.arrayContaining([expect.stringMatching(/^64-bit TSS \(busy\)/)]));
    expect(cpu.tss && 'ist' in cpu.tss && cpu.tss.ist[0]).not.toBe('0x0');
    // TR with its cached descriptor (QEMU caches it as loaded, before LTR marks the GDT's copy busy).
    expect(cpu.segments.find((s) => s.name === 'TR')!.descriptor).toMatch(/^64-bit TSS \((available|busy)\), DPL 0$/);
    session.stop();
    await session.exit;
  });

  it('Reset of a VM kept at a triple fault boots it again; its next shutdown is noticed and kept paused', async () => {
    const found = await findQemu();
    if (typeof found === 'string') throw new Error(`this test needs QEMU: ${found}`);
    let kept: QemuSession | undefined;
    const got: BootlabEvent[] = [];
    const result = await buildAndBoot(join(REPO_ROOT, 'fixtures', 'crates', 'outcomes'), {
      runId: 1,
      action: 'boot',
      profile: 'debug',
      settings: DEFAULT_SETTINGS,
      qemu: found,
      kernelPath: join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'triple_fault'),
      diskImage: defaultDiskImageSteps,
      assemble: defaultAssemble,
      parseBootLog: bootLogMemoryMap,
      vgaIntervalMs: 100,
      emit: (e) => got.push(e),
      keepPausedAtEnd: (s) => (kept = s),
    });
    expect(result.outcome.kind).toBe('triple-fault');
    const session = kept!;
    const qmp = await session.qmpReady;
    expect((await qmp.execute<{ status: string }>('query-status')).status).toBe('shutdown');
    const states: Extract<BootlabEvent, { type: 'vm-state' }>[] = [];
    const inspector = createAppInspector({ session: () => session, project: () => undefined, emit: (e) => e.type === 'vm-state' && states.push(e) });
    inspector.pausedAtEnd(session, join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'triple_fault'));
    const serialBefore = serialText(got).split('outcomes: triple_fault').length;
    await inspector.resetKept(session);
    expect(states[0]).toEqual({ type: 'vm-state', paused: false });
    await expect.poll(() => states.length, { timeout: 30_000 }).toBe(2);
    expect(states[1]).toEqual({ type: 'vm-state', paused: true, reason: 'the guest shut down (a triple fault?)' });
    // It ran again from the start (its greeting a second time) and is readable where it stopped.
    expect(serialText(got).split('outcomes: triple_fault').length).toBeGreaterThan(serialBefore);
    expect((await inspector.api.cpuState()).mode).toBeTruthy();
    session.stop();
    await session.exit;
  });

  it('a kept VM that is resumed is watched: its triple fault is noticed and kept paused', async () => {
    const found = await findQemu();
    if (typeof found === 'string') throw new Error(`this test needs QEMU: ${found}`);
    const got: BootlabEvent[] = [];
    let kept: QemuSession | undefined;
    // The idle kernel waits for interrupts forever: a 2 s boot timeout ends its run, kept paused.
    const result = await buildAndBoot(join(REPO_ROOT, 'fixtures', 'crates', 'outcomes'), {
      runId: 1,
      action: 'boot',
      profile: 'debug',
      settings: { ...DEFAULT_SETTINGS, bootTimeoutSeconds: 2 },
      qemu: found,
      kernelPath: join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'idle'),
      diskImage: defaultDiskImageSteps,
      assemble: defaultAssemble,
      parseBootLog: bootLogMemoryMap,
      vgaIntervalMs: 100,
      emit: (e) => got.push(e),
      keepPausedAtEnd: (s) => (kept = s),
    });
    expect(result.outcome.kind).toBe('timeout');
    const session = kept!;
    const states: Extract<BootlabEvent, { type: 'vm-state' }>[] = [];
    const inspector = createAppInspector({ session: () => session, project: () => undefined, emit: (e) => e.type === 'vm-state' && states.push(e) });
    inspector.pausedAtEnd(session);
    await inspector.api.resume();
    expect(states).toEqual([{ type: 'vm-state', paused: false }]);
    const qmp = await session.qmpReady;
    expect((await qmp.execute<{ running: boolean }>('query-status')).running).toBe(true);
    // An NMI wakes the CPU from its HLT; with no IDT it becomes a triple fault, which QEMU holds.
    await qmp.execute('inject-nmi');
    await expect.poll(() => states.length, { timeout: 30_000 }).toBe(2);
    expect(states[1]).toEqual({ type: 'vm-state', paused: true, reason: 'the guest shut down (a triple fault?)' });
    // Paused there, and readable: the CPU as the fault left it.
    expect((await inspector.api.cpuState()).mode).toBeTruthy();
    session.stop();
    await session.exit;
    expect(got.filter((e) => e.type === 'paused-vm').map((e) => (e as { kept: boolean }).kept)).toEqual([true, false]);
  });
});
