// A kernel symbol by the name a user types in the Memory panel ("sample_kernel::halt", "halt",
// "_start", or the raw mangled name): its runtime address. Rust names are compared demangled
// (without the hash); a name that is only a path's tail must be unambiguous.
import type { ElfSymbol } from '../../elf/index.js';
import { demangle } from '../demangle.js';

/** STT_OBJECT and STT_FUNC: the symbols with an address worth reading. */
const NAMED_KINDS = new Set([1, 2]);

export type SymbolHit = { name: string; address: bigint; size: bigint } | { problem: string };

export class SymbolLookup {
  private readonly entries: { name: string; raw: string; address: bigint; size: bigint }[];

  constructor(symbols: ElfSymbol[], relocationBase = 0n) {
    this.entries = symbols
      .filter((s) => NAMED_KINDS.has(s.type) && s.shndx !== 0 && s.name !== '')
      .map((s) => ({ name: demangle(s.name), raw: s.name, address: s.value + relocationBase, size: s.size }));
  }

  find(typed: string): SymbolHit {
    const name = typed.trim();
    const exact = this.entries.filter((e) => e.name === name || e.raw === name);
    // Monomorphised or duplicated names: one address is as good as another only if they agree.
    const hits = exact.length ? exact : this.entries.filter((e) => e.name.endsWith(`::${name}`));
    const addresses = new Set(hits.map((h) => h.address));
    if (addresses.size === 1) return { name: hits[0]!.name, address: hits[0]!.address, size: hits[0]!.size };
    if (hits.length === 0) return { problem: `no kernel symbol is named "${name}"` };
    const names = [...new Set(hits.map((h) => h.name))].sort();
    if (names.length === 1) return { problem: `"${name}" is at ${addresses.size} addresses (${[...addresses].map((a) => `0x${a.toString(16)}`).join(', ')}): type one of them` };
    return { problem: `"${name}" names ${names.length} kernel symbols: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}; type a longer path` };
  }
}
