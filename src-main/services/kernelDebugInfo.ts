// The kernel's symbols and source lines for a run's diagnosis, read from its ELF only when a
// diagnosis asks (a halt, a fault, a hang) and then once. A passing test, the common case for the
// runner that cargo starts once per test executable, never reads its executable (megabytes of
// debug info) a second time after the image was written.
import { readFileSync } from 'node:fs';
import { codeLocatorFromElf, type CodeLocator } from './codeLocator.js';
import { symbolizerFromElf, type Symbolizer } from './symbols.js';

export interface KernelDebugInfo {
  locator: CodeLocator;
  symbolFor: Symbolizer;
  /** How many times the ELF file was read (0 or 1): tests count the work instead of timing it. */
  readonly reads: number;
}

export function lazyKernelDebugInfo(kernelPath: string, relocationBase: bigint, readFile: (path: string) => Uint8Array = readFileSync): KernelDebugInfo {
  let reads = 0;
  let bytes: Uint8Array | undefined;
  const elfBytes = (): Uint8Array => {
    if (bytes) return bytes;
    reads++;
    try {
      bytes = readFile(kernelPath);
    } catch {
      // No symbols then: the diagnosis names addresses only.
      bytes = new Uint8Array();
    }
    return bytes;
  };
  let locator: CodeLocator | undefined;
  const located = () => (locator ??= codeLocatorFromElf(elfBytes(), relocationBase));
  let symbolizer: Symbolizer | undefined;
  return {
    locator: {
      frame: (address, options) => located().frame(address, options),
      get elf() {
        return located().elf;
      },
      relocationBase,
      get lineProblem() {
        return located().lineProblem;
      },
    },
    symbolFor: (address) => (symbolizer ??= symbolizerFromElf(elfBytes(), relocationBase))(address),
    get reads() {
      return reads;
    },
  };
}
