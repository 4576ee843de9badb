// What the Boot console mirrors, with real cargo, QEMU, SeaBIOS and OVMF: a mode 0x13 kernel's
// display arrives as Screen frames (320x200, the pixels it drew) and its framebuffer is marked in
// the memory map; a 0.9 text-mode kernel under UEFI gets the "no VGA text" display and its VGA
// text buffer is never read (no vga events), while on BIOS it is mirrored as before.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type BootlabEvent, type Firmware } from '../shared/api.js';
import { applyScreenFrame, type ScreenPixels } from '../shared/screen.js';
import { bootLogMemoryMap, defaultAssemble, defaultDiskImageSteps } from './bootParts.js';
import { findOvmf } from './ovmf.js';
import { buildAndBoot } from './pipeline.js';
import { REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findQemu, findRust, type QemuInstall, type RustToolchain } from './toolchain.js';

let qemu: QemuInstall;
let rust: RustToolchain;

beforeAll(async () => {
  const found = await findQemu();
  if (typeof found === 'string') throw new Error(`these tests need QEMU: ${found}`);
  qemu = found;
  const r = (await findRust()).rust;
  if (!r) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  rust = r;
  const ovmf = findOvmf();
  if (typeof ovmf === 'string') throw new Error(`OVMF is needed for these tests (Debian: apt-get install ovmf): ${ovmf}`);
});

async function run(projectDir: string, firmware: Firmware, stopWhen: (events: BootlabEvent[]) => boolean): Promise<BootlabEvent[]> {
  const events: BootlabEvent[] = [];
  const controller = new AbortController();
  await buildAndBoot(projectDir, {
    runId: 1,
    action: 'build-and-boot',
    profile: 'debug',
    firmware,
    settings: { ...DEFAULT_SETTINGS, bootTimeoutSeconds: 240 },
    rust,
    qemu,
    targetDir: TEST_TARGET_DIR,
    diskImage: defaultDiskImageSteps,
    assemble: defaultAssemble,
    parseBootLog: bootLogMemoryMap,
    vgaIntervalMs: 50,
    signal: controller.signal,
    emit: (e) => {
      events.push(e);
      if (stopWhen(events)) controller.abort();
    },
  });
  return events;
}

const of = <T extends BootlabEvent['type']>(events: BootlabEvent[], type: T) => events.filter((e): e is Extract<BootlabEvent, { type: T }> => e.type === type);

describe('the Boot console display', () => {
  it("mirrors a mode 0x13 kernel's pixels as Screen frames and marks its framebuffer in the memory map", async () => {
    const red = (p: ScreenPixels | undefined) => p && Array.from(p.rgb.subarray((50 * 320 + 60) * 3, (50 * 320 + 60) * 3 + 3)).join() === '255,0,0';
    let picture: ScreenPixels | undefined;
    const events = await run(join(REPO_ROOT, 'fixtures', 'crates', 'screen-rects'), 'bios', (all) => {
      const last = all[all.length - 1]!;
      if (last.type === 'screen') picture = applyScreenFrame(picture, last.frame, Buffer.from(last.frame.base64, 'base64'));
      return red(picture) === true && of(all, 'memory-map').length > 0;
    });
    expect(of(events, 'display').map((e) => e.display)).toEqual(['screen']);
    expect(of(events, 'vga')).toEqual([]);
    const frames = of(events, 'screen').map((e) => e.frame);
    expect(frames.length).toBeGreaterThan(0);
    // Before the loader sets mode 0x13 the display is SeaBIOS's text screen (720x400); from then on, 320x200.
    const modeSet = frames.findIndex((f) => f.width === 320);
    expect(modeSet).toBeGreaterThanOrEqual(0);
    expect(frames.slice(modeSet).every((f) => f.width === 320 && f.height === 200)).toBe(true);
    expect(red(picture)).toBe(true);
    const map = of(events, 'memory-map')[0]!.map;
    expect(map.firmware).toBe('bios');
    expect(map.labels).toContainEqual({ start: 0xa0000, end: 0xafa00, label: 'framebuffer (VGA mode 0x13, 320x200)' });
  }, 600_000);

  it('says a 0.9 text-mode kernel has no VGA text under UEFI and never reads 0xB8000 there; BIOS mirrors it', async () => {
    const sample = join(REPO_ROOT, 'resources', 'sample-kernel');
    const done = (all: BootlabEvent[]) => of(all, 'serial').some((e) => Buffer.from(e.base64, 'base64').includes('The sample kernel is done.'));
    const uefi = await run(sample, 'uefi', done);
    expect(of(uefi, 'display').map((e) => e.display)).toEqual(['no-vga-text']);
    expect(of(uefi, 'boot-log').map((e) => e.line)).toContain('firmware uefi');
    expect(of(uefi, 'vga')).toEqual([]);
    expect(of(uefi, 'screen')).toEqual([]);
    expect(of(uefi, 'memory-map')[0]?.map.firmware).toBe('uefi');

    const bios = await run(sample, 'bios', (all) => done(all) && of(all, 'vga').length > 0);
    expect(of(bios, 'display').map((e) => e.display)).toEqual(['vga-text']);
    expect(of(bios, 'vga').length).toBeGreaterThan(0);
  }, 600_000);
});
