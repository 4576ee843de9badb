// An image is written only when its bytes change: the runner writes the same image for every
// `cargo test` of an unchanged kernel, and leaving it alone keeps its time (and saves the write).
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDiskImage, scratchDir } from './imageBuilder.js';
import { TEST_TARGET_DIR } from './testkit.js';

const work = scratchDir('bootlab-image-write-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writing a disk image', () => {
  it('leaves an image that already holds the same bytes untouched, and rewrites a changed one', async () => {
    // The sample kernel, built by the tests' global set-up.
    const built = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel');
    expect(existsSync(built), `${built} (built by scripts/test-warmup.ts)`).toBe(true);
    const kernel = join(work, 'kernel');
    copyFileSync(built, kernel);
    const outPath = join(work, 'kernel.img');
    const first = await buildDiskImage({ kernelPath: kernel, outPath, features: ['map_physical_memory'], cacheDir: false });
    expect(first.unchanged).toBe(false);
    const before = statSync(outPath);
    const again = await buildDiskImage({ kernelPath: kernel, outPath, features: ['map_physical_memory'], cacheDir: false });
    expect(again.unchanged).toBe(true);
    expect(statSync(outPath).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(outPath).ino).toBe(before.ino);
    // Other features, other plan bytes: written again.
    const other = await buildDiskImage({ kernelPath: kernel, outPath, features: [], cacheDir: false });
    expect(other.unchanged).toBe(false);
  });
});
