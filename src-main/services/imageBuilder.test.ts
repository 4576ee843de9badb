// The image builder end to end: the bootloader assembled by Bootlab's assembler equals NASM's
// bytes; images are cached, written atomically and rejected clearly; and kernels boot in real
// QEMU: the conformance kernel (every feature combination, static and PIE, > 32 MiB, shared
// pages) checks the boot contract from inside, the sample kernel's memory map equals the
// host log's, and corrupt images fail with the right message instead of a reboot loop.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { parseBootLog, parseRegionLines } from '../image/bootLog.js';
import { PLAN_OFFSETS } from '../image/disk.js';
import { imageCommand } from '../cli/commands/image.js';
import { cargoInvocation } from './cargo.js';
import { assembleBootloader, buildDiskImage, defaultResourcesDir, scratchDir } from './imageBuilder.js';
import { CONFORMANCE_TARGET_DIR, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findRust, type RustToolchain } from './toolchain.js';

const BOOTLOADER_DIR = join(REPO_ROOT, 'resources', 'bootloader');
const CONFORMANCE_DIR = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance');
const work = scratchDir('bootlab-imagebuilder-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface QemuRun {
  status: number | null;
  serial: string;
  hostLog: string;
  killed: boolean;
  /** Row 0 of the VGA text screen when the run stopped early (read with the monitor's pmemsave). */
  vgaRow0?: string;
}

/** Boots an image; stops early (kills QEMU) once `until` matches the serial output. */
function boot(image: string, options: { until?: RegExp; timeoutMs?: number; machine?: string[]; cpu?: string; memory?: string; driveOptions?: string } = {}): Promise<QemuRun> {
  const debugcon = `${image}.debugcon`;
  const vgaDump = `${image}.vga`;
  rmSync(debugcon, { force: true });
  rmSync(vgaDump, { force: true });
  const args = [
    ...(options.machine ?? []),
    ...(options.cpu ? ['-cpu', options.cpu] : []),
    ...(options.memory ? ['-m', options.memory] : []),
    '-drive', `format=raw,file=${image}${options.driveOptions ?? ''}`,
    '-nic', 'none', '-display', 'none', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-debugcon', `file:${debugcon}`,
    // Runs that stop early keep QMP on stdio (to pmemsave the VGA buffer) and serial in a file.
    ...(options.until ? ['-serial', `file:${image}.serial`, '-monitor', 'none', '-qmp', 'stdio'] : ['-serial', 'stdio', '-monitor', 'none']),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let serial = '';
    let killed = false;
    const kill = () => {
      if (child.exitCode === null && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(kill, options.timeoutMs ?? 30_000);
    const serialFile = `${image}.serial`;
    if (!options.until) {
      child.stdout.on('data', (d: Buffer) => {
        serial += d.toString('latin1');
      });
    } else {
      rmSync(serialFile, { force: true });
      const poll = setInterval(() => {
        serial = existsSync(serialFile) ? readFileSync(serialFile, 'latin1') : '';
        if (options.until!.test(serial)) {
          clearInterval(poll);
          // Give it time to reboot if it were going to, then dump the VGA text buffer and stop.
          setTimeout(() => {
            child.stdin.write('{"execute":"qmp_capabilities"}\n');
            child.stdin.write(`${JSON.stringify({ execute: 'pmemsave', arguments: { val: 0xb8000, size: 160, filename: vgaDump } })}\n`);
          }, 300);
        }
      }, 50);
      child.on('exit', () => clearInterval(poll));
    }
    let qmp = '';
    child.stdout.on('data', (d: Buffer) => {
      if (!options.until) return;
      qmp += d.toString();
      // Two answers: capabilities, then pmemsave.
      if ((qmp.match(/"return"/g) ?? []).length >= 2) kill();
    });
    child.on('error', reject);
    // 'close', not 'exit': QEMU's last serial bytes can still be in the pipe when its exit is reported.
    child.on('close', (status) => {
      clearTimeout(timer);
      const hostLog = existsSync(debugcon) ? readFileSync(debugcon, 'latin1') : '';
      if (options.until) serial = existsSync(serialFile) ? readFileSync(serialFile, 'latin1') : serial;
      let vgaRow0: string | undefined;
      if (existsSync(vgaDump)) {
        const cells = readFileSync(vgaDump);
        vgaRow0 = Array.from({ length: cells.length / 2 }, (_, i) => String.fromCharCode(cells[i * 2]!)).join('').trimEnd();
      }
      resolve({ status, serial, hostLog, killed, vgaRow0 });
    });
  });
}

function cargo(toolchain: RustToolchain, projectDir: string, subcommand: string, extraArgs: string[], targetDir: string): void {
  const inv = cargoInvocation({ projectDir, toolchain, subcommand, extraArgs, targetDir, messageFormat: null, color: 'never' });
  try {
    execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`cargo ${subcommand} ${extraArgs.join(' ')} failed:\n${err.stderr?.toString().slice(-4000)}`);
  }
}

function checks(serial: string): { passed: string[]; failed: string[]; done: boolean } {
  const passed = [...serial.matchAll(/^check (\S+) ok\r?$/gm)].map((m) => m[1]!);
  const failed = [...serial.matchAll(/^check (\S+) FAIL(.*)$/gm)].map((m) => `${m[1]}${m[2]}`);
  return { passed, failed, done: /conformance done passed=\d+ failed=0/.test(serial) };
}

describe('bootloader assembly', () => {
  it("Bootlab's assembler gives exactly NASM's bytes (differential test)", () => {
    const main = join(BOOTLOADER_DIR, 'bootloader.asm');
    const ours = assemble(readFileSync(main, 'utf8'), {
      fileName: main,
      includePaths: [BOOTLOADER_DIR],
      readFile: (p) => (existsSync(join(BOOTLOADER_DIR, p)) ? readFileSync(join(BOOTLOADER_DIR, p)) : existsSync(p) ? readFileSync(p) : undefined),
    });
    expect(ours.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const out = join(work, 'nasm-loader.bin');
    execFileSync('nasm', ['-f', 'bin', '-i', `${BOOTLOADER_DIR}/`, '-o', out, main]);
    const theirs = new Uint8Array(readFileSync(out));
    expect(ours.bytes.length).toBe(theirs.length);
    expect(Buffer.from(ours.bytes).equals(Buffer.from(theirs))).toBe(true);
    expect(theirs.length % 512).toBe(0);
    // stage1 fits in the MBR before the disk signature, stage2/3 follow.
    expect(theirs[510]).toBe(0x55);
    expect(theirs[511]).toBe(0xaa);
  });

  it('every stage source opens with its entry and exit state', () => {
    for (const f of ['stage1.asm', 'stage2.asm', 'stage3.asm']) {
      const text = readFileSync(join(BOOTLOADER_DIR, f), 'utf8');
      expect(text.slice(0, 2000)).toMatch(/On entry:/);
      expect(text.slice(0, 2000)).toMatch(/On exit:/);
    }
  });

  it('caches the assembled loader by source hash, in memory and on disk', async () => {
    const cacheDir = join(work, 'cache');
    const resources = join(work, 'resources');
    mkdirSync(join(resources, 'bootloader'), { recursive: true });
    cpSync(BOOTLOADER_DIR, join(resources, 'bootloader'), { recursive: true });
    const first = await assembleBootloader(resources, cacheDir);
    expect(first.cached).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([`bootloader-${first.hash}.bin`]);
    expect((await assembleBootloader(resources, cacheDir)).cached).toBe('memory');
    // A source change means a new hash.
    writeFileSync(join(resources, 'bootloader', 'stage3.asm'), `${readFileSync(join(resources, 'bootloader', 'stage3.asm'), 'utf8')}\n; changed\n`);
    const changed = await assembleBootloader(resources, cacheDir);
    expect(changed.hash).not.toBe(first.hash);
    expect(changed.cached).toBe(false);
    expect(defaultResourcesDir()).toBe(join(REPO_ROOT, 'resources'));
  });
});

describe('buildDiskImage rejections', () => {
  it('names the file and field of a bad ELF and leaves no image behind', async () => {
    const bad = join(work, 'not-elf');
    writeFileSync(bad, 'hello');
    const out = join(work, 'bad.img');
    await expect(buildDiskImage({ kernelPath: bad, outPath: out, cacheDir: false })).rejects.toThrow(/not-elf: not an ELF file.*e_ident\[EI_MAG\] at file offset 0x0/);
    await expect(buildDiskImage({ kernelPath: join(work, 'missing'), outPath: out, cacheDir: false })).rejects.toThrow(/cannot read the kernel/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('booting in QEMU', () => {
  let rust: RustToolchain | undefined;
  const elves: Record<string, string> = {};

  beforeAll(async () => {
    rust = (await findRust()).rust;
    if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
    const variants: [string, string, boolean, string[]?][] = [
      ['pie-none', '', false],
      ['pie-both-sse', 'map_physical_memory,recursive_page_table,sse', false],
      ['static-none', '', true],
      ['static-vga', 'vga_320x200', true],
      ['static-phys', 'map_physical_memory', true],
      ['static-rec', 'recursive_page_table', true],
      ['static-both', 'map_physical_memory,recursive_page_table', true],
      ['static-shared', 'map_physical_memory,shared_pages', true, ['-C', `link-arg=-T${join(CONFORMANCE_DIR, 'shared-pages.ld')}`]],
      ['static-big', 'map_physical_memory,big', true],
      ['static-higher-half', 'map_physical_memory,recursive_page_table', true, ['-C', 'code-model=kernel', '-C', 'link-arg=--image-base=0xffffffff80000000']],
    ];
    for (const [name, features, isStatic, link] of variants) {
      const args = features ? ['--features', features] : [];
      args.push('--bin', 'conformance');
      if (isStatic) args.push('--', '-C', 'relocation-model=static', ...(link ?? []));
      cargo(rust, CONFORMANCE_DIR, isStatic ? 'rustc' : 'build', args, CONFORMANCE_TARGET_DIR);
      const elf = join(work, `conformance-${name}`);
      copyFileSync(join(CONFORMANCE_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'conformance'), elf);
      elves[name] = elf;
    }
    // The sample kernel, in the services' shared test target folder.
    cargo(rust, join(REPO_ROOT, 'resources', 'sample-kernel'), 'build', [], TEST_TARGET_DIR);
    elves.sample = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel');
  }, 600_000);

  const conformance: [string, string[]][] = [
    ['static-none', []],
    ['static-phys', ['map_physical_memory']],
    ['static-rec', ['recursive_page_table']],
    ['static-both', ['map_physical_memory', 'recursive_page_table']],
    ['static-vga', ['vga_320x200']],
    ['static-higher-half', ['map_physical_memory', 'recursive_page_table']],
    ['pie-none', []],
    ['pie-both-sse', ['map_physical_memory', 'recursive_page_table', 'sse']],
  ];
  for (const [name, features] of conformance) {
    it(`conformance kernel ${name} passes every check from inside`, async () => {
      const image = join(work, `${name}.img`);
      const facts = await buildDiskImage({ kernelPath: elves[name]!, outPath: image, features, hostLog: true });
      expect(facts.plan.kind).toBe(name.startsWith('pie') ? 'pie' : 'exec');
      expect(facts.plan.features).toEqual(features);
      const run = await boot(image);
      const c = checks(run.serial);
      expect(c.failed).toEqual([]);
      expect(c.passed).toContain('vga.mode');
      expect(c.passed.length).toBeGreaterThan(features.some((f) => f !== 'vga_320x200') ? 45 : 25);
      expect(c.done).toBe(true);
      expect(run.status).toBe(33);
      // The host log's map is the one the kernel received.
      const log = parseBootLog(run.hostLog);
      expect(log.complete).toBe(true);
      expect(log.memoryMap).toEqual(parseRegionLines(run.serial));
      expect(log.entry!.rdi).toBe(0x100_0000_0000n);
    });
  }

  it('a kernel with more than 32 MiB of loadable data boots, and its image holds only loadable bytes', async () => {
    const image = join(work, 'big.img');
    const facts = await buildDiskImage({ kernelPath: elves['static-big']!, outPath: image, features: ['map_physical_memory'], hostLog: true });
    expect(facts.payloadBytes).toBeGreaterThan(32 << 20);
    expect(facts.imageBytes).toBeLessThan(facts.payloadBytes + (1 << 20));
    const run = await boot(image, { timeoutMs: 60_000 });
    const c = checks(run.serial);
    expect(c.failed).toEqual([]);
    expect(c.passed).toContain('big.data');
    expect(c.passed).toContain('big.mapped');
    expect(run.status).toBe(33);
  }, 120_000);

  it('a kernel whose segments share pages with .bss tails boots with its data intact', async () => {
    const image = join(work, 'shared.img');
    const facts = await buildDiskImage({ kernelPath: elves['static-shared']!, outPath: image, features: ['map_physical_memory'], hostLog: true });
    const rw = facts.plan.segments.filter((s) => s.flags === 'RW-');
    expect(rw.length).toBeGreaterThanOrEqual(2);
    // Two RW segments meet inside one page.
    const pageOf = (a: string) => BigInt(a) >> 12n;
    expect(rw.some((s, i) => i > 0 && pageOf(rw[i - 1]!.end) === pageOf(s.vaddr))).toBe(true);
    const run = await boot(image);
    const c = checks(run.serial);
    expect(c.failed).toEqual([]);
    expect(c.passed).toEqual(expect.arrayContaining(['shared.data2', 'shared.bss2-zeroed', 'shared.same-page', 'kernel.bss-zeroed']));
    expect(run.status).toBe(33);
  });

  it("the host log's memory map equals the map the sample kernel prints", async () => {
    const image = join(work, 'sample.img');
    await buildDiskImage({ kernelPath: elves.sample!, outPath: image, features: ['map_physical_memory'], hostLog: true });
    const run = await boot(image);
    expect(run.status).toBe(33);
    const printed = parseRegionLines(run.serial);
    const log = parseBootLog(run.hostLog);
    expect(printed.length).toBeGreaterThan(5);
    expect(log.memoryMap).toEqual(printed);
    expect(log.stages.map((s) => s.name)).toEqual(['mbr', 'loader', 'cpu-check', 'e820', 'a20', 'plan', 'payload', 'long-mode', 'checksum', 'page-tables', 'boot-info', 'kernel']);
    expect(log.e820.length).toBeGreaterThan(3);
    expect(log.payloadRead?.method).toBe('dma');
    // QEMU 7.1+ reports a reserved range just below 1 TiB: the offset mapping covers it.
    expect(log.physicalMemory?.end).toBe(Math.max(...log.e820.map((r) => r.end)));
    expect(log.pageTableFrames!.end - log.pageTableFrames!.start).toBeGreaterThan(1024 * 4096);
    expect(log.memoryMap.filter((r) => r.type === 'PageTable')).toEqual([{ start: log.pageTableFrames!.start, end: log.pageTableFrames!.end, type: 'PageTable' }]);
  });

  it('boots with other memory sizes: 64 MiB, and 5 GiB (usable RAM above 4 GiB)', async () => {
    const image = join(work, 'memory.img');
    await buildDiskImage({ kernelPath: elves['static-both']!, outPath: image, features: ['map_physical_memory', 'recursive_page_table'], hostLog: true });
    for (const memory of ['64M', '5G']) {
      const run = await boot(image, { memory });
      expect(checks(run.serial).failed).toEqual([]);
      expect(run.status).toBe(33);
      const log = parseBootLog(run.hostLog);
      expect(log.memoryMap).toEqual(parseRegionLines(run.serial));
      if (memory === '5G') expect(log.memoryMap).toContainEqual({ start: 0x1_0000_0000, end: 0x1_8000_0000, type: 'Usable' });
    }
  });

  it('falls back to BIOS reads when the boot disk is not an IDE primary master (AHCI, virtio)', async () => {
    const image = join(work, 'fallback.img');
    await buildDiskImage({ kernelPath: elves['static-phys']!, outPath: image, features: ['map_physical_memory'], hostLog: true });
    for (const variant of [{ machine: ['-machine', 'q35'] }, { driveOptions: ',if=virtio' }]) {
      const run = await boot(image, variant);
      expect(checks(run.serial).failed).toEqual([]);
      expect(run.status).toBe(33);
      expect(parseBootLog(run.hostLog).payloadRead?.method).toBe('bios');
    }
  });

  it('bootlab image prints the layout it chose, takes features from a manifest, and reports errors', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: work, env: process.env };
    const image = join(work, 'cli.img');
    expect(await imageCommand.run([elves.sample!, '-o', image, '--manifest', join(REPO_ROOT, 'resources', 'sample-kernel', 'Cargo.toml')], io)).toBe(0);
    const text = out.join('');
    expect(text).toContain(image);
    expect(text).toMatch(/features: map_physical_memory \(BootInfo 1584 bytes\)/);
    expect(text).toMatch(/physical memory offset: 0x18000000000/);
    expect(text).toMatch(/stack: 0x10000002000\.\.0x10000202000 \(512 pages, guard page 0x10000001000\)/);
    expect(text).toMatch(/segment \d+: 0x[0-9a-f]+\.\.0x[0-9a-f]+ R-X/);
    expect(existsSync(image)).toBe(true);
    expect(readFileSync(image).length % 512).toBe(0);
    out.length = 0;
    expect(await imageCommand.run([elves['static-none']!, '-o', image, '--features', 'recursive_page_table,sse'], io)).toBe(0);
    expect(out.join('')).toMatch(/features: recursive_page_table, sse \(BootInfo 1584 bytes\)/);
    expect(await imageCommand.run([elves['static-none']!, '-o', image, '--features', 'turbo'], io)).toBe(1);
    expect(err.join('')).toMatch(/unknown bootloader feature "turbo"/);
    expect(await imageCommand.run([elves['static-none']!], io)).toBe(2);
    expect(err.join('')).toMatch(/-o DISK_IMAGE is missing/);
  });

  describe('corrupt images say so on VGA, serial and the host log, and halt (no reboot loop)', () => {
    const corrupt = async (name: string, damage: (img: Buffer, planOff: number, payloadOff: number) => Buffer | void) => {
      const image = join(work, `${name}.img`);
      const facts = await buildDiskImage({ kernelPath: elves['static-none']!, outPath: image, hostLog: true });
      const bytes: Buffer = readFileSync(image);
      const planOff = facts.layout.planLba * 512;
      const payloadOff = facts.layout.payloadLba * 512;
      writeFileSync(image, damage(bytes, planOff, payloadOff) ?? bytes);
      return boot(image, { until: /Bootlab: .*\r\n/, timeoutMs: 20_000 });
    };
    const expectHalt = (run: QemuRun, message: RegExp) => {
      expect(run.serial).toMatch(message);
      expect(run.serial).not.toMatch(/conformance start/);
      expect(parseBootLog(run.hostLog).error).toMatch(message);
      expect(run.killed).toBe(true); // still running (halted), not rebooted or exited
      expect(run.serial.match(/Bootlab:/g)).toHaveLength(1);
      expect(run.vgaRow0).toMatch(new RegExp(`^Bootlab: ${message.source}`));
    };

    it('payload checksum mismatch', async () => {
      const run = await corrupt('bad-payload', (img, _p, payload) => {
        img[payload + 100] ^= 0xff;
      });
      expectHalt(run, /corrupt image: payload checksum mismatch/);
    });
    it('bad plan magic', async () => {
      const run = await corrupt('bad-magic', (img, plan) => {
        img[plan] = 0x58;
      });
      expectHalt(run, /corrupt image: no load plan \(bad magic\)/);
    });
    it('bad plan version', async () => {
      const run = await corrupt('bad-version', (img, plan) => {
        img[plan + PLAN_OFFSETS.version] = 9;
      });
      expectHalt(run, /corrupt image: unsupported load plan version/);
    });
    it('plan checksum mismatch', async () => {
      const run = await corrupt('bad-plan', (img, plan) => {
        img[plan + PLAN_OFFSETS.entry] ^= 1;
      });
      expectHalt(run, /corrupt image: load plan checksum mismatch/);
    });
    it('a CPU without long mode gets a readable message', async () => {
      const image = join(work, 'no-lm.img');
      await buildDiskImage({ kernelPath: elves['static-none']!, outPath: image, hostLog: true });
      expectHalt(await boot(image, { cpu: 'qemu32', until: /Bootlab: .*\r\n/, timeoutMs: 20_000 }), /this CPU does not support 64-bit long mode \(x86-64\)/);
    });
    it('not enough memory, before loading and while building page tables', async () => {
      const image = join(work, 'big-small-ram.img');
      await buildDiskImage({ kernelPath: elves['static-big']!, outPath: image, features: ['map_physical_memory'], hostLog: true });
      expectHalt(await boot(image, { memory: '32M', until: /Bootlab: .*\r\n/, timeoutMs: 30_000 }), /not enough memory to load the kernel/);
      expectHalt(await boot(image, { memory: '38M', until: /Bootlab: .*\r\n/, timeoutMs: 30_000 }), /not enough memory for the kernel, its stack and page tables/);
    });
    it('truncated image: the disk read fails', async () => {
      const run = await corrupt('truncated', (img, _p, payload) => img.subarray(0, payload + 512));
      expectHalt(run, /disk read failed/);
    });
  });
});
