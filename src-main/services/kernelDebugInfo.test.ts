// The run's diagnosis reads the kernel's ELF lazily and once (issue 15): counted reads, on a real
// blog-style test executable built by the test warm-up.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf } from '../elf/index.js';
import { codeLocatorFromElf } from './codeLocator.js';
import { lazyKernelDebugInfo } from './kernelDebugInfo.js';
import { symbolizerFromElf } from './symbols.js';
import { TEST_TARGET_DIR } from './testkit.js';

const DEPS = join(TEST_TARGET_DIR, 'x86_64-blog_os', 'debug', 'deps');

function basicBoot(): string {
  const name = readdirSync(DEPS).find((n) => /^basic_boot-[0-9a-f]+$/.test(n));
  if (!name) throw new Error(`the test warm-up builds blog-tests' test executables into ${DEPS}`);
  return join(DEPS, name);
}

describe('lazyKernelDebugInfo', () => {
  it('reads nothing until asked, then the file once for symbols and lines alike', () => {
    const path = basicBoot();
    let reads = 0;
    const info = lazyKernelDebugInfo(path, 0n, (p) => {
      reads++;
      return readFileSync(p);
    });
    expect(reads).toBe(0);
    expect(info.reads).toBe(0);

    const bytes = readFileSync(path);
    const entry = Number(readElf(bytes).header.entry);
    expect(info.symbolFor(entry)).toBe(symbolizerFromElf(bytes)(entry));
    expect(info.symbolFor(entry)).toMatch(/_start/);
    expect(info.locator.frame(entry)).toEqual(codeLocatorFromElf(bytes).frame(entry));
    expect(info.locator.elf?.header.entry).toBe(BigInt(entry));
    expect(info.locator.lineProblem).toBeUndefined();
    expect(reads).toBe(1);
    expect(info.reads).toBe(1);
  });

  it('names nothing, and throws nothing, when the file cannot be read', () => {
    const info = lazyKernelDebugInfo('/nonexistent/bootlab-kernel', 0n);
    expect(info.symbolFor(0x200000)).toBeUndefined();
    expect(info.locator.frame(0x200000)).toEqual({ address: 0x200000, inUserCrate: false });
    expect(info.reads).toBe(1);
  });
});
