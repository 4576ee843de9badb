// The bootloader cache is shared by every project, so nothing outside resources/bootloader may
// reach it: not files in the current directory, not includes that climb out of the folder, not
// a cache file that was replaced or written by another assembler.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assembleBootloader, assembleEfiLoader, clearBootloaderMemoryCache } from './bootloaderAssembly.js';
import { scratchDir } from './imageBuilder.js';
import { REPO_ROOT } from './testkit.js';

const BUNDLED = join(REPO_ROOT, 'resources');
const work = scratchDir('bootlab-loader-cache-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => clearBootloaderMemoryCache());

/** A copy of the bundled bootloader folder that a test may change. */
function resourcesCopy(name: string): string {
  const resources = join(work, name);
  cpSync(join(BUNDLED, 'bootloader'), join(resources, 'bootloader'), { recursive: true });
  return resources;
}

const reference = await (async () => {
  const bytes = (await assembleBootloader(BUNDLED, false)).bytes;
  clearBootloaderMemoryCache();
  return bytes;
})();

describe('bootloader assembly', async () => {
  it('ignores stage sources and includes in the current directory', async () => {
    const evil = join(work, 'evil-cwd');
    mkdirSync(evil, { recursive: true });
    // Each would assemble (or fail) differently from the bundled file of the same name.
    for (const name of ['stage1.asm', 'stage2.asm', 'stage3.asm', 'layout.inc']) writeFileSync(join(evil, name), 'times 600 db 0xCC\n');
    const cacheDir = join(work, 'cache-cwd');
    const before = process.cwd();
    process.chdir(evil);
    try {
      const loader = await assembleBootloader(BUNDLED, cacheDir);
      expect(loader.cached).toBe(false);
      expect(Buffer.from(loader.bytes).equals(Buffer.from(reference))).toBe(true);
    } finally {
      process.chdir(before);
    }
  });

  it('refuses includes that leave the bootloader folder', async () => {
    const resources = resourcesCopy('climb');
    writeFileSync(join(resources, 'outside.inc'), 'db 1\n');
    const main = join(resources, 'bootloader', 'bootloader.asm');
    writeFileSync(main, `%include "../outside.inc"\n${readFileSync(main, 'utf8')}`);
    await expect(assembleBootloader(resources, false)).rejects.toThrow(/did not assemble[\s\S]*outside\.inc/);
  });

  it('uses a cache file only when its key and digest match its bytes', async () => {
    const cacheDir = join(work, 'cache-tamper');
    const first = await assembleBootloader(BUNDLED, cacheDir);
    const cacheFile = join(cacheDir, `bootloader-${first.hash}.bin`);
    clearBootloaderMemoryCache();
    expect((await assembleBootloader(BUNDLED, cacheDir)).cached).toBe('disk');

    // A bootable-looking but different loader under the same name (the old cache format: raw bytes).
    const forged = new Uint8Array(reference.length);
    forged.fill(0xcc);
    forged[510] = 0x55;
    forged[511] = 0xaa;
    writeFileSync(cacheFile, forged);
    clearBootloaderMemoryCache();
    const afterForgery = await assembleBootloader(BUNDLED, cacheDir);
    expect(afterForgery.cached).toBe(false);
    expect(Buffer.from(afterForgery.bytes).equals(Buffer.from(reference))).toBe(true);

    // A valid header whose bytes were changed afterwards.
    const file = readFileSync(cacheFile);
    file[file.length - 100] ^= 0xff;
    writeFileSync(cacheFile, file);
    clearBootloaderMemoryCache();
    expect((await assembleBootloader(BUNDLED, cacheDir)).cached).toBe(false);
  });

  it('keys the cache by every file in the bootloader folder', async () => {
    const resources = resourcesCopy('key');
    const cacheDir = join(work, 'cache-key');
    const first = await assembleBootloader(resources, cacheDir);
    // A file the assembler could read (an incbin target, a new include) is part of the key.
    writeFileSync(join(resources, 'bootloader', 'extra.bin'), 'x');
    const second = await assembleBootloader(resources, cacheDir);
    expect(second.hash).not.toBe(first.hash);
    expect(second.cached).toBe(false);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
  });
});

/** The PE32+ fields of BOOTX64.EFI, read here independently of the loader's own check. */
function peFacts(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = v.getUint32(0x3c, true);
  const sectionCount = v.getUint16(pe + 6, true);
  const optSize = v.getUint16(pe + 20, true);
  const opt = pe + 24;
  const sections = [];
  for (let i = 0; i < sectionCount; i++) {
    const o = opt + optSize + i * 40;
    sections.push({
      name: new TextDecoder().decode(bytes.subarray(o, o + 8)).replace(/\0+$/, ''),
      virtualSize: v.getUint32(o + 8, true),
      rva: v.getUint32(o + 12, true),
      rawSize: v.getUint32(o + 16, true),
      rawOffset: v.getUint32(o + 20, true),
      flags: v.getUint32(o + 36, true),
    });
  }
  return {
    mz: String.fromCharCode(bytes[0], bytes[1]),
    signature: v.getUint32(pe, true),
    machine: v.getUint16(pe + 4, true),
    characteristics: v.getUint16(pe + 22, true),
    optSize,
    magic: v.getUint16(opt, true),
    entry: v.getUint32(opt + 16, true),
    sectionAlignment: v.getUint32(opt + 32, true),
    fileAlignment: v.getUint32(opt + 36, true),
    sizeOfImage: v.getUint32(opt + 56, true),
    sizeOfHeaders: v.getUint32(opt + 60, true),
    subsystem: v.getUint16(opt + 68, true),
    directories: v.getUint32(opt + 108, true),
    relocDirectory: [v.getUint32(opt + 112 + 5 * 8, true), v.getUint32(opt + 112 + 5 * 8 + 4, true)],
    sections,
  };
}

describe('UEFI loader assembly (BOOTX64.EFI)', async () => {
  const efi = (await assembleEfiLoader(BUNDLED, false)).bytes;
  const pe = peFacts(efi);

  it('is a PE32+ EFI application for x86-64 that the firmware may load anywhere', () => {
    expect(pe.mz).toBe('MZ');
    expect(pe.signature).toBe(0x00004550);
    expect(pe.machine).toBe(0x8664);
    expect(pe.optSize).toBe(0xf0);
    expect(pe.magic).toBe(0x20b);
    expect(pe.subsystem).toBe(10);
    expect(pe.directories).toBe(16);
    // Executable and large-address aware; RELOCS_STRIPPED clear (EDK2 would then load it only
    // at ImageBase), and no .reloc directory: the code is RIP-relative.
    expect(pe.characteristics & 0x0002).toBe(0x0002);
    expect(pe.characteristics & 0x0001).toBe(0);
    expect(pe.relocDirectory).toEqual([0, 0]);
    expect(pe.sectionAlignment).toBe(0x1000);
    expect(pe.fileAlignment).toBe(0x200);
    expect(pe.sizeOfHeaders % pe.fileAlignment).toBe(0);
  });

  it('has a code and a data section whose file offsets equal their RVAs, inside SizeOfImage', () => {
    expect(pe.sections.map((s) => s.name)).toEqual(['.text', '.data']);
    const [text, data] = pe.sections;
    expect(text.flags).toBe(0x60000020);
    expect(data.flags).toBe(0xc0000040);
    for (const s of pe.sections) {
      expect(s.rva % 0x1000).toBe(0);
      expect(s.rawOffset).toBe(s.rva);
      expect(s.rawSize % pe.fileAlignment).toBe(0);
      expect(s.rawOffset + s.rawSize).toBeLessThanOrEqual(efi.length);
      expect(s.rva + Math.max(s.virtualSize, s.rawSize)).toBeLessThanOrEqual(pe.sizeOfImage);
    }
    expect(text.rva).toBeGreaterThanOrEqual(pe.sizeOfHeaders);
    expect(data.rva).toBeGreaterThanOrEqual(text.rva + text.rawSize);
    expect(pe.entry).toBeGreaterThanOrEqual(text.rva);
    expect(pe.entry).toBeLessThan(text.rva + text.virtualSize);
    expect(pe.sizeOfImage % 0x1000).toBe(0);
  });

  it('carries stage3 as assembled for 0x7C00, the same code the BIOS path runs', async () => {
    const bios = (await assembleBootloader(BUNDLED, false)).bytes;
    // stage3's texts (its host-log header and memory type names) are in both, the EFI file's in .data.
    const marker = Buffer.from('bootlab-boot-log 1\n\0firmware uefi\n');
    expect(Buffer.from(efi).indexOf(marker)).toBeGreaterThan(pe.sections[1].rva);
    expect(Buffer.from(bios).indexOf(marker)).toBeGreaterThan(0);
    const names = Buffer.from('Usable\0InUse\0Reserved\0');
    expect(Buffer.from(efi).indexOf(names)).toBeGreaterThan(pe.sections[1].rva);
  });

  it("is exactly NASM's bytes for the same sources (differential test; NASM is a test oracle only)", () => {
    const loaderDir = join(BUNDLED, 'bootloader');
    const out = join(work, 'nasm-efi');
    mkdirSync(join(out, 'uefi'), { recursive: true });
    execFileSync('nasm', ['-f', 'bin', '-i', `${loaderDir}/`, '-o', join(out, 'uefi', 'stage3-blob.bin'), join(loaderDir, 'uefi', 'stage3-blob.asm')]);
    // bootx64.asm's incbin finds NASM's own blob through the second include path.
    execFileSync('nasm', ['-f', 'bin', '-i', `${loaderDir}/`, '-i', `${out}/`, '-o', join(out, 'BOOTX64.EFI'), join(loaderDir, 'uefi', 'bootx64.asm')]);
    const theirs = readFileSync(join(out, 'BOOTX64.EFI'));
    expect(efi.length).toBe(theirs.length);
    expect(Buffer.from(efi).equals(theirs)).toBe(true);
  });

  it('is cached beside the BIOS loader under its own name', async () => {
    const cacheDir = join(work, 'cache-efi');
    const first = await assembleEfiLoader(BUNDLED, cacheDir);
    expect(first.cached).toBe(false);
    expect(Buffer.from(first.bytes).equals(Buffer.from(efi))).toBe(true);
    expect((await assembleEfiLoader(BUNDLED, cacheDir)).cached).toBe('memory');
    clearBootloaderMemoryCache();
    expect((await assembleEfiLoader(BUNDLED, cacheDir)).cached).toBe('disk');
    const bios = await assembleBootloader(BUNDLED, cacheDir);
    expect(bios.cached).toBe(false);
    expect(bios.bytes[510]).toBe(0x55);
    expect(readdirSync(cacheDir).sort()).toEqual([`bootloader-${first.hash}.bin`, `bootx64-${first.hash}.efi`]);
  });

  it('names the file and line when a UEFI loader source does not assemble', async () => {
    const resources = resourcesCopy('efi-broken');
    const part = join(resources, 'bootloader', 'uefi', 'handoff.asm');
    writeFileSync(part, `${readFileSync(part, 'utf8')}\n    mov rax, [no_such_label]\n`);
    await expect(assembleEfiLoader(resources, false)).rejects.toThrow(/UEFI loader did not assemble:[\s\S]*handoff\.asm:\d+:\d+: symbol `no_such_label' not defined/);
  });
});
