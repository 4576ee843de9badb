// Bootlab's UEFI loader (resources/bootloader/uefi, BOOTX64.EFI) under real OVMF and QEMU, with
// real kernels built by cargo: the sample kernel and the 0.9 conformance kernel boot and pass
// their checks from inside, and a missing or corrupt file on the EFI system partition stops the
// loader with a message on serial (no reset, no fall-through to the next boot option).
// The images are written here with buildGptImage directly (the image writer's UEFI kinds are
// tested with the image writer).
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readElf } from '../elf/index.js';
import { parseBootLog, parseRegionLines } from '../image/bootLog.js';
import { encodePlan, PLAN_OFFSETS } from '../image/disk.js';
import { buildGptImage } from '../image/gptImage.js';
import { makePlan, type LoadPlan } from '../image/plan.js';
import { assembleEfiLoader } from './bootloaderAssembly.js';
import { cargoInvocation } from './cargo.js';
import { scratchDir } from './imageBuilder.js';
import { findOvmf, type OvmfFirmware } from './ovmf.js';
import { bootQemu, ovmfDrives, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findRust, type RustToolchain } from './toolchain.js';

const work = scratchDir('bootlab-uefi-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const CONFORMANCE_DIR = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance');
// A target folder of its own: other test files build other conformance variants at the same time.
const UEFI_CONFORMANCE_TARGET = join(REPO_ROOT, '.cache', 'uefi-conformance-target');

let ovmf: OvmfFirmware;
let efiLoader: Uint8Array;
const elves: Record<string, string> = {};

function cargo(toolchain: RustToolchain, projectDir: string, subcommand: string, extraArgs: string[], targetDir: string): void {
  const inv = cargoInvocation({ projectDir, toolchain, subcommand, extraArgs, targetDir, messageFormat: null, color: 'never' });
  try {
    execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`cargo ${subcommand} ${extraArgs.join(' ')} failed:\n${(e as { stderr?: Buffer }).stderr?.toString().slice(-4000)}`);
  }
}

beforeAll(async () => {
  const found = findOvmf();
  if (typeof found === 'string') throw new Error(`OVMF is needed for these tests (Debian: apt-get install ovmf): ${found}`);
  if (!found.vars) throw new Error(`OVMF's variable store template is missing beside ${found.code}`);
  ovmf = found;
  efiLoader = (await assembleEfiLoader(join(REPO_ROOT, 'resources'), false)).bytes;
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  cargo(rust, join(REPO_ROOT, 'resources', 'sample-kernel'), 'build', [], TEST_TARGET_DIR);
  elves.sample = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel');
  const variants: [string, string, boolean][] = [
    ['static-both', 'map_physical_memory,recursive_page_table', true],
    ['pie-none', '', false],
  ];
  for (const [name, features, isStatic] of variants) {
    const args = features ? ['--features', features] : [];
    args.push('--bin', 'conformance');
    if (isStatic) args.push('--', '-C', 'relocation-model=static');
    cargo(rust, CONFORMANCE_DIR, isStatic ? 'rustc' : 'build', args, UEFI_CONFORMANCE_TARGET);
    elves[name] = join(work, `conformance-${name}`);
    copyFileSync(join(UEFI_CONFORMANCE_TARGET, 'x86_64-unknown-none', 'debug', 'conformance'), elves[name]);
  }
}, 900_000);

interface EspOptions {
  /** Leave BOOTLAB/KERNEL.BIN out. */
  noKernel?: boolean;
  /** Change the plan after its checksum was computed. */
  corruptPlan?: boolean;
}

/** A GPT disk whose ESP holds BOOTX64.EFI, the plan (with the host log on) and the payload. */
function uefiImage(name: string, plan: LoadPlan, options: EspOptions = {}): string {
  const planBytes = encodePlan(plan, 0, { hostLog: true });
  if (options.corruptPlan) planBytes[PLAN_OFFSETS.entry] ^= 0x40;
  const espFiles = [
    { path: 'EFI/BOOT/BOOTX64.EFI', data: efiLoader },
    { path: 'BOOTLAB/PLAN.BIN', data: planBytes },
    ...(options.noKernel ? [] : [{ path: 'BOOTLAB/KERNEL.BIN', data: plan.payload }]),
  ];
  const path = join(work, `${name}.img`);
  writeFileSync(path, buildGptImage({ espFiles, seed: name }).bytes);
  return path;
}

function planFor(elf: string, features: string[]): LoadPlan {
  return makePlan(readElf(new Uint8Array(readFileSync(elf))), { features });
}

interface OvmfRun {
  status: number | null;
  /** True when the run was ended by the test (after `until`, or by the hang guard). */
  killed: boolean;
  serial: string;
  hostLog: string;
}

/**
 * Boot `image` under OVMF with a fresh copy of its variable store. With `until`, the run is ended
 * once serial matches it and QEMU is still running (a reset or shutdown would have ended QEMU:
 * -no-reboot); otherwise it ends when the kernel exits QEMU.
 */
function bootOvmf(image: string, options: { until?: RegExp } = {}): Promise<OvmfRun> {
  const debugcon = `${image}.debugcon`;
  rmSync(debugcon, { force: true });
  const args = [
    '-machine', 'pc', '-m', '256M', '-nic', 'none', '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-debugcon', `file:${debugcon}`,
    ...ovmfDrives(image, ovmf),
    '-drive', `format=raw,file=${image}`,
  ];
  // A hang guard only: OVMF under TCG on a loaded machine takes 5-15 s to reach the loader. After
  // `until`, a few more bytes may arrive (a halted loader sends none), then the run is ended.
  return bootQemu(args, { guardMs: 240_000, debugcon, until: options.until, untilGraceMs: 2_000 });
}

function checks(serial: string): { passed: string[]; failed: string[]; doneFailed?: number } {
  const passed = [...serial.matchAll(/^check (\S+) ok\r?$/gm)].map((m) => m[1]!);
  const failed = [...serial.matchAll(/^check (\S+) FAIL(.*?)\r?$/gm)].map((m) => `${m[1]}${m[2]}`);
  const done = /conformance done passed=\d+ failed=(\d+)/.exec(serial);
  return { passed, failed, doneFailed: done ? Number(done[1]) : undefined };
}

describe('UEFI loader under OVMF', () => {
  it('boots the sample kernel: its serial output, a memory map from the UEFI map, the boot log says there is no VGA text', async () => {
    const run = await bootOvmf(uefiImage('sample', planFor(elves.sample!, ['map_physical_memory'])));
    expect(run.serial).toContain('Bootlab UEFI loader');
    expect(run.serial).toContain('UEFI has no VGA text mode');
    expect(run.serial).toContain('Hello from the Bootlab sample kernel!');
    expect(run.serial).toContain('The sample kernel is done.');
    expect(run.status).toBe(33);
    expect(run.killed).toBe(false);

    const regions = parseRegionLines(run.serial);
    const log = parseBootLog(run.hostLog);
    expect(log.complete).toBe(true);
    expect(log.unknown).toContain('firmware uefi');
    expect(log.unknown.some((l) => l.startsWith('note the VGA text buffer does not exist under UEFI'))).toBe(true);
    // The map the kernel printed is the one stage3 logged, built from the translated UEFI map.
    expect(log.memoryMap).toEqual(regions);
    expect(regions.find((r) => r.type === 'Bootloader')).toEqual({ start: 0x5000, end: 0x38000, type: 'Bootloader' });
    expect(regions.find((r) => r.type === 'Kernel')?.start).toBe(0x100000);
    expect(regions[0]).toEqual({ start: 0, end: 0x1000, type: 'FrameZero' });
    // OVMF's ACPI tables and NVS survive as their own kinds; sorted and without overlaps.
    expect(regions.some((r) => r.type === 'AcpiNvs')).toBe(true);
    for (let i = 1; i < regions.length; i++) expect(regions[i]!.start).toBeGreaterThanOrEqual(regions[i - 1]!.end);
    expect(log.entry!.rdi).toBe(0x100_0000_0000n);
  }, 300_000);

  for (const [name, features] of [
    ['static-both', ['map_physical_memory', 'recursive_page_table']],
    ['pie-none', []],
  ] as const) {
    it(`conformance kernel ${name} passes every check from inside`, async () => {
      const run = await bootOvmf(uefiImage(`conformance-${name}`, planFor(elves[name]!, [...features])));
      const c = checks(run.serial);
      // The one difference the contract allows under UEFI: the VGA is in the firmware's graphics
      // mode, not text mode 3 (the boot log says so). Everything else holds.
      expect(c.failed.filter((f) => !f.startsWith('vga.mode '))).toEqual([]);
      expect(c.failed.length).toBeLessThanOrEqual(1);
      // The control registers are the BIOS path's, not OVMF's (which leaves SSE on).
      expect(c.passed).toEqual(expect.arrayContaining(['cpu.nxe', 'cpu.wp', 'cpu.sse', 'cpu.ss-null', 'cpu.interrupts-off']));
      expect(c.passed.length).toBeGreaterThan(features.length > 0 ? 45 : 25);
      expect(c.doneFailed).toBe(c.failed.length);
      // The kernel exits with 0x11 (status 35) when any check failed.
      expect(run.status).toBe(c.failed.length === 0 ? 33 : 35);
      const log = parseBootLog(run.hostLog);
      expect(log.memoryMap).toEqual(parseRegionLines(run.serial));
    }, 300_000);
  }

  it('stops with a message naming the file when BOOTLAB/KERNEL.BIN is missing', async () => {
    const run = await bootOvmf(uefiImage('no-kernel', planFor(elves.sample!, ['map_physical_memory']), { noKernel: true }), { until: /UEFI loader stopped here/ });
    expect(run.serial).toContain("Bootlab: cannot open the boot partition's \\BOOTLAB\\KERNEL.BIN: Not Found (EFI status 0x800000000000000E)");
    expect(run.serial).toContain('Bootlab: the UEFI loader stopped here.');
    // Halted, not reset or shut down (QEMU would have exited) and no other boot option tried.
    expect(run.killed).toBe(true);
    expect(run.serial).not.toContain('Hello from the Bootlab sample kernel!');
    expect(run.serial).not.toContain('EFI Internal Shell');
  }, 300_000);

  it('stops with a message when the plan on the ESP is corrupt', async () => {
    const run = await bootOvmf(uefiImage('bad-plan', planFor(elves.sample!, ['map_physical_memory']), { corruptPlan: true }), { until: /UEFI loader stopped here/ });
    expect(run.serial).toContain('Bootlab: corrupt image: load plan checksum mismatch in \\BOOTLAB\\PLAN.BIN');
    expect(run.killed).toBe(true);
    expect(run.serial).not.toContain('exiting boot services');
  }, 300_000);
});
