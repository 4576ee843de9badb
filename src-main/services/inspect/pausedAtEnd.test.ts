// The app keeps a finished run's VM paused where it ended (DESIGN: "after a halt, fault or panic
// the VM stays paused (inspectable) until Stop or the next run"), with real cargo and QEMU: the
// sample kernel's halt through the app service (inspected after run-end, ended by Stop and by the
// next run, leaving no QEMU and no open loopback socket), and the outcome kernels' panic, triple
// fault and timeout through the pipeline with the same option.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readElf } from '../../elf/index.js';
import { DEFAULT_SETTINGS, type BootlabEvent, type Settings } from '../../shared/api.js';
import { createBootlabService, type BootlabService } from '../app.js';
import { bootLogMemoryMap, defaultAssemble, defaultDiskImageSteps } from '../bootParts.js';
import { buildAndBoot } from '../pipeline.js';
import type { QemuSession } from '../qemu.js';
import { processesMatching, REPO_ROOT, TEST_TARGET_DIR } from '../testkit.js';
import { findQemu, type QemuInstall } from '../toolchain.js';

const OUTCOMES = join(REPO_ROOT, 'fixtures', 'crates', 'outcomes');
let home: string;
let qemu: QemuInstall;
let service: BootlabService;
const events: BootlabEvent[] = [];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'bootlab paused at end '));
  const found = await findQemu();
  if (typeof found === 'string') throw new Error(`these tests need QEMU: ${found}`);
  qemu = found;
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

/** The loopback ports of a QEMU command line (serial, debug console, QMP: QEMU connects to us). */
function portsOf(commandLine: string): number[] {
  return [...commandLine.matchAll(/host=127\.0\.0\.1,port=(\d+)/g)].map((m) => Number(m[1]));
}

/** True when something still accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Open TCP connections (any state but TIME_WAIT/CLOSE) with one end on these ports, from /proc/net/tcp. */
function connectionsOn(ports: number[]): string[] {
  const lines = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  return lines.filter((line) => {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (!local || !remote || state === '06' || state === '07') return false;
    const portOf = (end: string) => parseInt(end.split(':')[1]!, 16);
    return ports.includes(portOf(local)) || ports.includes(portOf(remote));
  });
}

/** QEMU processes booting this image. */
const qemuFor = (imagePath: string) => processesMatching('qemu-system').filter((p) => p.cmd.includes(imagePath));
const artifactOf = (events: BootlabEvent[]) => events.find((e): e is Extract<BootlabEvent, { type: 'artifact' }> => e.type === 'artifact' && e.imagePath !== undefined)!;
const imageOf = (events: BootlabEvent[]) => artifactOf(events).imagePath!;

describe('the app keeps the VM paused at the end of a run', () => {
  it('after the sample kernel halts: inspectable after run-end; Stop and the next run end it, no QEMU or socket left', async () => {
    await service.openSampleProject();
    await service.buildAndBoot({});
    const image = imageOf(events);
    const runEnd = events.findIndex((e) => e.type === 'run-end');
    expect((events[runEnd] as Extract<BootlabEvent, { type: 'run-end' }>).outcome.kind).toBe('halted');
    // Kept, said before run-end, and part of the state a reloaded window starts from.
    expect(events.findIndex((e) => e.type === 'paused-vm' && e.kept)).toBeLessThan(runEnd);
    const state = await service.getState();
    expect(state.running).toBe(false);
    expect(state.session.pausedVm).toBe(true);
    expect(qemuFor(image)).toHaveLength(1);

    // The run is over, the machine is still there: where it halted, its screen, its page tables.
    const cpu = await service.cpuState();
    expect(cpu.ripLocation).toMatch(/^sample_kernel::halt \(src\/main\.rs:\d+\)$/);
    expect(cpu.halted).toBe(true);
    const vga = await service.readMemory({ address: '0xb8000', length: 160 * 25, space: 'physical' });
    expect(vga.mapped && Buffer.from(vga.bytes, 'base64').toString('latin1').replace(/(.)./gs, '$1')).toContain('Hello');
    expect((await service.pageTables()).summary).toMatch(/^elf segments: (\d+)\/\1 mapped/);
    // A symbol typed by name: read through the page tables, the same bytes as the ELF's.
    const elf = readElf(readFileSync(artifactOf(events).kernelPath!));
    const halt = elf.symbols.find((sym) => /sample_kernel4halt/.test(sym.name))!;
    const code = await service.readMemory({ address: 'sample_kernel::halt', length: 8, space: 'virtual' });
    expect(code).toMatchObject({ mapped: true, symbol: 'sample_kernel::halt', address: `0x${halt.value.toString(16)}` });
    const text = elf.sections.find((sec) => sec.name === '.text')!;
    const offset = Number(halt.value - text.addr) + text.offset;
    expect(code.mapped && Buffer.from(code.bytes, 'base64')).toEqual(Buffer.from(elf.bytes.subarray(offset, offset + 8)));
    expect((await service.readMemory({ address: 'halt', length: 8, space: 'virtual' })).address).toBe(code.address);
    await expect(service.readMemory({ address: 'no_such_symbol', length: 8, space: 'virtual' })).rejects.toThrow('readMemory: no kernel symbol is named "no_such_symbol"');
    // HLT with interrupts off: a step is refused with the reason, and the machine stays.
    await expect(service.step(1)).rejects.toThrow(/halted with interrupts off/);

    const ports = portsOf(events.filter((e): e is Extract<BootlabEvent, { type: 'log' }> => e.type === 'log').map((e) => e.text).find((t) => t.includes('bl-qmp'))!);
    expect(ports).toHaveLength(3);
    await service.stop();
    expect(events.at(-1)).toMatchObject({ type: 'paused-vm', kept: false });
    expect(qemuFor(image)).toEqual([]);
    expect(await Promise.all(ports.map(listening))).toEqual([false, false, false]);
    expect(connectionsOn(ports)).toEqual([]);
    expect((await service.getState()).session.pausedVm).toBeUndefined();
    await expect(service.cpuState()).rejects.toThrow('No virtual machine is running');

    // The next run ends a kept VM before it starts its own.
    events.length = 0;
    await service.boot({});
    const first = qemuFor(image).map((p) => p.pid);
    expect(first).toHaveLength(1);
    await service.boot({});
    const second = qemuFor(image).map((p) => p.pid);
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect(events.filter((e) => e.type === 'paused-vm').map((e) => (e as { kept: boolean }).kept)).toEqual([true, false, true]);
    await service.stop();
    expect(qemuFor(image)).toEqual([]);
  });
});

/** Boots one outcome kernel as the app does, keeping its VM at the end. */
async function bootKept(name: string, settings: Partial<Settings> = {}) {
  const got: BootlabEvent[] = [];
  let kept: QemuSession | undefined;
  const result = await buildAndBoot(OUTCOMES, {
    runId: 1,
    action: 'boot',
    profile: 'debug',
    settings: { ...DEFAULT_SETTINGS, ...settings },
    qemu,
    kernelPath: join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', name),
    diskImage: defaultDiskImageSteps,
    assemble: defaultAssemble,
    parseBootLog: bootLogMemoryMap,
    vgaIntervalMs: 100,
    emit: (e) => got.push(e),
    keepPausedAtEnd: (s) => (kept = s),
  });
  expect(kept, `${name}: ${result.outcome.message}`).toBeDefined();
  const qmp = await kept!.qmpReady;
  const status = await qmp.execute<{ status: string; running: boolean }>('query-status');
  return { outcome: result.outcome, session: kept!, status, events: got };
}

describe('the pipeline keeps the VM where the run ended', () => {
  it('at a panic (its handler halts), at a triple fault (paused at the shutdown) and at a timeout, with the same outcome as before', async () => {
    const panic = await bootKept('panic');
    expect(panic.outcome).toMatchObject({ kind: 'failure', message: expect.stringMatching(/^Kernel panicked at src\/main\.rs:\d+:5: out of frames/) });
    expect(panic.status.running).toBe(false);
    panic.session.stop();
    await panic.session.exit;

    const fault = await bootKept('triple_fault');
    expect(fault.outcome).toMatchObject({ kind: 'triple-fault', exitCode: 1 });
    expect(fault.outcome.frames!.filter((f) => f.inUserCrate).map((f) => f.symbol)).toEqual(['triple_fault::level3', 'triple_fault::level2', 'triple_fault::level1', '_start']);
    expect(fault.status).toMatchObject({ status: 'shutdown', running: false });
    // The faulting read's address is still in CR2.
    expect(await fault.session.registers()).toMatchObject({ CR2: 0xdeadbeef000n });
    fault.session.stop();
    await fault.session.exit;

    const timeout = await bootKept('idle', { bootTimeoutSeconds: 2 });
    expect(timeout.outcome).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/^Timed out after 2 s/) });
    expect(timeout.status.running).toBe(false);
    // Kept means usable: it still answers and can be resumed.
    await (await timeout.session.qmpReady).execute('cont');
    timeout.session.stop();
    const exit = await timeout.session.exit;
    expect(exit.stopped).toBe(true);
    expect(timeout.events.filter((e) => e.type === 'paused-vm').map((e) => (e as { kept: boolean }).kept)).toEqual([true, false]);
    for (const run of [panic, fault, timeout]) expect(qemuFor(imageOf(run.events))).toEqual([]);
  });
});
