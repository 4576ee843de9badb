// bootloader_api 0.11 kernels on Bootlab's loaders (BOOT-CONTRACT-011), end to end: the 0.11
// conformance kernel (fixtures/kernels/conformance-011) built by real cargo, static and PIE, with
// the default config, fixed addresses (physical memory and recursive entry included) and Dynamic
// maps, and with a ramdisk, written as one hybrid image and booted in real QEMU under SeaBIOS and
// under OVMF. The kernel checks its entry state, BootInfo, memory regions and mappings from
// inside (page-fault probes, page-table walks) and exits through isa-debug-exit; this file checks
// that every check passed and that the addresses it reports are the ones the load plan chose.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageCommand } from '../cli/commands/image.js';
import { runCommand } from '../cli/commands/run.js';
import { runnerCommand } from '../cli/commands/runner.js';
import { PF_R, PF_X, readElf } from '../elf/index.js';
import { code, synthElf } from '../elf/synth.test-helper.js';
import { parseBootLog } from '../image/bootLog.js';
import { BootloaderConfigError, detectKernelAbi } from '../image/bootloaderConfig.js';
import { ABI011_FLAG, encodePlan, layoutHybridDisk, PLAN_FLAG, PLAN_OFFSETS } from '../image/disk.js';
import { makePlan, PlanError, type LoadPlan } from '../image/plan.js';
import { assembleBootloader, assembleEfiLoader } from './bootloaderAssembly.js';
import { cargoInvocation } from './cargo.js';
import { framebufferFromLogLine } from './consoleDisplay.js';
import { buildDiskImage, scratchDir } from './imageBuilder.js';
import { findOvmf, type OvmfFirmware } from './ovmf.js';
import { bootQemu, ovmfDrives, REPO_ROOT } from './testkit.js';
import { findRust, type RustToolchain } from './toolchain.js';

const KERNEL_DIR = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance-011');
// A target folder of this file's own: the variants share one output path.
const TARGET_DIR = join(REPO_ROOT, '.cache', 'conformance-011-target');
const work = scratchDir('bootlab-conformance011-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FIXED = {
  stack: 0x0000_5555_0000_0000n,
  bootInfo: 0x0000_4444_0000_0010n,
  framebuffer: 0x0000_3333_0000_0000n,
  phys: 0x0000_6000_0000_0000n,
  recursiveIndex: 300,
  kernelBase: 0x0000_7000_0000_0000n,
};

/** [name, cargo features, static build] */
const VARIANTS: [string, string, boolean][] = [
  ['pie-default', '', false],
  ['static-default', '', true],
  ['pie-fixed', 'fixed,fixed-base', false],
  ['static-fixed', 'fixed', true],
  ['pie-dynamic-maps', 'dynamic-maps', false],
  ['pie-aslr', 'dynamic-maps,aslr', false],
  // Built as if against older bootloader_api releases: 115- and 124-byte configs (their kernels
  // read a prefix of the 232-byte BootInfo; the stand-in crate reads all of it).
  ['pie-0.11.0', 'layout-0-11-0', false],
  ['static-0.11.10', 'fixed,layout-0-11-10', true],
];

const elves: Record<string, string> = {};
let loader: Uint8Array;
let efiLoader: Uint8Array;
let ovmf: OvmfFirmware | string;

function cargo(toolchain: RustToolchain, subcommand: string, extraArgs: string[]): void {
  const inv = cargoInvocation({ projectDir: KERNEL_DIR, toolchain, subcommand, extraArgs, targetDir: TARGET_DIR, messageFormat: null, color: 'never' });
  try {
    execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`cargo ${subcommand} ${extraArgs.join(' ')} failed:\n${(e as { stderr?: Buffer }).stderr?.toString().slice(-4000)}`);
  }
}

beforeAll(async () => {
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  for (const [name, features, isStatic] of VARIANTS) {
    const args = ['--bin', 'conformance-011', ...(features ? ['--features', features] : [])];
    if (isStatic) args.push('--', '-C', 'relocation-model=static');
    cargo(rust, isStatic ? 'rustc' : 'build', args);
    elves[name] = join(work, name);
    copyFileSync(join(TARGET_DIR, 'x86_64-unknown-none', 'debug', 'conformance-011'), elves[name]);
  }
  const resources = join(REPO_ROOT, 'resources');
  loader = (await assembleBootloader(resources, false)).bytes;
  efiLoader = (await assembleEfiLoader(resources, false)).bytes;
  ovmf = findOvmf();
}, 900_000);

/** A ramdisk whose bytes the kernel sums (sum = sum * 31 + byte, wrapping at 2^64). */
function ramdiskBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

function ramdiskSum(bytes: Uint8Array): bigint {
  let sum = 0n;
  for (const b of bytes) sum = (sum * 31n + BigInt(b)) & 0xffff_ffff_ffff_ffffn;
  return sum;
}

function hybridImage(name: string, options: { ramdisk?: Uint8Array } = {}): { path: string; plan: LoadPlan } {
  const plan = makePlan(readElf(new Uint8Array(readFileSync(elves[name]!))), options.ramdisk ? { ramdisk: options.ramdisk } : {});
  const path = join(work, `${name}${options.ramdisk ? '-ramdisk' : ''}.img`);
  writeFileSync(path, layoutHybridDisk(loader, plan, { hostLog: true, efiLoader }).bytes);
  return { path, plan };
}

interface Run {
  status: number | null;
  serial: string;
  hostLog: string;
}

/** The plain command line (plus the exit device and a host-log file); OVMF adds its pflash drives. */
function boot(image: string, firmware: 'bios' | 'uefi'): Promise<Run> {
  const debugcon = `${image}.${firmware}.debugcon`;
  rmSync(debugcon, { force: true });
  const args = ['-machine', 'pc', '-m', '256M', '-nic', 'none', '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-debugcon', `file:${debugcon}`, '-drive', `format=raw,file=${image}`];
  if (firmware === 'uefi') {
    if (typeof ovmf === 'string') throw new Error(`OVMF is needed for the UEFI runs (Debian: apt-get install ovmf): ${ovmf}`);
    args.push(...ovmfDrives(image, ovmf));
  }
  // A hang guard only: OVMF under TCG on a loaded machine takes 5-15 s to reach the loader.
  return bootQemu(args, { guardMs: 240_000, debugcon });
}

function results(serial: string) {
  const passed = [...serial.matchAll(/^check (\S+) ok\r?$/gm)].map((m) => m[1]!);
  const failed = [...serial.matchAll(/^check (\S+) FAIL(.*?)\r?$/gm)].map((m) => `${m[1]}${m[2]}`);
  const values = new Map([...serial.matchAll(/^value (\S+) (0x[0-9a-f]+)\r?$/gm)].map((m) => [m[1]!, BigInt(m[2]!)] as const));
  const regions = [...serial.matchAll(/^region (0x[0-9a-f]+)\.\.(0x[0-9a-f]+) (\S+?)\r?$/gm)].map((m) => `${m[1]}..${m[2]} ${m[3]}`);
  const done = /conformance-011 done passed=(\d+) failed=(\d+)/.exec(serial);
  return { passed, failed, values, regions, done: done ? { passed: Number(done[1]), failed: Number(done[2]) } : undefined };
}

/** The host log's `region` lines (stage3 writes the 0.11 kinds). */
function hostRegions(hostLog: string): string[] {
  return [...hostLog.matchAll(/^region (0x[0-9a-f]+)\.\.(0x[0-9a-f]+) (\S+)$/gm)].map((m) => `${m[1]}..${m[2]} ${m[3]}`);
}

function expectConformant(run: Run, plan: LoadPlan, firmware: 'bios' | 'uefi') {
  const r = results(run.serial);
  expect(r.failed, run.serial.slice(-3000)).toEqual([]);
  expect(r.done, run.serial.slice(-3000)).toEqual({ passed: r.passed.length, failed: 0 });
  expect(r.passed.length).toBeGreaterThan(35);
  expect(run.status).toBe(33);
  expect(run.serial).toContain(`firmware ${firmware}`);
  // The kernel received what the plan decided.
  const v = r.values;
  expect(v.get('boot-info')).toBe(plan.bootInfo.address);
  expect(v.get('stack-bottom')).toBe(plan.stack.bottom);
  expect(v.get('kernel-image-offset')).toBe(plan.relocationBase);
  expect(v.get('start')).toBe(plan.entry);
  expect(v.get('physical-memory-offset')).toBe(plan.physicalMemoryOffset);
  expect(v.get('recursive-index')).toBe(plan.abi011!.recursiveIndex === undefined ? undefined : BigInt(plan.abi011!.recursiveIndex));
  expect(v.get('tls-start')).toBe(plan.tls.start);
  if (v.has('framebuffer')) expect(v.get('framebuffer')! & ~0xfffn).toBe(plan.abi011!.framebuffer);
  // Every region list the kernel saw is the one stage3 logged; kinds from this firmware only.
  const logged = hostRegions(run.hostLog);
  expect(r.regions).toEqual(logged);
  expect(r.regions.some((l) => l.endsWith(firmware === 'bios' ? 'UnknownBios(2)' : ')'))).toBe(true);
  expect(r.regions.some((l) => l.includes(firmware === 'bios' ? 'UnknownUefi' : 'UnknownBios'))).toBe(false);
  // The host log names the firmware; the VGA-text note is for 0.9 kernels, a 0.11 kernel has its framebuffer.
  expect(run.hostLog.includes('firmware uefi')).toBe(firmware === 'uefi');
  expect(run.hostLog).not.toContain('note the VGA text buffer');
  // Nor does the UEFI loader tell a framebuffer kernel about VGA text on serial.
  if (firmware === 'uefi') {
    expect(run.serial).toContain('Bootlab: plan and kernel read, exiting boot services');
    expect(run.serial).not.toContain('UEFI has no VGA text mode');
  }
  // Under UEFI the log carries the UEFI map (the app's details table) and the GOP framebuffer
  // (the memory map marks it); on BIOS stage2's vbe record says where the framebuffer is.
  const log = parseBootLog(run.hostLog);
  if (firmware === 'uefi') {
    expect(log.uefiMap.length).toBeGreaterThan(2);
    expect(log.uefiMap.some((e) => e.type === 7)).toBe(true); // EfiConventionalMemory
    expect(log.uefiMap.every((e) => e.type < 16 && e.start < e.end)).toBe(true);
  } else {
    expect(log.uefiMap).toEqual([]);
  }
  const fbLines = run.hostLog.split('\n').filter((l) => l.startsWith(firmware === 'uefi' ? 'framebuffer ' : 'vbe '));
  expect(fbLines.length).toBe(1);
  const fb = framebufferFromLogLine(fbLines[0]!);
  expect(fb && fb.end - fb.start).toBeGreaterThanOrEqual(640 * 480 * 4);
  if (firmware === 'uefi') expect(BigInt(/virt=(0x[0-9a-f]+)/.exec(fbLines[0]!)![1]!)).toBe(plan.abi011!.framebuffer);
  return r;
}

describe('bootloader_api 0.11 conformance kernel under SeaBIOS (hybrid image)', () => {
  for (const [name] of VARIANTS) {
    it(`${name} passes every check from inside`, async () => {
      const { path, plan } = hybridImage(name);
      expect(plan.abi).toBe('0.11');
      expect(plan.kind).toBe(name.startsWith('pie') ? 'pie' : 'exec');
      expect(plan.abi011!.config.length).toBe(name.endsWith('0.11.0') ? 115 : name.endsWith('0.11.10') ? 124 : 133);
      const run = await boot(path, 'bios');
      expectConformant(run, plan, 'bios');
    }, 120_000);
  }
});

describe('bootloader_api 0.11 conformance kernel under OVMF (the same hybrid images)', () => {
  for (const [name] of VARIANTS) {
    it(`${name} passes every check from inside`, async () => {
      const { path, plan } = hybridImage(name);
      const run = await boot(path, 'uefi');
      expectConformant(run, plan, 'uefi');
    }, 300_000);
  }
});

describe('0.11 addresses', () => {
  it('default config: PIE kernel, stack, framebuffer and boot info in the lowest free level-4 slots, in upstream order', () => {
    const { plan } = hybridImage('pie-default');
    expect(plan.relocationBase).toBe(1n << 39n);
    expect(plan.stack.guard).toBe(2n << 39n);
    expect(plan.abi011!.framebuffer).toBe(3n << 39n);
    expect(plan.bootInfo.address).toBe(4n << 39n);
    expect(plan.physicalMemoryOffset).toBeUndefined();
    expect(plan.stack.top).toBe(((2n << 39n) + 0x1000n + 0x14000n) & ~15n);
  });

  it('ASLR: each image gets other addresses, each in a free slot of its own', () => {
    const a = hybridImage('pie-aslr').plan;
    const b = hybridImage('pie-aslr').plan;
    expect(a.relocationBase).not.toBe(b.relocationBase);
    for (const plan of [a, b]) {
      const slots = [plan.relocationBase, plan.stack.guard, plan.abi011!.framebuffer, plan.physicalMemoryOffset!, plan.bootInfo.address].map((x) => Number((x >> 39n) & 511n));
      slots.push(plan.abi011!.recursiveIndex!);
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots).not.toContain(0);
      expect(plan.relocationBase % 0x1000n).toBe(0n);
      expect(plan.physicalMemoryOffset! % 0x200000n).toBe(0n);
    }
  });

  it('the plan header carries the 0.11 fields stage3 reads (disk.ts PLAN_OFFSETS, layout.inc)', () => {
    const disk = ramdiskBytes(5000);
    const { plan } = hybridImage('static-fixed', { ramdisk: disk });
    const bytes = encodePlan(plan, 0);
    const v = new DataView(bytes.buffer);
    const O = PLAN_OFFSETS;
    expect(v.getUint32(O.flags, true) & (PLAN_FLAG.abi011 | PLAN_FLAG.framebuffer | PLAN_FLAG.mapPhysicalMemory | PLAN_FLAG.recursivePageTable)).toBe(PLAN_FLAG.abi011 | PLAN_FLAG.framebuffer | PLAN_FLAG.mapPhysicalMemory | PLAN_FLAG.recursivePageTable);
    expect([v.getUint16(O.apiVersion, true), v.getUint16(O.apiVersion + 2, true), v.getUint16(O.apiVersion + 4, true), bytes[O.apiVersion + 6]]).toEqual([0, 11, 16, 0]);
    expect(v.getBigUint64(O.framebufferVaddr, true)).toBe(FIXED.framebuffer);
    expect(v.getBigUint64(O.stackBytes, true)).toBe(0x1_2345n);
    expect(v.getBigUint64(O.stackPages, true)).toBe(19n);
    expect(v.getBigUint64(O.kernelImageOffset, true)).toBe(0n);
    expect(v.getBigUint64(O.ramdiskBytes, true)).toBe(5000n);
    expect(v.getBigUint64(O.ramdiskVaddr, true)).toBe(plan.abi011!.ramdisk!.address);
    expect(v.getUint32(O.abi011Flags, true)).toBe(ABI011_FLAG.tls | ABI011_FLAG.ramdisk);
    expect(v.getUint32(O.kernelPayloadPages, true)).toBe(plan.payloadPages - 2);
    expect(v.getBigUint64(O.recursiveIndex, true)).toBe(BigInt(FIXED.recursiveIndex));
    // No minimum framebuffer size in this config; a 0.9 plan sets none of it.
    expect([v.getUint32(O.fbMinWidth, true), v.getUint32(O.fbMinHeight, true)]).toEqual([0, 0]);
  });

  it('fixed config: every address as the kernel asked', () => {
    const { plan } = hybridImage('pie-fixed');
    expect(plan.relocationBase).toBe(FIXED.kernelBase);
    expect(plan.stack.guard).toBe(FIXED.stack);
    expect(plan.bootInfo.address).toBe(FIXED.bootInfo);
    expect(plan.abi011!.framebuffer).toBe(FIXED.framebuffer);
    expect(plan.physicalMemoryOffset).toBe(FIXED.phys);
    expect(plan.abi011!.recursiveIndex).toBe(FIXED.recursiveIndex);
    expect(plan.abi011!.relro).toBeDefined();
  });
});

describe('a ramdisk', () => {
  const disk = ramdiskBytes(3 * 4096 + 123);
  for (const firmware of ['bios', 'uefi'] as const) {
    it(`is mapped where the config says and reported in BootInfo (${firmware})`, async () => {
      const { path, plan } = hybridImage(firmware === 'bios' ? 'static-fixed' : 'pie-default', { ramdisk: disk });
      expect(plan.abi011!.ramdisk).toMatchObject({ bytes: disk.length, pages: 4 });
      const run = await boot(path, firmware);
      const r = expectConformant(run, plan, firmware);
      expect(r.values.get('ramdisk')).toBe(plan.abi011!.ramdisk!.address);
      expect(r.values.get('ramdisk-len')).toBe(BigInt(disk.length));
      expect(r.values.get('ramdisk-sum')).toBe(ramdiskSum(disk));
    }, 300_000);
  }
});

describe('bootlab image --ramdisk', () => {
  async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const status = await imageCommand.run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: work, env: process.env });
    return { status, stdout, stderr };
  }

  it('writes one hybrid image whose ramdisk the kernel reads under SeaBIOS and under OVMF', async () => {
    const disk = ramdiskBytes(10_000);
    writeFileSync(join(work, 'ramdisk.bin'), disk);
    const out = await cli([elves['pie-fixed']!, '-o', 'cli-ramdisk.img', '--ramdisk', 'ramdisk.bin', '--host-log']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/bootloader_api 0\.11\.16 kernel \(133-byte config\): BootInfo 232 bytes, framebuffer at 0x333300000000/);
    expect(out.stdout).toMatch(/ramdisk: 10000 bytes at 0x[0-9a-f]+/);
    const plan = makePlan(readElf(new Uint8Array(readFileSync(elves['pie-fixed']!))), { ramdisk: disk });
    for (const firmware of ['bios', 'uefi'] as const) {
      const run = await boot(join(work, 'cli-ramdisk.img'), firmware);
      const r = expectConformant(run, plan, firmware);
      expect(r.values.get('ramdisk-len')).toBe(10_000n);
      expect(r.values.get('ramdisk-sum')).toBe(ramdiskSum(disk));
    }
  }, 400_000);

  it('bootlab run --ramdisk boots the kernel with it (UEFI through --firmware)', async () => {
    const disk = ramdiskBytes(7000);
    writeFileSync(join(work, 'run-ramdisk.bin'), disk);
    let stdout = '';
    let stderr = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), cwd: work, env: { ...process.env, CARGO_MANIFEST_DIR: KERNEL_DIR } };
    const status = await runCommand.run([elves['static-default']!, '--firmware', 'uefi', '--ramdisk', 'run-ramdisk.bin', '--', '-display', 'none', '-m', '256M', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], io);
    expect(stderr).not.toMatch(/could not build/);
    const r = results(stdout);
    expect(r.failed).toEqual([]);
    expect(r.done?.failed).toBe(0);
    expect(stdout).toContain('firmware uefi');
    expect(r.values.get('ramdisk-sum')).toBe(ramdiskSum(disk));
    expect(status).toBe(33);
  }, 300_000);

  it("bootlab runner (as cargo test calls it) takes the crate's [package.metadata.bootlab] ramdisk, relative to Cargo.toml", async () => {
    const crate = join(work, 'ramdisk-crate');
    mkdirSync(join(crate, 'data'), { recursive: true });
    writeFileSync(join(crate, 'Cargo.toml'), '[package]\nname = "ramdisk-crate"\nversion = "0.1.0"\n\n[package.metadata.bootlab]\nramdisk = "data/initrd.bin"\nfirmware = "uefi"\n');
    const disk = ramdiskBytes(5000);
    writeFileSync(join(crate, 'data', 'initrd.bin'), disk);
    const kernel = join(work, 'runner-ramdisk-kernel');
    copyFileSync(elves['static-default']!, kernel);
    let stdout = '';
    let stderr = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), cwd: work, env: { ...process.env, CARGO_MANIFEST_DIR: crate } };
    const status = await runnerCommand.run([kernel, '-display', 'none', '-m', '256M', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], io);
    expect(stderr).not.toMatch(/could not build/);
    const r = results(stdout);
    expect(r.failed).toEqual([]);
    expect(stdout).toContain('firmware uefi');
    expect(r.values.get('ramdisk-len')).toBe(5000n);
    expect(r.values.get('ramdisk-sum')).toBe(ramdiskSum(disk));
    expect(status).toBe(33);
    // A ramdisk entry that is not a path is refused, naming the manifest and the key.
    writeFileSync(join(crate, 'Cargo.toml'), '[package]\nname = "ramdisk-crate"\nversion = "0.1.0"\n\n[package.metadata.bootlab]\nramdisk = 7\n');
    let bad = '';
    expect(await runnerCommand.run([kernel, '-display', 'none'], { ...io, stdout: () => {}, stderr: (t: string) => (bad += t) })).toBe(1);
    expect(bad).toMatch(/Cargo\.toml: \[package\.metadata\.bootlab\] ramdisk must be a file path \(a string\), not 7/);
  }, 300_000);

  it('refuses a ramdisk it cannot read, and a ramdisk for a 0.9 kernel, saying why', async () => {
    const missing = await cli([elves['pie-default']!, '-o', 'no.img', '--ramdisk', 'missing.bin']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^bootlab image: cannot read the ramdisk .*missing\.bin: ENOENT/);
    expect(existsSync(join(work, 'no.img'))).toBe(false);
    const kernel09 = join(work, 'kernel-0.9');
    writeFileSync(kernel09, synthElf({ entry: 0x201000n, segments: [{ flags: PF_R | PF_X, vaddr: 0x201000n, data: code(0x100) }] }));
    writeFileSync(join(work, 'small.bin'), new Uint8Array(100));
    const old = await cli([kernel09, '-o', 'no.img', '--ramdisk', 'small.bin']);
    expect(old.status).toBe(1);
    expect(old.stderr).toContain('a ramdisk is part of the bootloader_api 0.11 contract; this kernel has no .bootloader-config section (a bootloader 0.9 kernel)');
  });
});

describe('bad 0.11 kernels are refused with what is wrong and where', () => {
  /** The PIE default kernel's bytes and its config blob's file offset. */
  function pieDefault(): { bytes: Uint8Array; config: number } {
    const bytes = new Uint8Array(readFileSync(elves['pie-default']!));
    const abi = detectKernelAbi(readElf(bytes));
    if (abi.abi !== 'bootloader_api-0.11') throw new Error('not a 0.11 kernel');
    return { bytes, config: abi.section.offset };
  }

  it('a corrupt config blob names the section, the byte and the field', () => {
    const { bytes, config } = pieDefault();
    bytes[config + 31] = 2; // mappings.kernel_stack's flag
    expect(() => makePlan(readElf(bytes))).toThrow(BootloaderConfigError);
    expect(() => makePlan(readElf(bytes))).toThrow(`.bootloader-config byte 31 (file offset 0x${(config + 31).toString(16)}), mappings.kernel_stack: flag byte 0x02 is neither 0 nor 1`);
  });

  it('a stack too big for memory below 4 GiB names kernel_stack_size', () => {
    const { bytes, config } = pieDefault();
    new DataView(bytes.buffer).setBigUint64(config + 23, 8n << 30n, true);
    expect(() => makePlan(readElf(bytes))).toThrow(PlanError);
    expect(() => makePlan(readElf(bytes))).toThrow(/\.bootloader-config kernel_stack_size \(file offset 0x[0-9a-f]+\): 8 GiB is more than the 4 GiB/);
  });

  it('a kernel too big for the guest (here its 512 MiB stack in 256 MiB) is refused with the numbers before QEMU starts', async () => {
    const { bytes, config } = pieDefault();
    new DataView(bytes.buffer).setBigUint64(config + 23, 512n << 20n, true);
    const elf = join(work, 'big-stack');
    writeFileSync(elf, bytes);
    const out = join(work, 'big-stack.img');
    await expect(buildDiskImage({ kernelPath: elf, outPath: out, imageKind: 'hybrid', cacheDir: false, guestRam: { bytes: 256 << 20, source: '-m 256M' } })).rejects.toThrow(
      /big-stack: the kernel needs at least .* of memory \(.*stack 512 MiB.*\), but the guest has 256 MiB \(-m 256M\)/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown relocation type names the relocation entry', () => {
    const { bytes } = pieDefault();
    const elf = readElf(bytes);
    const first = elf.relocations[0]!;
    bytes[first.entryOffset + 8] = 2; // r_info's type: R_X86_64_PC32
    expect(() => makePlan(readElf(bytes))).toThrow(`relocation at file offset 0x${first.entryOffset.toString(16)} has type 2 (R_X86_64_PC32); only R_X86_64_RELATIVE is supported`);
  });

  it('a fixed kernel base for an ET_EXEC kernel names mappings.kernel_base', () => {
    // The static build with the fixed-base config: patch the default blob's kernel_base to Fixed.
    const bytes = new Uint8Array(readFileSync(elves['static-default']!));
    const abi = detectKernelAbi(readElf(bytes));
    if (abi.abi !== 'bootloader_api-0.11') throw new Error('not a 0.11 kernel');
    bytes[abi.section.offset + 40] = 1;
    new DataView(bytes.buffer).setBigUint64(abi.section.offset + 41, FIXED.kernelBase, true);
    expect(() => makePlan(readElf(bytes))).toThrow(/mappings\.kernel_base: FixedAddress\(0x700000000000\) needs a position-independent \(ET_DYN\) kernel/);
  });
});
