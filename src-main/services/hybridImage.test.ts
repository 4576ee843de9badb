// Hybrid images (BIOS + UEFI on one disk) and the image kinds of `bootlab image --firmware`, with
// the real sample kernel, real QEMU and SeaBIOS, and sgdisk/fsck.fat/mtools as oracles: the
// hybrid image boots in a plain QEMU with no Bootlab-added arguments, its loader reads the
// payload by DMA from KERNEL.BIN's clusters, a second Bootlab disk on the DMA channel is told
// apart, `--firmware bios` is exactly the MBR layout, and a UEFI image without a loader is
// refused with a clear message.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageCommand } from '../cli/commands/image.js';
import { readElf } from '../elf/index.js';
import { parseBootLog, parseRegionLines } from '../image/bootLog.js';
import { encodePlan, layoutDisk, PLAN_HEADER_SIZE, PLAN_RUN_SIZE, STAGE1_FIELDS } from '../image/disk.js';
import { makePlan } from '../image/plan.js';
import { cargoInvocation } from './cargo.js';
import { assembleBootloader, buildDiskImage, scratchDir } from './imageBuilder.js';
import { bootQemu, type QemuBoot, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findRust } from './toolchain.js';

const work = scratchDir('bootlab-hybrid-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const SAMPLE_DIR = join(REPO_ROOT, 'resources', 'sample-kernel');
let sample = '';
/** The conformance kernel (fixtures/kernels/conformance), static and PIE, copied out of the shared target folder. */
const conformance: Record<'static' | 'pie', string> = { static: '', pie: '' };
/** A 7 MB debug ELF: the exit kernel with 6 MiB of non-loadable 0xDB ballast standing in for debug info. */
let ballastElf = '';

beforeAll(async () => {
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  const cargo = (projectDir: string, subcommand: string, extraArgs: string[], targetDir: string) => {
    const inv = cargoInvocation({ projectDir, toolchain: rust, subcommand, extraArgs, targetDir, messageFormat: null, color: 'never' });
    execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  cargo(SAMPLE_DIR, 'build', [], TEST_TARGET_DIR);
  sample = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel');
  const conformanceDir = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance');
  // A target folder of this file's own: other test files build other variants of the same
  // binary at the same path, which could be swapped between a build here and its copy.
  const targetDir = join(REPO_ROOT, '.cache', 'hybrid-conformance-target');
  const built = join(targetDir, 'x86_64-unknown-none', 'debug', 'conformance');
  cargo(conformanceDir, 'rustc', ['--features', 'map_physical_memory,recursive_page_table', '--bin', 'conformance', '--', '-C', 'relocation-model=static'], targetDir);
  copyFileSync(built, (conformance.static = join(work, 'conformance-static')));
  cargo(conformanceDir, 'build', ['--bin', 'conformance'], targetDir);
  copyFileSync(built, (conformance.pie = join(work, 'conformance-pie')));
  cargo(conformanceDir, 'rustc', ['--features', 'ballast', '--bin', 'exit-kernel', '--', '-C', 'relocation-model=static'], targetDir);
  copyFileSync(join(targetDir, 'x86_64-unknown-none', 'debug', 'exit-kernel'), (ballastElf = join(work, 'exit-kernel-7mb')));
}, 600_000);

/** The plain command line of the settled interface, plus the kernel's exit device and a host-log file. */
function bootPlain(extraArgs: string[], debugcon: string): Promise<QemuBoot> {
  const args = ['-machine', 'pc', '-m', '256M', '-nic', 'none', '-no-reboot', ...extraArgs, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-debugcon', `file:${debugcon}`];
  // A hang guard only: the sample kernel exits through isa-debug-exit in well under a second (OVMF takes seconds to reach it).
  return bootQemu(args, { guardMs: 240_000, debugcon });
}

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await imageCommand.run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: work, env: process.env });
  return { status, stdout, stderr };
}

function tool(command: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' } });
  if (r.error) throw new Error(`${command} could not run (${r.error.message}); node scripts/setup.js installs the test oracles`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('hybrid images', () => {
  it('bootlab image writes a hybrid image by default; the file boots the sample kernel in a plain QEMU under SeaBIOS (payload by DMA) and under OVMF', async () => {
    const image = join(work, 'sample-hybrid.img');
    const r = await cli([sample, '-o', image, '--host-log', '--manifest', join(SAMPLE_DIR, 'Cargo.toml')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/image: \d+ bytes, hybrid \(\d+ sectors: GPT, BIOS boot partition LBA 34-\d+ \(loader \d+, plan 1\), ESP LBA 2048-\d+ FAT1[26] with .*PLAN\.BIN, KERNEL\.BIN/);
    const run = await bootPlain(['-drive', `format=raw,file=${image}`], `${image}.debugcon`);
    expect(run.serial).toContain('Hello from the Bootlab sample kernel!');
    expect(run.serial).toContain('The sample kernel is done.');
    expect(run.status).toBe(33);
    const log = parseBootLog(run.hostLog);
    expect(log.complete).toBe(true);
    expect(log.payloadRead?.method).toBe('dma');
    expect(log.memoryMap).toEqual(parseRegionLines(run.serial));
    // The same file under OVMF: the pflash drives of the settled interface added, nothing else.
    const vars = join(work, 'OVMF_VARS-hybrid.fd');
    copyFileSync('/usr/share/OVMF/OVMF_VARS_4M.fd', vars);
    const uefi = await bootPlain(
      ['-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd', '-drive', `if=pflash,format=raw,unit=1,file=${vars}`, '-drive', `format=raw,file=${image}`],
      `${image}.uefi-debugcon`,
    );
    expect(uefi.serial).toContain('The sample kernel is done.');
    expect(uefi.status).toBe(33);
  }, 180_000);

  for (const [kind, features] of [
    ['static', ['map_physical_memory', 'recursive_page_table']],
    ['pie', []],
  ] as const) {
    it(`the conformance kernel (${kind}) passes every check from a hybrid image under SeaBIOS`, async () => {
      const image = join(work, `conformance-${kind}.img`);
      await buildDiskImage({ kernelPath: conformance[kind], outPath: image, imageKind: 'hybrid', features: [...features], hostLog: true });
      const run = await bootPlain(['-drive', `format=raw,file=${image}`], `${image}.debugcon`);
      const failed = [...run.serial.matchAll(/^check (\S+) FAIL(.*)$/gm)].map((m) => `${m[1]}${m[2]}`);
      expect(failed).toEqual([]);
      expect(run.serial).toMatch(/conformance done passed=\d+ failed=0/);
      expect(run.status).toBe(33);
      const log = parseBootLog(run.hostLog);
      expect(log.payloadRead?.method).toBe('dma');
      expect(log.memoryMap).toEqual(parseRegionLines(run.serial));
    }, 120_000);
  }

  it('the GPT and the ESP are valid (sgdisk, fsck.fat), the ESP holds the plan and only the kernel\'s loadable bytes, and the BIOS loader reads KERNEL.BIN in place', async () => {
    const image = join(work, 'layout-hybrid.img');
    const facts = await buildDiskImage({ kernelPath: sample, outPath: image, imageKind: 'hybrid', features: ['map_physical_memory'] });
    expect(facts.kind).toBe('hybrid');
    const disk = readFileSync(image);
    const verify = tool('sgdisk', ['-v', image]);
    expect(verify.out).toContain('No problems found');
    const list = tool('sgdisk', ['-p', image]).out;
    expect(list).toMatch(/^\s+1\s+34\s+\d+.*EF02\s+BIOS boot partition$/m);
    expect(list).toMatch(/^\s+2\s+2048\s+\d+.*EF00\s+EFI system partition$/m);
    // The protective MBR: stage 1's code, loader LBA 34, a zero disk signature, one 0xEE record from LBA 1.
    expect(disk.readUInt32LE(STAGE1_FIELDS.loaderLba)).toBe(34);
    expect(disk.readUInt32LE(STAGE1_FIELDS.imageId)).not.toBe(0);
    expect(disk.readUInt32LE(440)).toBe(0);
    expect(disk[446 + 4]).toBe(0xee);
    expect(disk.readUInt32LE(446 + 8)).toBe(1);
    expect(disk.readUInt32LE(446 + 12)).toBe(disk.length / 512 - 1);
    const loader = (await assembleBootloader()).bytes;
    expect(disk.subarray(0, STAGE1_FIELDS.loaderLba).equals(Buffer.from(loader.subarray(0, STAGE1_FIELDS.loaderLba)))).toBe(true);
    // The ESP as a FAT volume, read back with mtools.
    const layout = facts.layout as { esp: { firstLba: number; lastLba: number }; biosBoot: { firstLba: number }; planLba: number; payloadLba: number; efiLoader: boolean };
    const esp = join(work, 'esp.fat');
    execFileSync('dd', [`if=${image}`, `of=${esp}`, 'bs=512', `skip=${layout.esp.firstLba}`, `count=${layout.esp.lastLba - layout.esp.firstLba + 1}`, 'status=none']);
    expect(tool('fsck.fat', ['-n', esp]).status).toBe(0);
    const out = join(work, 'esp-out');
    mkdirSync(out, { recursive: true });
    expect(tool('mcopy', ['-n', '-o', '-s', '-i', esp, '::BOOTLAB', out]).status).toBe(0);
    const plan = makePlan(readElf(new Uint8Array(readFileSync(sample))), { features: ['map_physical_memory'] });
    const kernelBin = readFileSync(join(out, 'BOOTLAB', 'KERNEL.BIN'));
    expect(kernelBin.equals(Buffer.from(plan.payload))).toBe(true);
    expect(kernelBin.length).toBe(facts.payloadBytes);
    expect(kernelBin.length).toBeLessThan(readFileSync(sample).length);
    // The plan names KERNEL.BIN's first sector; the BIOS boot partition and PLAN.BIN hold the same plan.
    const planBin = readFileSync(join(out, 'BOOTLAB', 'PLAN.BIN'));
    expect(planBin.equals(Buffer.from(encodePlan(plan, layout.payloadLba)))).toBe(true);
    expect(disk.subarray(layout.planLba * 512, layout.planLba * 512 + planBin.length).equals(planBin)).toBe(true);
    expect(layout.planLba).toBe(layout.biosBoot.firstLba + loader.length / 512);
    expect(disk.subarray(layout.payloadLba * 512, layout.payloadLba * 512 + kernelBin.length).equals(kernelBin)).toBe(true);
    expect(planBin.length).toBe(PLAN_HEADER_SIZE + plan.runs.length * PLAN_RUN_SIZE);
    // The kernel's bytes are on the disk once: the image is the payload plus the loader, the GPT and the 1 MiB alignment.
    expect(disk.length).toBeLessThan(kernelBin.length + (1 << 20) + 128 * 1024);
    // BOOTX64.EFI is there exactly when this Bootlab has a UEFI loader.
    expect(tool('mdir', ['-b', '-i', esp, '::EFI/BOOT']).out.includes('BOOTX64.EFI')).toBe(layout.efiLoader);
    expect(layout.efiLoader).toBe(existsSync(join(REPO_ROOT, 'resources', 'bootloader', 'uefi', 'bootx64.asm')));
  }, 120_000);

  it('a 7 MB debug ELF gives a hybrid image of its loadable bytes only, which boots', async () => {
    const image = join(work, 'ballast-hybrid.img');
    const facts = await buildDiskImage({ kernelPath: ballastElf, outPath: image, imageKind: 'hybrid', hostLog: true });
    expect(facts.elfBytes).toBeGreaterThan(7_000_000);
    const disk = readFileSync(image);
    // The loader, the EFI application, the GPT and the 1 MiB before the ESP; no ballast.
    expect(disk.length).toBeLessThan(facts.payloadBytes + (1 << 20) + 256 * 1024);
    expect(disk.includes(Buffer.alloc(4096, 0xdb))).toBe(false);
    const run = await bootPlain(['-drive', `format=raw,file=${image}`], `${image}.debugcon`);
    expect(run.status).toBe(33);
  }, 120_000);

  it('a second Bootlab disk on the primary IDE channel is not taken for the boot disk: the loader falls back to BIOS reads', async () => {
    // Same kernel and size, different plans: only stage 1's image id tells the two LBA 0 sectors apart.
    const booted = join(work, 'booted.img');
    const other = join(work, 'other.img');
    await buildDiskImage({ kernelPath: sample, outPath: booted, imageKind: 'hybrid', features: ['map_physical_memory'], hostLog: true });
    await buildDiskImage({ kernelPath: sample, outPath: other, imageKind: 'hybrid', features: [], hostLog: true });
    const a = readFileSync(booted);
    const b = readFileSync(other);
    expect(a.length).toBe(b.length);
    expect(a.subarray(0, 512).equals(b.subarray(0, 512))).toBe(false);
    const run = await bootPlain(
      ['-drive', `if=none,id=other,format=raw,file=${other}`, '-device', 'ide-hd,drive=other,bus=ide.0,unit=0', '-drive', `if=none,id=booted,format=raw,file=${booted}`, '-device', 'ide-hd,drive=booted,bus=ide.1,unit=0,bootindex=0'],
      `${booted}.debugcon`,
    );
    expect(run.status).toBe(33);
    expect(run.serial).toMatch(/physical memory offset 0x1[0-9a-f]{10}/);
    expect(parseBootLog(run.hostLog).payloadRead?.method).toBe('bios');
  }, 120_000);

  it('--firmware bios writes exactly the MBR layout: the loader, the plan right after it, the payload, one 0xDA partition', async () => {
    const image = join(work, 'sample-bios.img');
    const r = await cli([sample, '-o', image, '--firmware', 'bios', '--features', 'map_physical_memory']);
    expect(r.status).toBe(0);
    const disk = new Uint8Array(readFileSync(image));
    const loader = (await assembleBootloader()).bytes;
    const plan = makePlan(readElf(new Uint8Array(readFileSync(sample))), { features: ['map_physical_memory'] });
    const expected = layoutDisk(loader, plan);
    expect(Buffer.from(disk).equals(Buffer.from(expected.bytes))).toBe(true);
    expect(expected.layout.planLba).toBe(loader.length / 512);
    expect(disk[0x1be + 4]).toBe(0xda);
    expect(new DataView(disk.buffer).getUint32(STAGE1_FIELDS.loaderLba, true)).toBe(0);
    const run = await bootPlain(['-drive', `format=raw,file=${image}`], `${image}.debugcon`);
    expect(run.serial).toContain('The sample kernel is done.');
    expect(run.status).toBe(33);
  }, 120_000);

  it('--firmware uefi writes GPT + ESP only (no boot code, no BIOS boot partition), which OVMF boots in a plain QEMU', async () => {
    const image = join(work, 'sample-uefi.img');
    const r = await cli([sample, '-o', image, '--firmware', 'uefi', '--manifest', join(SAMPLE_DIR, 'Cargo.toml')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/image: \d+ bytes, uefi \(\d+ sectors: GPT, ESP LBA 2048-\d+ FAT1[26] with BOOTX64\.EFI, PLAN\.BIN, KERNEL\.BIN/);
    const disk = readFileSync(image);
    expect(disk.subarray(0, 440).every((b) => b === 0)).toBe(true);
    expect(tool('sgdisk', ['-p', image]).out).not.toMatch(/EF02/);
    const vars = join(work, 'OVMF_VARS.fd');
    copyFileSync('/usr/share/OVMF/OVMF_VARS_4M.fd', vars);
    const run = await bootPlain(
      ['-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd', '-drive', `if=pflash,format=raw,unit=1,file=${vars}`, '-drive', `format=raw,file=${image}`],
      `${image}.debugcon`,
    );
    expect(run.serial).toContain('The sample kernel is done.');
    expect(run.status).toBe(33);
  }, 180_000);

  it('a UEFI image without a UEFI loader is refused, naming what is missing', async () => {
    const resources = join(work, 'resources-without-uefi');
    cpSync(join(REPO_ROOT, 'resources', 'bootloader'), join(resources, 'bootloader'), { recursive: true, filter: (src) => !src.includes(`${sep}uefi`) });
    await expect(buildDiskImage({ kernelPath: sample, outPath: join(work, 'no-loader.img'), imageKind: 'uefi', resourcesDir: resources, cacheDir: false })).rejects.toThrow(
      `a UEFI image needs Bootlab's UEFI loader (EFI/BOOT/BOOTX64.EFI), and this Bootlab has none (${join(resources, 'bootloader', 'uefi')} is missing): use --firmware hybrid or bios`,
    );
    expect(existsSync(join(work, 'no-loader.img'))).toBe(false);
  });

  it('rejects an unknown --firmware with the kinds it accepts', async () => {
    const r = await cli([sample, '-o', join(work, 'x.img'), '--firmware', 'coreboot']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--firmware must be hybrid, bios or uefi, not "coreboot"/);
  });
});
