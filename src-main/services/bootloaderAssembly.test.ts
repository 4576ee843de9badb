// The bootloader cache is shared by every project, so nothing outside resources/bootloader may
// reach it: not files in the current directory, not includes that climb out of the folder, not
// a cache file that was replaced or written by another assembler.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assembleBootloader, clearBootloaderMemoryCache } from './bootloaderAssembly.js';
import { scratchDir } from './imageBuilder.js';
import { REPO_ROOT } from './testkit.js';

const BUNDLED = join(REPO_ROOT, 'resources');
const work = scratchDir('bootlab-loader-cache-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => clearBootloaderMemoryCache());

/** A copy of the bundled bootloader folder that a test may change. */
function resourcesCopy(name: string): string {
  const resources = join(work, name);
  mkdirSync(join(resources, 'bootloader'), { recursive: true });
  for (const f of readdirSync(join(BUNDLED, 'bootloader'))) copyFileSync(join(BUNDLED, 'bootloader', f), join(resources, 'bootloader', f));
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
