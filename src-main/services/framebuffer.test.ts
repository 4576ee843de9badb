// The framebuffer the loaders set up when the plan asks for one (PLAN_FLAG.framebuffer, what
// bootloader_api 0.11 kernels get): VBE in stage2 under SeaBIOS, GOP in BOOTX64.EFI under OVMF,
// described in the fb_* loader variables (resources/bootloader/layout.inc) that stage3 reads.
// Checked from outside on real QEMU: the 0.9 sample kernel (built by cargo) boots with the flag
// set in its plan, halts (no isa-debug-exit device here), and the test reads fb_* from guest
// memory through QMP and compares them with the display QEMU shows (screendump's size).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readElf } from '../elf/index.js';
import { checksum64, encodePlan, layoutDisk, PLAN_FLAG, PLAN_HEADER_SIZE, PLAN_OFFSETS, PLAN_RUN_SIZE } from '../image/disk.js';
import { buildGptImage } from '../image/gptImage.js';
import { makePlan, type LoadPlan } from '../image/plan.js';
import { assembleBootloader, assembleEfiLoader } from './bootloaderAssembly.js';
import { cargoInvocation } from './cargo.js';
import { scratchDir } from './imageBuilder.js';
import { findOvmf, type OvmfFirmware } from './ovmf.js';
import { startQemu, type QemuSession } from './qemu.js';
import { ovmfDrives, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findQemu, findRust } from './toolchain.js';

const work = scratchDir('bootlab-framebuffer-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sessions: QemuSession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.stop();
});

/** The fb_* variables' addresses, read from layout.inc (the loaders' own definition). */
const FB = (() => {
  const text = readFileSync(join(REPO_ROOT, 'resources', 'bootloader', 'layout.inc'), 'utf8');
  const vars = Number(/^VARS\s+equ\s+(0x[0-9a-f]+)/im.exec(text)![1]);
  const at = (name: string) => {
    const m = new RegExp(`^${name}\\s+equ\\s+VARS\\s*\\+\\s*(0x[0-9a-f]+)`, 'im').exec(text);
    if (!m) throw new Error(`layout.inc defines no ${name}`);
    return vars + Number(m[1]);
  };
  return { base: at('fb_base'), size: at('fb_size'), width: at('fb_width'), height: at('fb_height'), stride: at('fb_stride'), bpp: at('fb_bpp'), format: at('fb_format'), modeTsc: at('fb_mode_tsc') };
})();

interface Framebuffer {
  base: bigint;
  size: bigint;
  width: number;
  height: number;
  stride: number;
  bytesPerPixel: number;
  format: number;
  modeTsc: bigint;
}

let qemu: string;
let ovmf: OvmfFirmware;
let biosLoader: Uint8Array;
let efiLoader: Uint8Array;
let samplePlan: LoadPlan;

beforeAll(async () => {
  const q = await findQemu();
  if (typeof q === 'string') throw new Error(`QEMU is needed for these tests: ${q}`);
  qemu = q.path;
  const found = findOvmf();
  if (typeof found === 'string') throw new Error(`OVMF is needed for these tests (Debian: apt-get install ovmf): ${found}`);
  if (!found.vars) throw new Error(`OVMF's variable store template is missing beside ${found.code}`);
  ovmf = found;
  biosLoader = (await assembleBootloader(join(REPO_ROOT, 'resources'), false)).bytes;
  efiLoader = (await assembleEfiLoader(join(REPO_ROOT, 'resources'), false)).bytes;
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  const projectDir = join(REPO_ROOT, 'resources', 'sample-kernel');
  const inv = cargoInvocation({ projectDir, toolchain: rust, subcommand: 'build', extraArgs: [], targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const elf = readFileSync(join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel'));
  samplePlan = makePlan(readElf(new Uint8Array(elf)), { features: ['map_physical_memory'] });
}, 600_000);

/**
 * The encoded plan with the framebuffer request (and minimum size) added and its checksum
 * recomputed: what the image writer produces for a 0.11 kernel, applied to a 0.9 kernel's plan.
 */
function withFramebuffer(plan: Uint8Array, minimum?: { width: number; height: number }): Uint8Array {
  const out = plan.slice();
  const v = new DataView(out.buffer);
  v.setUint32(PLAN_OFFSETS.flags, v.getUint32(PLAN_OFFSETS.flags, true) | PLAN_FLAG.framebuffer, true);
  v.setUint32(PLAN_OFFSETS.fbMinWidth, minimum?.width ?? 0, true);
  v.setUint32(PLAN_OFFSETS.fbMinHeight, minimum?.height ?? 0, true);
  v.setBigUint64(PLAN_OFFSETS.planChecksum, 0n, true);
  v.setBigUint64(PLAN_OFFSETS.planChecksum, checksum64(out), true);
  return out;
}

type FramebufferRequest = false | { width: number; height: number };

/** An MBR image (SeaBIOS path) of the sample kernel, the host log on. */
function biosImage(name: string, request: FramebufferRequest): string {
  const { bytes, layout } = layoutDisk(biosLoader, samplePlan, { hostLog: true });
  const planLength = PLAN_HEADER_SIZE + samplePlan.runs.length * PLAN_RUN_SIZE;
  const at = layout.planLba * 512;
  if (request) bytes.set(withFramebuffer(bytes.subarray(at, at + planLength), request.width || request.height ? request : undefined), at);
  const path = join(work, `${name}.img`);
  writeFileSync(path, bytes);
  return path;
}

/** A GPT image whose ESP holds BOOTX64.EFI, the plan (host log on) and the payload (OVMF path). */
function uefiImage(name: string, request: FramebufferRequest): string {
  let plan = encodePlan(samplePlan, 0, { hostLog: true });
  if (request) plan = withFramebuffer(plan, request.width || request.height ? request : undefined);
  const espFiles = [
    { path: 'EFI/BOOT/BOOTX64.EFI', data: efiLoader },
    { path: 'BOOTLAB/PLAN.BIN', data: plan },
    { path: 'BOOTLAB/KERNEL.BIN', data: samplePlan.payload },
  ];
  const path = join(work, `${name}.img`);
  writeFileSync(path, buildGptImage({ espFiles, seed: name }).bytes);
  return path;
}

interface Boot {
  fb: Framebuffer;
  /** The display QEMU shows once the kernel halted, from screendump (none with `-vga none`). */
  screen?: { width: number; height: number };
  serial: string;
  hostLog: string;
}

/**
 * Boot `image` until the sample kernel says it is done (it then halts: no isa-debug-exit device),
 * read fb_* and the screen's size through QMP, and stop QEMU.
 */
async function boot(image: string, firmware: 'bios' | 'uefi', extraArgs: string[] = []): Promise<Boot> {
  const debugcon = `${image}.debugcon`;
  rmSync(debugcon, { force: true });
  const args = ['-machine', 'pc', '-m', '256M', '-nic', 'none', '-no-reboot', '-display', 'none', '-serial', 'stdio', '-drive', `format=raw,file=${image}`, ...extraArgs];
  if (firmware === 'uefi') args.push(...ovmfDrives(image, ovmf));
  let serial = '';
  let done: () => void;
  const kernelDone = new Promise<void>((resolve) => (done = resolve));
  const session = await startQemu({
    program: qemu,
    args,
    qmp: true,
    debugconFile: debugcon,
    onStdout: (b) => {
      serial += b.toString('latin1');
      if (serial.includes('The sample kernel is done.')) done();
    },
  });
  sessions.push(session);
  // A hang guard only: OVMF under TCG on a loaded machine takes 5-15 s to reach the loader.
  const guard = setTimeout(() => done(), 240_000);
  await Promise.race([kernelDone, session.exit]);
  clearTimeout(guard);
  if (!serial.includes('The sample kernel is done.')) throw new Error(`the sample kernel did not finish; serial:\n${serial.slice(-3000)}`);
  const qmp = await session.qmpReady;
  const vars = await session.readMemory(FB.base, FB.modeTsc + 8 - FB.base);
  const field = (address: number) => address - FB.base;
  const fb: Framebuffer = {
    base: vars.readBigUInt64LE(field(FB.base)),
    size: vars.readBigUInt64LE(field(FB.size)),
    width: vars.readUInt32LE(field(FB.width)),
    height: vars.readUInt32LE(field(FB.height)),
    stride: vars.readUInt32LE(field(FB.stride)),
    bytesPerPixel: vars[field(FB.bpp)]!,
    format: vars[field(FB.format)]!,
    modeTsc: vars.readBigUInt64LE(field(FB.modeTsc)),
  };
  let screen: Boot['screen'];
  if (!extraArgs.includes('-vga')) {
    const dump = join(work, `${Date.now()}-screen.ppm`);
    await qmp.execute('screendump', { filename: dump });
    const header = /^P6\s+(\d+)\s+(\d+)\s/.exec(readFileSync(dump).subarray(0, 32).toString('latin1'));
    if (!header) throw new Error('screendump wrote no PPM');
    screen = { width: Number(header[1]), height: Number(header[2]) };
  }
  session.stop();
  await session.exit;
  return { fb, screen, serial, hostLog: existsSync(debugcon) ? readFileSync(debugcon, 'latin1') : '' };
}

/** The `vbe` record stage2 writes to the host log: its fields as numbers. */
function vbeRecord(hostLog: string): Record<string, bigint> | undefined {
  const line = hostLog.split('\n').find((l) => l.startsWith('vbe '));
  if (!line) return undefined;
  return Object.fromEntries(line.split(' ').slice(1).map((f) => f.split('=')).map(([k, v]) => [k!, BigInt(v!)]));
}

/** What every framebuffer handed on must satisfy, whatever the firmware. */
function expectConsistent(b: Boot): void {
  expect(b.fb.base).not.toBe(0n);
  expect(b.fb.base % 4096n).toBe(0n);
  expect(b.screen).toEqual({ width: b.fb.width, height: b.fb.height });
  expect(b.fb.stride).toBeGreaterThanOrEqual(b.fb.width);
  expect(b.fb.size).toBeGreaterThanOrEqual(BigInt(b.fb.stride * b.fb.height * b.fb.bytesPerPixel));
  // The kernel ran as before: the framebuffer request changes nothing else.
  expect(b.serial).toContain('Hello from the Bootlab sample kernel!');
}

describe('framebuffer under SeaBIOS (VBE, stage2)', () => {
  it('sets the widest, then tallest VBE mode of at most 1280x720 with a linear framebuffer and describes it in fb_*', async () => {
    const b = await boot(biosImage('vbe-default', { width: 0, height: 0 }), 'bios');
    expectConsistent(b);
    // QEMU's standard VGA lists 1280x720 in 16, 24 and 32 bits: the tie-break takes the 32-bit BGRX one.
    expect([b.fb.width, b.fb.height]).toEqual([1280, 720]);
    expect(b.fb.bytesPerPixel).toBe(4);
    expect(b.fb.format).toBe(1);
    expect(b.fb.size).toBe(BigInt(b.fb.stride * b.fb.height * b.fb.bytesPerPixel));
    expect(b.fb.modeTsc).toBeGreaterThan(0n);
    // The host log names the mode and the ticks, the same values the kernel's side reads.
    const vbe = vbeRecord(b.hostLog);
    expect(vbe).toBeDefined();
    expect(vbe!.width).toBe(BigInt(b.fb.width));
    expect(vbe!.height).toBe(BigInt(b.fb.height));
    expect(vbe!.base).toBe(b.fb.base);
    expect(vbe!['set-tsc']).toBe(b.fb.modeTsc & 0xffff_ffffn);
    expect(vbe!['scan-tsc']).toBeGreaterThan(0n);
  }, 300_000);

  it('honours a configured minimum size: the widest, then tallest mode of at least that size and at most it or 1280x720', async () => {
    const b = await boot(biosImage('vbe-minimum', { width: 1024, height: 768 }), 'bios');
    expectConsistent(b);
    // 1280x720 is too short now; the cap rises to 1280x768, which QEMU's VGA lists.
    expect([b.fb.width, b.fb.height]).toEqual([1280, 768]);
    expect(b.fb.format).toBe(1);
  }, 300_000);

  it('leaves fb_base 0 and says so in the host log when no mode has the minimum size', async () => {
    const b = await boot(biosImage('vbe-none', { width: 9000, height: 9000 }), 'bios');
    expect(b.fb.base).toBe(0n);
    expect(vbeRecord(b.hostLog)).toBeUndefined();
    expect(b.hostLog).toContain('note no framebuffer: no VBE mode has a linear framebuffer');
    expect(b.hostLog).toContain('min-width=0x2328 min-height=0x2328');
    // The screen stays in the BIOS's text mode (80x25 cells of 9x16 pixels).
    expect(b.screen).toEqual({ width: 720, height: 400 });
    expect(b.serial).toContain('Hello from the Bootlab sample kernel!');
  }, 300_000);

  it('leaves fb_base 0 and says so in the host log when the machine has no VBE (no display)', async () => {
    const b = await boot(biosImage('vbe-no-display', { width: 0, height: 0 }), 'bios', ['-vga', 'none']);
    expect(b.fb.base).toBe(0n);
    expect(b.hostLog).toContain('note no framebuffer: the BIOS has no VBE 2.0 (int 10h AX=4F00h)');
    expect(b.serial).toContain('Hello from the Bootlab sample kernel!');
  }, 300_000);

  it('changes nothing when the plan does not ask for a framebuffer (0.9 kernels)', async () => {
    const b = await boot(biosImage('vbe-off', false), 'bios');
    expect(b.fb).toEqual({ base: 0n, size: 0n, width: 0, height: 0, stride: 0, bytesPerPixel: 0, format: 0, modeTsc: 0n });
    expect(vbeRecord(b.hostLog)).toBeUndefined();
    expect(b.hostLog).not.toContain('no framebuffer');
    expect(b.screen).toEqual({ width: 720, height: 400 });
  }, 300_000);
});

describe('framebuffer under OVMF (GOP, BOOTX64.EFI)', () => {
  it('keeps the firmware mode without a minimum and describes its linear framebuffer in fb_*', async () => {
    const b = await boot(uefiImage('gop-default', { width: 0, height: 0 }), 'uefi');
    expectConsistent(b);
    // OVMF on QEMU's standard VGA starts in 1280x800 BGRX (BOOT-CONTRACT-011 section 6.7).
    expect([b.fb.width, b.fb.height]).toEqual([1280, 800]);
    expect(b.fb.bytesPerPixel).toBe(4);
    expect(b.fb.format).toBe(1);
    expect(b.fb.size).toBe(BigInt(b.fb.stride * b.fb.height * 4));
    expect(b.fb.modeTsc).toBe(0n);
  }, 300_000);

  it('sets the last mode with at least the configured minimum size', async () => {
    const b = await boot(uefiImage('gop-minimum', { width: 1024, height: 768 }), 'uefi');
    expectConsistent(b);
    expect(b.fb.width).toBeGreaterThanOrEqual(1024);
    expect(b.fb.height).toBeGreaterThanOrEqual(768);
    // OVMF's first mode is the 1280x800 it starts in; later modes that meet the minimum exist, so
    // the last of them is set (and the mode set is timed).
    expect([b.fb.width, b.fb.height]).not.toEqual([1280, 800]);
    expect(b.fb.modeTsc).toBeGreaterThan(0n);
  }, 300_000);

  it('hands on no framebuffer, and says so, when the machine has no display (no GOP)', async () => {
    const b = await boot(uefiImage('gop-none', { width: 0, height: 0 }), 'uefi', ['-vga', 'none']);
    expect(b.fb.base).toBe(0n);
    expect(b.fb.width).toBe(0);
    expect(b.serial).toContain('Bootlab: this firmware has no graphics output (GOP): the kernel gets no framebuffer');
    expect(b.serial).toContain('Hello from the Bootlab sample kernel!');
  }, 300_000);

  it('hands on no framebuffer when the plan does not ask for one', async () => {
    const b = await boot(uefiImage('gop-off', false), 'uefi');
    expect(b.fb).toEqual({ base: 0n, size: 0n, width: 0, height: 0, stride: 0, bytesPerPixel: 0, format: 0, modeTsc: 0n });
    expect(b.serial).toContain('Hello from the Bootlab sample kernel!');
  }, 300_000);
});
