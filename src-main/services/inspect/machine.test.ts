// The machine inspector's service side against real QEMU: a step executes exactly one
// instruction (checked on a boot-sector loop whose instruction order is known), pause and resume
// work around steps, the sample kernel's page tables (1035 tables behind a 1 TiB window of
// 2 MiB pages) are read in a handful of bulk reads, and nothing is left behind after Stop.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readElf } from '../../elf/index.js';
import { makePlan } from '../../image/plan.js';
import { cargoInvocation } from '../cargo.js';
import { buildDiskImage } from '../imageBuilder.js';
import { startQemu, type QemuSession } from '../qemu.js';
import { processesMatching, REPO_ROOT, TEST_TARGET_DIR, writeImage } from '../testkit.js';
import { findQemu, findRust } from '../toolchain.js';
import { MachineControl, readCpu, readPageTables } from './machine.js';
import { kernelFactsFromPlan, snapshotMachine } from './snapshot.js';

/**
 * 7c00 cli; 7c01 xor ax,ax; 7c03 inc ax; 7c04 inc bx; 7c05 jmp 7c03. The instruction after each
 * loop instruction is known, so each step can be checked to have executed exactly one.
 */
const LOOP = 'fa31c04043ebfc';
const NEXT: Record<number, number> = { 0x7c03: 0x7c04, 0x7c04: 0x7c05, 0x7c05: 0x7c03 };

let dir: string;
let qemu: string;
const sessions: QemuSession[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab inspect test ü-'));
  const found = await findQemu();
  if (typeof found === 'string') throw new Error(`QEMU is needed for these tests: ${found}`);
  qemu = found.path;
});
afterEach(() => {
  for (const s of sessions.splice(0)) s.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function boot(image: string, extra: string[] = []): Promise<QemuSession> {
  const session = await startQemu({ program: qemu, args: ['-drive', `format=raw,file=${image.replace(/,/g, ',,')}`, '-nic', 'none', '-display', 'none', ...extra], qmp: true, timeoutMs: 120_000 });
  sessions.push(session);
  return session;
}

describe('pause, step, resume', () => {
  it('steps exactly one instruction at a time, resumes and pauses again, and leaves nothing behind after Stop', async () => {
    const image = writeImage(join(dir, 'loop.img'), LOOP);
    const session = await boot(image);
    const qmp = await session.qmpReady;
    const control = new MachineControl(qmp);
    // Wait until the CPU is in the loop (the BIOS runs first), counted in polls, not time.
    let cpu = await readCpu(qmp);
    for (let polls = 0; NEXT[Number(cpu.rip)] === undefined || cpu.segments.find((s) => s.name === 'CS')!.base !== 0n; polls++) {
      if (polls > 2000) throw new Error(`the CPU never reached the loop (RIP ${cpu.rip.toString(16)})`);
      cpu = await readCpu(qmp);
    }
    await control.pause();
    expect(await control.isRunning()).toBe(false);
    cpu = await readCpu(qmp);
    let ax = cpu.general.find((r) => r.name === 'EAX')!.value & 0xffffn;
    for (let i = 0; i < 10; i++) {
      const before = Number(cpu.rip);
      await control.step();
      cpu = await readCpu(qmp);
      expect(Number(cpu.rip)).toBe(NEXT[before]);
      // `inc ax` ran once exactly when the step started on it.
      const nowAx = cpu.general.find((r) => r.name === 'EAX')!.value & 0xffffn;
      expect(nowAx).toBe(before === 0x7c03 ? (ax + 1n) & 0xffffn : ax);
      ax = nowAx;
    }
    expect(await control.isRunning()).toBe(false);
    await control.resume();
    expect(await control.isRunning()).toBe(true);
    await control.pause();
    // Paused after running: AX moved on and RIP is in the loop again.
    cpu = await readCpu(qmp);
    expect(NEXT[Number(cpu.rip)]).toBeDefined();
    // A step after the resume/pause works too (the stale stop reply is skipped).
    const before = Number(cpu.rip);
    await control.step(3);
    expect(Number((await readCpu(qmp)).rip)).toBe(NEXT[NEXT[NEXT[before]!]!]);
    control.dispose();
    session.stop();
    await session.exit;
    expect(processesMatching(image)).toEqual([]);
  });
});

describe('page tables of a real kernel', () => {
  let kernelPath: string;
  beforeAll(async () => {
    const { rust } = await findRust();
    if (!rust) throw new Error('these tests need a Rust toolchain that can build kernels (see bootlab doctor)');
    // A copy under its own package name: copies of one crate share a cargo fingerprint in a shared
    // target folder, so a patched copy built by another test could otherwise pass for this one.
    const name = 'machine-sample-kernel';
    const source = join(REPO_ROOT, 'resources', 'sample-kernel');
    const crate = join(dir, name);
    cpSync(source, crate, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(source.length)) });
    writeFileSync(join(crate, 'Cargo.toml'), readFileSync(join(crate, 'Cargo.toml'), 'utf8').replace(/^name = "sample-kernel"$/gm, `name = "${name}"`));
    const inv = cargoInvocation({ projectDir: crate, toolchain: rust, subcommand: 'build', targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
    const r = spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`building the sample kernel failed:\n${r.stderr}`);
    kernelPath = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', name);
  });

  it("reads the sample kernel's 1035 tables in a few bulk reads and checks its segments", async () => {
    const features = ['map_physical_memory'];
    const image = join(dir, 'sample.img');
    await buildDiskImage({ kernelPath, outPath: image, features, cacheDir: false });
    expect(readFileSync(kernelPath).includes('The sample kernel is done.')).toBe(true);
    const serial: Buffer[] = [];
    const session = await startQemu({
      program: qemu,
      args: ['-drive', `format=raw,file=${image.replace(/,/g, ',,')}`, '-nic', 'none', '-display', 'none'],
      qmp: true,
      serialSocket: true,
      onSerial: (b) => serial.push(b),
      timeoutMs: 120_000,
    });
    sessions.push(session);
    const qmp = await session.qmpReady;
    // The kernel prints its last line after its translations: its tables are complete by then.
    for (let polls = 0; !Buffer.concat(serial).toString().includes('The sample kernel is done.'); polls++) {
      if (polls > 600) throw new Error(`the sample kernel did not finish: ${Buffer.concat(serial).toString()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await qmp.execute('stop');
    const link = { qmp, readPhysical: session.readMemory };
    const cpu = await readCpu(qmp);
    const tables = await readPageTables(link, cpu);
    expect(tables.walk.problems).toEqual([]);
    expect(tables.walk.tablesRead).toBe(1035);
    // One read per level at most (the loader allocates each level's tables together).
    expect(tables.reads).toBeLessThanOrEqual(4);
    const window = tables.walk.runs.find((r) => r.virtualStart === 0x18000000000n)!;
    expect(window).toMatchObject({ virtualEnd: 0x28000000000n, physicalStart: 0n, pageSize: 2 * 1024 * 1024, writable: true, executable: false });

    const elf = readElf(readFileSync(kernelPath));
    const snapshot = await snapshotMachine(link, kernelFactsFromPlan(elf, makePlan(elf, { features })));
    expect(snapshot.segmentChecks!.map((c) => c.ok)).toEqual(snapshot.segmentChecks!.map(() => true));
    expect(snapshot.segmentChecks!.length).toBe(elf.programHeaders.filter((p) => p.type === 1 && p.memsz > 0n).length);
    // The GDT was read through the page tables and decoded: the loader's 64-bit code segment.
    expect(snapshot.descriptors.gdt).toEqual(expect.arrayContaining([expect.objectContaining({ selector: 8, kind: 'code', description: expect.stringMatching(/^code 64-bit/) })]));
    // The sample kernel ends in cli; hlt: a step is refused at once with the reason, the VM stays paused.
    const control = new MachineControl(qmp);
    await control.resume();
    for (let polls = 0; !(await readCpu(qmp)).halted; polls++) if (polls > 2000) throw new Error('the sample kernel never halted');
    await control.pause();
    await expect(control.step()).rejects.toThrow('the CPU is halted with interrupts off (HLT, IF clear): no instruction can run until a reset');
    expect(await control.isRunning()).toBe(false);
    control.dispose();
    session.stop();
    await session.exit;
  });
});
