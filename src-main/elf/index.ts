// ELF64 x86-64 reader: file header, program headers, section headers, the symbol table and
// `.rela.dyn` relocations. Pure: takes bytes, returns data. Every malformed field throws an
// `ElfError` naming the field and its file offset; nothing reads out of bounds (all reads go
// through `Reader`, which checks), and `tryReadElf` turns any failure into a result value.
// Addresses and offsets are `bigint` where the format is 64-bit; sizes that must fit in the
// file are checked and exposed as numbers.

export class ElfError extends Error {
  readonly field: string;
  readonly offset: number;
  constructor(field: string, offset: number, message: string) {
    super(`${message} (field ${field} at file offset 0x${offset.toString(16)})`);
    this.name = 'ElfError';
    this.field = field;
    this.offset = offset;
  }
}

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const EM_X86_64 = 62;
/** sizeof(Elf64_Phdr) and sizeof(Elf64_Shdr). */
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
/** Linux's load_elf_phdrs refuses program header tables larger than 64 KiB. */
export const MAX_PHDR_TABLE_BYTES = 65536;
export const MAX_PROGRAM_HEADERS = Math.floor(MAX_PHDR_TABLE_BYTES / PHDR_SIZE);
const PAGE_SIZE = 4096n;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const STT_FUNC = 2;
export const R_X86_64_NONE = 0;
export const R_X86_64_64 = 1;
export const R_X86_64_RELATIVE = 8;

export interface ElfHeader {
  type: number;
  machine: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  index: number;
  /** File offset of this program header entry. */
  headerOffset: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: bigint;
  align: bigint;
}

export interface SectionHeader {
  index: number;
  headerOffset: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: bigint;
  entsize: number;
}

export interface ElfSymbol {
  /** Raw (mangled) name. */
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* (low 4 bits of st_info). */
  type: number;
  bind: number;
  shndx: number;
}

export interface ElfRelocation {
  offset: bigint;
  type: number;
  symbol: number;
  addend: bigint;
  /** File offset of the relocation entry (for error messages). */
  entryOffset: number;
}

export interface ElfFile {
  bytes: Uint8Array;
  header: ElfHeader;
  programHeaders: ProgramHeader[];
  sections: SectionHeader[];
  symbols: ElfSymbol[];
  /** Entries of every SHT_RELA section named `.rela.dyn` (or any RELA section when linked dynamically). */
  relocations: ElfRelocation[];
}

class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  check(offset: number, size: number, field: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.bytes.length) {
      throw new ElfError(field, Math.max(0, Math.min(offset, this.bytes.length)), `${field} lies outside the file (${this.bytes.length} bytes)`);
    }
  }
  u8(offset: number, field: string): number {
    this.check(offset, 1, field);
    return this.view.getUint8(offset);
  }
  u16(offset: number, field: string): number {
    this.check(offset, 2, field);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number, field: string): number {
    this.check(offset, 4, field);
    return this.view.getUint32(offset, true);
  }
  u64(offset: number, field: string): bigint {
    this.check(offset, 8, field);
    return this.view.getBigUint64(offset, true);
  }
  i64(offset: number, field: string): bigint {
    this.check(offset, 8, field);
    return this.view.getBigInt64(offset, true);
  }
  /** A 64-bit file offset or size that must fit in a JavaScript number and the file. */
  offset64(offset: number, field: string): number {
    const v = this.u64(offset, field);
    if (v > BigInt(this.bytes.length)) throw new ElfError(field, offset, `${field} 0x${v.toString(16)} is beyond the end of the file (${this.bytes.length} bytes)`);
    return Number(v);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function cstring(r: Reader, start: number, end: number, field: string, at: number): string {
  if (start < 0 || start >= end) throw new ElfError(field, at, `${field} index points outside its string table`);
  let i = start;
  while (i < end && r.bytes[i] !== 0) i++;
  if (i >= end) throw new ElfError(field, at, `${field} is not NUL-terminated inside its string table`);
  return utf8.decode(r.bytes.subarray(start, i));
}

/** Parse an ELF64 little-endian x86-64 file. Throws `ElfError` for any malformed field. */
export function readElf(input: Uint8Array): ElfFile {
  const r = new Reader(input);
  if (r.length < 4 || r.bytes[0] !== 0x7f || r.bytes[1] !== 0x45 || r.bytes[2] !== 0x4c || r.bytes[3] !== 0x46) {
    throw new ElfError('e_ident[EI_MAG]', 0, 'not an ELF file: missing the \\x7fELF magic');
  }
  if (r.length < 64) throw new ElfError('e_ident', 0, `ELF header truncated: ${r.length} bytes, 64 needed`);
  const cls = r.u8(4, 'e_ident[EI_CLASS]');
  if (cls !== 2) throw new ElfError('e_ident[EI_CLASS]', 4, `not ELF64 (class ${cls}); Bootlab loads 64-bit x86-64 kernels only`);
  const data = r.u8(5, 'e_ident[EI_DATA]');
  if (data !== 1) throw new ElfError('e_ident[EI_DATA]', 5, `not little-endian (data encoding ${data})`);
  const version = r.u8(6, 'e_ident[EI_VERSION]');
  if (version !== 1) throw new ElfError('e_ident[EI_VERSION]', 6, `unknown ELF version ${version}`);
  const type = r.u16(16, 'e_type');
  if (type !== ET_EXEC && type !== ET_DYN) throw new ElfError('e_type', 16, `not an executable (e_type ${type}); expected ET_EXEC or ET_DYN`);
  const machine = r.u16(18, 'e_machine');
  if (machine !== EM_X86_64) throw new ElfError('e_machine', 18, `not x86-64 (e_machine ${machine})`);
  const entry = r.u64(24, 'e_entry');
  const phoff = r.offset64(32, 'e_phoff');
  const shoff = r.offset64(40, 'e_shoff');
  const ehsize = r.u16(52, 'e_ehsize');
  if (ehsize < 64) throw new ElfError('e_ehsize', 52, `ELF header size ${ehsize} is smaller than 64`);
  const phentsize = r.u16(54, 'e_phentsize');
  const phnum = r.u16(56, 'e_phnum');
  const shentsize = r.u16(58, 'e_shentsize');
  const shnum = r.u16(60, 'e_shnum');
  const shstrndx = r.u16(62, 'e_shstrndx');
  // As Linux's load_elf_phdrs: the entry size must be exactly the ELF64 structure's (with any
  // other size every header after the first would be read from the wrong place), and the table
  // must be non-empty and at most 64 KiB.
  if (phentsize !== PHDR_SIZE) throw new ElfError('e_phentsize', 54, `e_phentsize is ${phentsize}, but an ELF64 program header is ${PHDR_SIZE} bytes`);
  if (phnum === 0) throw new ElfError('e_phnum', 56, 'e_phnum is 0: an executable needs program headers');
  if (phnum * PHDR_SIZE > MAX_PHDR_TABLE_BYTES) {
    throw new ElfError('e_phnum', 56, `e_phnum is ${phnum}: ${phnum} program headers take ${phnum * PHDR_SIZE} bytes, more than the ${MAX_PHDR_TABLE_BYTES} (${MAX_PROGRAM_HEADERS} headers) Linux's ELF loader accepts`);
  }
  if (phoff + phnum * PHDR_SIZE > r.length) {
    throw new ElfError('e_phoff', 32, `the program headers at 0x${phoff.toString(16)} (${phnum} × ${PHDR_SIZE} bytes) end beyond the end of the file (${r.length} bytes)`);
  }
  if (shnum > 0 && shentsize !== SHDR_SIZE) throw new ElfError('e_shentsize', 58, `e_shentsize is ${shentsize}, but an ELF64 section header is ${SHDR_SIZE} bytes`);
  if (shnum > 0 && shoff + shnum * SHDR_SIZE > r.length) {
    throw new ElfError('e_shoff', 40, `the section headers at 0x${shoff.toString(16)} (${shnum} × ${SHDR_SIZE} bytes) end beyond the end of the file (${r.length} bytes)`);
  }
  const header: ElfHeader = { type, machine, entry, phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx };

  const programHeaders: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const f = (n: string) => `program header ${i} ${n}`;
    const ptype = r.u32(o, f('p_type'));
    const flags = r.u32(o + 4, f('p_flags'));
    const p_offset = r.u64(o + 8, f('p_offset'));
    const vaddr = r.u64(o + 16, f('p_vaddr'));
    const paddr = r.u64(o + 24, f('p_paddr'));
    const filesz = r.u64(o + 32, f('p_filesz'));
    const memsz = r.u64(o + 40, f('p_memsz'));
    const align = r.u64(o + 48, f('p_align'));
    if (ptype === PT_LOAD || ptype === PT_TLS || ptype === PT_DYNAMIC) {
      if (p_offset > BigInt(r.length)) throw new ElfError(f('p_offset'), o + 8, `${f('p_offset')} 0x${p_offset.toString(16)} is beyond the end of the file (${r.length} bytes)`);
      if (p_offset + filesz > BigInt(r.length)) {
        throw new ElfError(f('p_filesz'), o + 32, `${f('p_offset')} + p_filesz (0x${p_offset.toString(16)} + 0x${filesz.toString(16)}) is beyond the end of the file (${r.length} bytes)`);
      }
      if (filesz > memsz) throw new ElfError(f('p_memsz'), o + 40, `${f('p_memsz')} 0x${memsz.toString(16)} is smaller than p_filesz 0x${filesz.toString(16)}`);
      if (vaddr + memsz > 0xffff_ffff_ffff_ffffn) throw new ElfError(f('p_memsz'), o + 40, `${f('p_vaddr')} + p_memsz (0x${vaddr.toString(16)} + 0x${memsz.toString(16)}) wraps around the address space`);
    }
    if (ptype === PT_LOAD) checkLoadAlignment(f, o, p_offset, vaddr, filesz, align);
    programHeaders.push({
      index: i,
      headerOffset: o,
      type: ptype,
      flags,
      offset: p_offset > BigInt(r.length) ? r.length : Number(p_offset),
      vaddr,
      paddr,
      filesz: filesz > BigInt(r.length) ? r.length : Number(filesz),
      memsz,
      align,
    });
  }

  const sections: SectionHeader[] = [];
  const rawNames: { nameOff: number; at: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const f = (n: string) => `section header ${i} ${n}`;
    const nameOff = r.u32(o, f('sh_name'));
    const stype = r.u32(o + 4, f('sh_type'));
    const flags = r.u64(o + 8, f('sh_flags'));
    const addr = r.u64(o + 16, f('sh_addr'));
    const sOffset = r.u64(o + 24, f('sh_offset'));
    const size = r.u64(o + 32, f('sh_size'));
    const link = r.u32(o + 40, f('sh_link'));
    const info = r.u32(o + 44, f('sh_info'));
    const addralign = r.u64(o + 48, f('sh_addralign'));
    const entsize = r.u64(o + 56, f('sh_entsize'));
    const hasBytes = stype !== SHT_NOBITS && stype !== 0;
    if (hasBytes && sOffset + size > BigInt(r.length)) {
      throw new ElfError(f('sh_size'), o + 32, `${f('sh_offset')} + sh_size (0x${sOffset.toString(16)} + 0x${size.toString(16)}) is beyond the end of the file (${r.length} bytes)`);
    }
    if (entsize > 0xffffn) throw new ElfError(f('sh_entsize'), o + 56, `${f('sh_entsize')} 0x${entsize.toString(16)} is implausibly large`);
    sections.push({
      index: i,
      headerOffset: o,
      name: '',
      type: stype,
      flags,
      addr,
      offset: hasBytes ? Number(sOffset) : Math.min(Number(sOffset > BigInt(r.length) ? BigInt(r.length) : sOffset), r.length),
      size: hasBytes ? Number(size) : size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size),
      link,
      info,
      addralign,
      entsize: Number(entsize),
    });
    rawNames.push({ nameOff, at: o });
  }
  if (shnum > 0) {
    if (shstrndx >= shnum) throw new ElfError('e_shstrndx', 62, `section name table index ${shstrndx} is not below e_shnum ${shnum}`);
    const strtab = sections[shstrndx]!;
    if (strtab.type !== SHT_STRTAB) throw new ElfError('e_shstrndx', 62, `section ${shstrndx} named by e_shstrndx is not a string table`);
    for (let i = 0; i < shnum; i++) {
      const { nameOff, at } = rawNames[i]!;
      if (nameOff >= strtab.size) throw new ElfError(`section header ${i} sh_name`, at, `section name offset ${nameOff} is outside the section name table`);
      sections[i]!.name = cstring(r, strtab.offset + nameOff, strtab.offset + strtab.size, `section header ${i} sh_name`, at);
    }
  }

  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab) readSymbols(r, sections, symtab, symbols);

  const relocations: ElfRelocation[] = [];
  for (const s of sections) {
    if (s.type !== SHT_RELA) continue;
    if (s.name !== '.rela.dyn' && !(type === ET_DYN && (s.flags & 2n) !== 0n)) continue;
    const f = (n: string) => `section ${s.name || s.index} ${n}`;
    if (s.entsize !== 24) throw new ElfError(f('sh_entsize'), s.headerOffset + 56, `relocation entry size ${s.entsize} is not 24`);
    if (s.size % 24 !== 0) throw new ElfError(f('sh_size'), s.headerOffset + 32, `relocation section size ${s.size} is not a multiple of 24`);
    for (let o = s.offset; o < s.offset + s.size; o += 24) {
      const info = r.u64(o + 8, 'r_info');
      relocations.push({ offset: r.u64(o, 'r_offset'), type: Number(info & 0xffff_ffffn), symbol: Number(info >> 32n), addend: r.i64(o + 16, 'r_addend'), entryOffset: o });
    }
  }

  return { bytes: input, header, programHeaders, sections, symbols, relocations };
}

function readSymbols(r: Reader, sections: SectionHeader[], symtab: SectionHeader, out: ElfSymbol[]): void {
  const f = (n: string) => `section ${symtab.name || symtab.index} ${n}`;
  if (symtab.entsize !== 24) throw new ElfError(f('sh_entsize'), symtab.headerOffset + 56, `symbol entry size ${symtab.entsize} is not 24`);
  if (symtab.size % 24 !== 0) throw new ElfError(f('sh_size'), symtab.headerOffset + 32, `symbol table size ${symtab.size} is not a multiple of 24`);
  if (symtab.link >= sections.length) throw new ElfError(f('sh_link'), symtab.headerOffset + 40, `symbol string table index ${symtab.link} is not a section`);
  const strtab = sections[symtab.link]!;
  if (strtab.type !== SHT_STRTAB) throw new ElfError(f('sh_link'), symtab.headerOffset + 40, `section ${symtab.link} linked from the symbol table is not a string table`);
  for (let o = symtab.offset; o < symtab.offset + symtab.size; o += 24) {
    const nameOff = r.u32(o, 'st_name');
    const info = r.u8(o + 4, 'st_info');
    const shndx = r.u16(o + 6, 'st_shndx');
    const value = r.u64(o + 8, 'st_value');
    const size = r.u64(o + 16, 'st_size');
    if (nameOff >= strtab.size && nameOff !== 0) throw new ElfError('st_name', o, `symbol name offset ${nameOff} is outside the string table`);
    const name = nameOff === 0 || strtab.size === 0 ? '' : cstring(r, strtab.offset + nameOff, strtab.offset + strtab.size, 'st_name', o);
    out.push({ name, value, size, type: info & 0xf, bind: info >> 4, shndx });
  }
}

/**
 * p_align must be 0, 1 or a power of two (gABI), and a segment with file bytes must have
 * p_offset congruent to p_vaddr modulo p_align and the page size: that is what lets a loader map
 * (Linux: mmap) the file's pages at the segment's pages.
 */
function checkLoadAlignment(f: (n: string) => string, o: number, offset: bigint, vaddr: bigint, filesz: bigint, align: bigint): void {
  if (align > 1n && (align & (align - 1n)) !== 0n) throw new ElfError(f('p_align'), o + 48, `${f('p_align')} 0x${align.toString(16)} is not a power of two`);
  if (filesz === 0n) return;
  const modulus = align > PAGE_SIZE ? align : PAGE_SIZE;
  if ((vaddr - offset) % modulus !== 0n) {
    throw new ElfError(
      f('p_offset'),
      o + 8,
      `${f('p_offset')} 0x${offset.toString(16)} and p_vaddr 0x${vaddr.toString(16)} are not congruent modulo 0x${modulus.toString(16)} (${align > PAGE_SIZE ? 'p_align' : 'the page size'})`,
    );
  }
}

export type ElfResult = { ok: true; elf: ElfFile } | { ok: false; error: ElfError };

/** Like `readElf`, but never throws: any failure becomes `{ ok: false, error }`. */
export function tryReadElf(bytes: Uint8Array): ElfResult {
  try {
    return { ok: true, elf: readElf(bytes) };
  } catch (e) {
    if (e instanceof ElfError) return { ok: false, error: e };
    return { ok: false, error: new ElfError('file', 0, `unreadable ELF: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

/**
 * The function symbol containing `address` (raw mangled name), or undefined. Symbols of size 0
 * match only their exact address. Prefers STT_FUNC; falls back to any named symbol.
 */
export function symbolize(elf: ElfFile, address: bigint | number): { name: string; value: bigint; size: bigint; offset: bigint } | undefined {
  const a = typeof address === 'bigint' ? address : BigInt(address);
  let best: ElfSymbol | undefined;
  for (const pass of [true, false]) {
    for (const s of elf.symbols) {
      if (!s.name || s.shndx === 0) continue;
      if (pass && s.type !== STT_FUNC) continue;
      const inside = s.size === 0n ? a === s.value : a >= s.value && a < s.value + s.size;
      if (inside && (!best || s.value > best.value)) best = s;
    }
    if (best) break;
  }
  return best ? { name: best.name, value: best.value, size: best.size, offset: a - best.value } : undefined;
}

/** Bytes of a program header's file image (bounds already checked by readElf). */
export function segmentBytes(elf: ElfFile, ph: ProgramHeader): Uint8Array {
  return elf.bytes.subarray(ph.offset, ph.offset + ph.filesz);
}
