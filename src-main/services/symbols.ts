// Names the kernel function at a runtime address: the ELF symbol table (via ../elf), the load
// bias of PIE kernels, and the Rust demangler.
import { readFileSync } from 'node:fs';
import { symbolize, tryReadElf } from '../elf/index.js';
import { demangle } from './demangle.js';

export type Symbolizer = (address: number) => string | undefined;

export function symbolizerFromElf(bytes: Uint8Array, relocationBase = 0n): Symbolizer {
  const parsed = tryReadElf(bytes);
  if (!parsed.ok) return () => undefined;
  const elf = parsed.elf;
  return (address) => {
    if (!Number.isFinite(address) || address < 0) return undefined;
    const hit = symbolize(elf, BigInt(Math.trunc(address)) - relocationBase);
    if (!hit) return undefined;
    const name = demangle(hit.name);
    return hit.offset > 0n ? `${name}+0x${hit.offset.toString(16)}` : name;
  };
}

export function symbolizerFromFile(path: string, relocationBase = 0n): Symbolizer {
  try {
    return symbolizerFromElf(readFileSync(path), relocationBase);
  } catch {
    return () => undefined;
  }
}
