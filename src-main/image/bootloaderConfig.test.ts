// ABI detection on real kernels built with cargo: the 0.11 fixture kernel (against Bootlab's
// offline bootloader_api stand-in, in each of the three 0.11.x config layouts, PIE and static)
// and a 0.9 kernel (the sample kernel). Corrupted copies of the real ELF must each fail with
// the section, the byte and the field that is wrong.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ET_DYN, ET_EXEC, readElf, SHT_NOBITS } from '../elf/index.js';
import { cargoInvocation } from '../services/cargo.js';
import { CONFORMANCE_TARGET_DIR, REPO_ROOT, TEST_TARGET_DIR } from '../services/testkit.js';
import { findRust, type RustToolchain } from '../services/toolchain.js';
import { BOOTLOADER_CONFIG_SECTION, BOOTLOADER_CONFIG_UUID, BootloaderConfigError, decodeBootloaderConfig, detectKernelAbi, type BootloaderConfig } from './bootloaderConfig.js';

const KERNEL_011 = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance-011');
const SAMPLE_KERNEL = join(REPO_ROOT, 'resources', 'sample-kernel');
const work = mkdtempSync(join(tmpdir(), 'bootlab-bootloader-config-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cargo(toolchain: RustToolchain, projectDir: string, subcommand: string, extraArgs: string[], targetDir: string): void {
  const inv = cargoInvocation({ projectDir, toolchain, subcommand, extraArgs, targetDir, messageFormat: null, color: 'never' });
  try {
    execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`cargo ${subcommand} ${extraArgs.join(' ')} failed:\n${(e as { stderr?: Buffer }).stderr?.toString().slice(-4000)}`);
  }
}

const elves: Record<string, string> = {};

beforeAll(async () => {
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  // [name, bin, features, static]: the output path is shared, so each is copied away at once.
  const variants: [string, string, string, boolean][] = [
    ['pie-default', 'conformance-011', '', false],
    ['static-default', 'conformance-011', '', true],
    ['pie-all', 'config-all-fields', '', false],
    ['pie-all-0.11.0', 'config-all-fields', 'layout-0-11-0', false],
    ['pie-all-0.11.10', 'config-all-fields', 'layout-0-11-10', false],
  ];
  for (const [name, bin, features, isStatic] of variants) {
    const args = ['--bin', bin, ...(features ? ['--features', features] : [])];
    if (isStatic) args.push('--', '-C', 'relocation-model=static');
    cargo(rust, KERNEL_011, isStatic ? 'rustc' : 'build', args, CONFORMANCE_TARGET_DIR);
    elves[name] = join(work, name);
    copyFileSync(join(CONFORMANCE_TARGET_DIR, 'x86_64-unknown-none', 'debug', bin), elves[name]!);
  }
  // A 0.9 kernel: the sample kernel, in the services' shared test target folder.
  cargo(rust, SAMPLE_KERNEL, 'build', [], TEST_TARGET_DIR);
  elves.sample = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel');
}, 600_000);

function load(name: string) {
  return readElf(new Uint8Array(readFileSync(elves[name]!)));
}

const DYNAMIC = { kind: 'dynamic' } as const;
const fixed = (address: bigint) => ({ kind: 'fixed', address }) as const;

/** What fixtures/kernels/conformance-011/src/bin/config-all-fields.rs asks for. */
const ALL_FIELDS: BootloaderConfig['mappings'] = {
  kernelStack: fixed(0x0000_4000_0000_0000n),
  kernelBase: fixed(0x0000_2000_0000_0000n),
  bootInfo: fixed(0x0000_3000_0000_0000n),
  framebuffer: fixed(0x0000_5000_0000_0000n),
  physicalMemory: fixed(0x0000_6000_0000_0000n),
  pageTableRecursive: DYNAMIC,
  aslr: true,
  dynamicRangeStart: 0xffff_8000_0000_0000n,
  dynamicRangeEnd: 0xffff_ffff_ffff_f000n,
  ramdiskMemory: fixed(0x0000_7000_0000_0000n),
};

describe('detecting the boot contract of real kernels', () => {
  it('a 0.11 PIE kernel with the default config: 133-byte blob, every default', () => {
    const elf = load('pie-default');
    expect(elf.header.type).toBe(ET_DYN);
    const abi = detectKernelAbi(elf);
    if (abi.abi !== 'bootloader_api-0.11') throw new Error(`detected ${abi.abi}`);
    expect(abi.section.size).toBe(133);
    expect(abi.config).toEqual({
      length: 133,
      layoutVersions: '0.11.11-0.11.16',
      apiVersion: { major: 0, minor: 11, patch: 16, preRelease: false },
      kernelStackSize: 0x14000n,
      mappings: {
        kernelStack: DYNAMIC,
        kernelBase: DYNAMIC,
        bootInfo: DYNAMIC,
        framebuffer: DYNAMIC,
        physicalMemory: null,
        pageTableRecursive: null,
        aslr: false,
        dynamicRangeStart: null,
        dynamicRangeEnd: null,
        ramdiskMemory: DYNAMIC,
      },
      frameBuffer: { minimumHeight: null, minimumWidth: null },
      fileOffset: abi.section.offset,
    });
    // The stand-in crate serializes the default exactly as BOOT-CONTRACT-011 §1.3's byte dump.
    const blob = elf.bytes.subarray(abi.section.offset, abi.section.offset + 133);
    const expected = [...BOOTLOADER_CONFIG_UUID, 0, 0, 0x0b, 0, 0x10, 0, 0, 0x00, 0x40, 0x01, 0, 0, 0, 0, 0, ...new Array<number>(102).fill(0)];
    expect([...blob]).toEqual(expected);
  });

  it('a static (ET_EXEC) 0.11 kernel is detected the same way', () => {
    const elf = load('static-default');
    expect(elf.header.type).toBe(ET_EXEC);
    const abi = detectKernelAbi(elf);
    expect(abi.abi).toBe('bootloader_api-0.11');
    if (abi.abi === 'bootloader_api-0.11') expect(abi.config.kernelStackSize).toBe(0x14000n);
  });

  it('every field of a custom config decodes to what the kernel asked for (0.11.16 layout)', () => {
    const abi = detectKernelAbi(load('pie-all'));
    if (abi.abi !== 'bootloader_api-0.11') throw new Error(`detected ${abi.abi}`);
    expect(abi.config.length).toBe(133);
    expect(abi.config.kernelStackSize).toBe(0x2_0000n);
    expect(abi.config.mappings).toEqual(ALL_FIELDS);
    expect(abi.config.frameBuffer).toEqual({ minimumHeight: 720n, minimumWidth: 1280n });
  });

  it('a kernel built against 0.11.1-0.11.10 (124 bytes): no kernel_base field, so Dynamic', () => {
    const abi = detectKernelAbi(load('pie-all-0.11.10'));
    if (abi.abi !== 'bootloader_api-0.11') throw new Error(`detected ${abi.abi}`);
    expect(abi.section.size).toBe(124);
    expect(abi.config.layoutVersions).toBe('0.11.1-0.11.10');
    expect(abi.config.apiVersion).toEqual({ major: 0, minor: 11, patch: 10, preRelease: false });
    expect(abi.config.mappings).toEqual({ ...ALL_FIELDS, kernelBase: DYNAMIC });
    expect(abi.config.frameBuffer).toEqual({ minimumHeight: 720n, minimumWidth: 1280n });
  });

  it('a kernel built against 0.11.0 (115 bytes): neither kernel_base nor ramdisk_memory', () => {
    const abi = detectKernelAbi(load('pie-all-0.11.0'));
    if (abi.abi !== 'bootloader_api-0.11') throw new Error(`detected ${abi.abi}`);
    expect(abi.section.size).toBe(115);
    expect(abi.config.layoutVersions).toBe('0.11.0');
    expect(abi.config.apiVersion.patch).toBe(0);
    expect(abi.config.mappings).toEqual({ ...ALL_FIELDS, kernelBase: DYNAMIC, ramdiskMemory: DYNAMIC });
    expect(abi.config.frameBuffer).toEqual({ minimumHeight: 720n, minimumWidth: 1280n });
  });

  it('a bootloader 0.9 kernel (no .bootloader-config section) gets the 0.9 contract', () => {
    const elf = load('sample');
    expect(elf.sections.some((s) => s.name === BOOTLOADER_CONFIG_SECTION)).toBe(false);
    expect(detectKernelAbi(elf)).toEqual({ abi: 'bootloader-0.9' });
  });
});

describe('corrupt configs in a real kernel are rejected with section, byte and field', () => {
  /** The all-fields kernel with one change; returns the error detectKernelAbi throws. */
  function corrupt(change: (bytes: Uint8Array, sectionOffset: number, sectionHeader: number) => void): BootloaderConfigError {
    const bytes = new Uint8Array(readFileSync(elves['pie-all']!));
    const section = readElf(bytes).sections.find((s) => s.name === BOOTLOADER_CONFIG_SECTION)!;
    change(bytes, section.offset, section.headerOffset);
    try {
      detectKernelAbi(readElf(bytes));
    } catch (e) {
      if (e instanceof BootloaderConfigError) return e;
      throw e;
    }
    throw new Error('the corrupt config was accepted');
  }
  const setByte = (at: number, value: number) => (bytes: Uint8Array, offset: number) => {
    bytes[offset + at] = value;
  };

  // [what, byte, value, field, words in the message]
  const cases: [string, number, number, string, string][] = [
    ['a UUID byte', 5, 0x37, 'UUID', 'differs from the bootloader_api config UUID'],
    ['pre_release is not a bool', 22, 2, 'version.pre_release', 'flag byte 0x02 is neither 0 nor 1'],
    ['a Mapping flag is neither Dynamic nor FixedAddress', 31, 2, 'mappings.kernel_stack', '0 Dynamic, 1 FixedAddress'],
    ['an Option<Mapping> flag is neither None nor Some', 67, 5, 'mappings.physical_memory', '0 None, 1 Some'],
    ['the Mapping inside Some(...) has a bad flag', 78, 9, 'mappings.page_table_recursive', '0 Dynamic, 1 FixedAddress'],
    ['a Dynamic mapping inside Some(...) carries an address', 83, 1, 'mappings.page_table_recursive', 'after a Dynamic flag must be 0'],
    ['aslr is not a bool', 87, 0xff, 'mappings.aslr', 'flag byte 0xff'],
    ['an Option<u64> flag is neither None nor Some', 124, 3, 'frame_buffer.minimum_framebuffer_width', '0 None, 1 Some'],
  ];
  for (const [what, byte, value, field, words] of cases) {
    it(`${what} (byte ${byte})`, () => {
      const e = corrupt(setByte(byte, value));
      expect(e.byte).toBe(byte);
      expect(e.field).toBe(field);
      expect(e.message).toContain(`.bootloader-config byte ${byte} (file offset 0x${e.fileOffset.toString(16)}), ${field}`);
      expect(e.message).toContain(words);
      expect(e.message).toContain('bootloader_api 0.11');
    });
  }

  it('a Dynamic mapping followed by a non-zero address byte (byte 34 of kernel_stack in a default blob)', () => {
    const bytes = new Uint8Array(readFileSync(elves['pie-default']!));
    const section = readElf(bytes).sections.find((s) => s.name === BOOTLOADER_CONFIG_SECTION)!;
    bytes[section.offset + 34] = 0x10;
    expect(() => detectKernelAbi(readElf(bytes))).toThrow(/\.bootloader-config byte 34 .*mappings\.kernel_stack: byte 0x10 after a Dynamic flag must be 0/);
  });

  it('a None followed by non-zero payload (dynamic_range_end cleared to None but the value left behind)', () => {
    const e = corrupt(setByte(97, 0)); // flag of dynamic_range_end, its 8 value bytes stay
    expect(e.field).toBe('mappings.dynamic_range_end');
    expect(e.byte).toBeGreaterThan(97);
    expect(e.message).toContain('after a None flag must be 0');
  });

  for (const size of [132, 134, 100]) {
    it(`a section of ${size} bytes is not any 0.11 layout`, () => {
      const e = corrupt((bytes, _offset, header) => new DataView(bytes.buffer).setBigUint64(header + 32, BigInt(size), true));
      expect(e.field).toBe('length');
      expect(e.byte).toBe(size);
      expect(e.message).toContain(`the section is ${size} bytes, but a bootloader_api 0.11 config is 115 (0.11.0), 124 (0.11.1-0.11.10) or 133 (0.11.11-0.11.16) bytes`);
    });
  }

  it('a section without file bytes (SHT_NOBITS)', () => {
    const e = corrupt((bytes, _offset, header) => new DataView(bytes.buffer).setUint32(header + 4, SHT_NOBITS, true));
    expect(e.message).toMatch(/^\.bootloader-config byte 0 .*section header: section \d+ has no bytes in the file \(SHT_NOBITS\)/);
  });

  it('two sections named .bootloader-config', () => {
    const e = corrupt((bytes, _offset, header) => {
      // Give the section after it the same sh_name.
      const view = new DataView(bytes.buffer);
      view.setUint32(header + 64, view.getUint32(header, true), true);
    });
    expect(e.message).toMatch(/the kernel has 2 sections named \.bootloader-config \(headers \d+, \d+\)/);
  });

  it('the length check comes before the content checks; an intact blob copied out decodes alone', () => {
    const bytes = new Uint8Array(readFileSync(elves['pie-all']!));
    const section = readElf(bytes).sections.find((s) => s.name === BOOTLOADER_CONFIG_SECTION)!;
    const blob = bytes.slice(section.offset, section.offset + section.size);
    expect(decodeBootloaderConfig(blob).mappings).toEqual(ALL_FIELDS);
    expect(() => decodeBootloaderConfig(blob.subarray(0, 16))).toThrow(/the section is 16 bytes/);
  });
});
