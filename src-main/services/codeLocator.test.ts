// Naming code at runtime addresses, also in the higher half (above 2^53, where a number cannot
// hold the address exactly): a 0.11 kernel placed there by its config or by ASLR.
import { describe, expect, it } from 'vitest';
import { code, synthElf } from '../elf/synth.test-helper.js';
import { PF_R, PF_X } from '../elf/index.js';
import { codeLocatorFromElf } from './codeLocator.js';

const STT_FUNC = 2;

describe('codeLocator', () => {
  it('names a higher-half function from its exact bigint address, and a return address inside it', () => {
    const base = 0xffff_ffff_8000_0000n;
    const elf = synthElf({
      entry: base + 0x1000n,
      segments: [{ flags: PF_R | PF_X, vaddr: base + 0x1000n, data: code(0x200) }],
      symbols: [
        { name: 'kernel_main', value: base + 0x1000n, size: 0x100n, type: STT_FUNC, shndx: 1 },
        { name: 'after_main', value: base + 0x1100n, size: 0x100n, type: STT_FUNC, shndx: 1 },
      ],
    });
    const locator = codeLocatorFromElf(elf);
    expect(locator.frame(base + 0x1010n).symbol).toBe('kernel_main');
    expect(locator.frame(base + 0x1100n).symbol).toBe('after_main');
    // A return address right after a call at the end of kernel_main names kernel_main.
    expect(locator.frame(base + 0x1100n, { returnAddress: true }).symbol).toBe('kernel_main');
    // A number cannot carry such an address exactly: no guess.
    expect(locator.frame(Number(base + 0x1010n)).symbol).toBeUndefined();
  });

  it('names code of a PIE kernel moved into the higher half by its relocation base', () => {
    const elf = synthElf({
      type: 3, // ET_DYN
      entry: 0x1000n,
      segments: [{ flags: PF_R | PF_X, vaddr: 0x1000n, data: code(0x100) }],
      symbols: [{ name: '_start', value: 0x1000n, size: 0x100n, type: STT_FUNC, shndx: 1 }],
    });
    const relocationBase = 0xffff_8000_0000_0000n;
    const locator = codeLocatorFromElf(elf, relocationBase);
    expect(locator.frame(relocationBase + 0x1020n).symbol).toBe('_start');
    expect(locator.frame(0x1020).symbol).toBeUndefined();
  });
});
