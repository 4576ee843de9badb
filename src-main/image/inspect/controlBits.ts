// CR0, CR3, CR4, EFER and RFLAGS bit by bit, with the names the Intel and AMD manuals use.

export interface BitDefinition {
  bit: number;
  name: string;
  meaning: string;
}

export interface DecodedBit extends BitDefinition {
  set: boolean;
}

export interface DecodedRegister {
  name: string;
  value: bigint;
  bits: DecodedBit[];
  /** Multi-bit fields (RFLAGS.IOPL, CR3's table address). */
  fields: { name: string; value: bigint; meaning: string }[];
  /** Set bits this table does not name (reserved, or newer than the table). */
  unknownBits: number[];
}

const b = (bit: number, name: string, meaning: string): BitDefinition => ({ bit, name, meaning });

export const RFLAGS_BITS: BitDefinition[] = [
  b(0, 'CF', 'carry'),
  b(2, 'PF', 'parity'),
  b(4, 'AF', 'auxiliary carry'),
  b(6, 'ZF', 'zero'),
  b(7, 'SF', 'sign'),
  b(8, 'TF', 'trap (single step)'),
  b(9, 'IF', 'interrupts enabled'),
  b(10, 'DF', 'direction (string ops count down)'),
  b(11, 'OF', 'overflow'),
  b(14, 'NT', 'nested task'),
  b(16, 'RF', 'resume (debug faults suppressed)'),
  b(17, 'VM', 'virtual-8086 mode'),
  b(18, 'AC', 'alignment check / SMAP override'),
  b(19, 'VIF', 'virtual interrupt flag'),
  b(20, 'VIP', 'virtual interrupt pending'),
  b(21, 'ID', 'CPUID available'),
];

export const CR0_BITS: BitDefinition[] = [
  b(0, 'PE', 'protected mode enabled'),
  b(1, 'MP', 'monitor coprocessor'),
  b(2, 'EM', 'x87 emulation'),
  b(3, 'TS', 'task switched'),
  b(4, 'ET', 'extension type (x87 present)'),
  b(5, 'NE', 'native x87 error reporting'),
  b(16, 'WP', 'write protect (ring 0 honours read-only pages)'),
  b(18, 'AM', 'alignment mask'),
  b(29, 'NW', 'not write-through'),
  b(30, 'CD', 'cache disable'),
  b(31, 'PG', 'paging enabled'),
];

export const CR4_BITS: BitDefinition[] = [
  b(0, 'VME', 'virtual-8086 mode extensions'),
  b(1, 'PVI', 'protected-mode virtual interrupts'),
  b(2, 'TSD', 'RDTSC only in ring 0'),
  b(3, 'DE', 'debugging extensions'),
  b(4, 'PSE', 'page size extensions'),
  b(5, 'PAE', 'physical address extension'),
  b(6, 'MCE', 'machine-check exceptions'),
  b(7, 'PGE', 'global pages'),
  b(8, 'PCE', 'RDPMC in any ring'),
  b(9, 'OSFXSR', 'FXSAVE/FXRSTOR and SSE enabled'),
  b(10, 'OSXMMEXCPT', 'unmasked SSE exceptions'),
  b(11, 'UMIP', 'user-mode instruction prevention'),
  b(12, 'LA57', '5-level paging'),
  b(13, 'VMXE', 'VMX enabled'),
  b(14, 'SMXE', 'SMX enabled'),
  b(16, 'FSGSBASE', 'RDFSBASE and friends enabled'),
  b(17, 'PCIDE', 'process-context identifiers'),
  b(18, 'OSXSAVE', 'XSAVE enabled'),
  b(20, 'SMEP', 'supervisor-mode execution prevention'),
  b(21, 'SMAP', 'supervisor-mode access prevention'),
  b(22, 'PKE', 'protection keys for user pages'),
  b(23, 'CET', 'control-flow enforcement'),
  b(24, 'PKS', 'protection keys for supervisor pages'),
];

export const EFER_BITS: BitDefinition[] = [
  b(0, 'SCE', 'SYSCALL/SYSRET enabled'),
  b(8, 'LME', 'long mode enabled'),
  b(10, 'LMA', 'long mode active'),
  b(11, 'NXE', 'no-execute bit in page tables enabled'),
  b(12, 'SVME', 'SVM enabled'),
  b(13, 'LMSLE', 'long-mode segment limits'),
  b(14, 'FFXSR', 'fast FXSAVE/FXRSTOR'),
  b(15, 'TCE', 'translation cache extension'),
];

/** Bits that read as 1 and mean nothing (RFLAGS bit 1): not reported as unknown. */
const ALWAYS_ONE: Record<string, bigint> = { RFLAGS: 1n << 1n };

function decode(name: string, value: bigint, table: BitDefinition[], fieldMask = 0n): DecodedRegister {
  const bits = table.map((d) => ({ ...d, set: ((value >> BigInt(d.bit)) & 1n) === 1n }));
  let known = fieldMask | (ALWAYS_ONE[name] ?? 0n);
  for (const d of table) known |= 1n << BigInt(d.bit);
  const unknownBits: number[] = [];
  for (let i = 0; i < 64; i++) if (((value >> BigInt(i)) & 1n) === 1n && ((known >> BigInt(i)) & 1n) === 0n) unknownBits.push(i);
  return { name, value, bits, fields: [], unknownBits };
}

export function decodeRflags(value: bigint): DecodedRegister {
  const decoded = decode('RFLAGS', value, RFLAGS_BITS, 3n << 12n);
  decoded.fields.push({ name: 'IOPL', value: (value >> 12n) & 3n, meaning: 'I/O privilege level' });
  return decoded;
}

export function decodeCr0(value: bigint): DecodedRegister {
  return decode('CR0', value, CR0_BITS);
}

export function decodeCr4(value: bigint): DecodedRegister {
  return decode('CR4', value, CR4_BITS);
}

export function decodeEfer(value: bigint): DecodedRegister {
  return decode('EFER', value, EFER_BITS);
}

/** CR3: the top-level table's physical address, and PWT/PCD (or the PCID when CR4.PCIDE is set). */
export function decodeCr3(value: bigint, pcidEnabled = false): DecodedRegister {
  const tableMask = 0x000f_ffff_ffff_f000n;
  if (pcidEnabled) {
    const decoded = decode('CR3', value, [], tableMask | 0xfffn);
    decoded.fields.push({ name: 'PCID', value: value & 0xfffn, meaning: 'process-context identifier' });
    decoded.fields.unshift({ name: 'table', value: value & tableMask, meaning: 'physical address of the top-level page table' });
    return decoded;
  }
  const decoded = decode('CR3', value, [b(3, 'PWT', 'page-level write-through'), b(4, 'PCD', 'page-level cache disable')], tableMask);
  decoded.fields.unshift({ name: 'table', value: value & tableMask, meaning: 'physical address of the top-level page table' });
  return decoded;
}

/** The set bits' names, highest first, as debuggers show them: `PG WP NE ET PE`. */
export function setBitNames(decoded: DecodedRegister): string {
  const names = decoded.bits.filter((bit) => bit.set).sort((x, y) => y.bit - x.bit).map((bit) => bit.name);
  for (const f of decoded.fields) if (f.name === 'IOPL' && f.value !== 0n) names.push(`IOPL=${f.value}`);
  for (const u of decoded.unknownBits) names.push(`bit${u}`);
  return names.join(' ');
}
