// Builds small synthetic ELF64 x86-64 files for unit tests (ELF reader, load plan).

export interface SynthSegment {
  type?: number;
  flags: number;
  vaddr: bigint;
  data?: Uint8Array;
  memsz?: bigint;
  /** Force a file offset (default: next offset congruent to vaddr modulo 4096). */
  offset?: number;
  align?: bigint;
}

export interface SynthElf {
  type?: number;
  machine?: number;
  cls?: number;
  entry: bigint;
  segments: SynthSegment[];
  symbols?: { name: string; value: bigint; size: bigint; type?: number; shndx?: number }[];
  relocations?: { offset: bigint; type: number; addend: bigint }[];
}

export function synthElf(spec: SynthElf): Uint8Array {
  const phnum = spec.segments.length;
  let off = 64 + phnum * 56;
  const placed: { seg: SynthSegment; offset: number }[] = [];
  for (const seg of spec.segments) {
    const want = Number(seg.vaddr % 4096n);
    if (seg.offset !== undefined) off = seg.offset;
    else {
      while (off % 4096 !== want) off++;
    }
    placed.push({ seg, offset: off });
    off += seg.data?.length ?? 0;
  }
  // Sections: null, .shstrtab, .strtab, .symtab, .rela.dyn
  const shstr = '\0.shstrtab\0.strtab\0.symtab\0.rela.dyn\0';
  const names = { shstrtab: 1, strtab: 11, symtab: 19, rela: 27 };
  let strtab = '\0';
  const symNames: number[] = [];
  for (const s of spec.symbols ?? []) {
    symNames.push(strtab.length);
    strtab += `${s.name}\0`;
  }
  const shstrOff = off;
  off += shstr.length;
  const strOff = off;
  off += strtab.length;
  while (off % 8) off++;
  const symOff = off;
  const symCount = (spec.symbols?.length ?? 0) + 1;
  off += symCount * 24;
  const relaOff = off;
  const relaCount = spec.relocations?.length ?? 0;
  off += relaCount * 24;
  while (off % 8) off++;
  const shoff = off;
  const shnum = 5;
  off += shnum * 64;
  const bytes = new Uint8Array(off);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, spec.cls ?? 2, 1, 1], 0);
  v.setUint16(16, spec.type ?? 2, true);
  v.setUint16(18, spec.machine ?? 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, spec.entry, true);
  v.setBigUint64(32, 64n, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, phnum, true);
  v.setUint16(58, 64, true);
  v.setUint16(60, shnum, true);
  v.setUint16(62, 1, true);
  placed.forEach(({ seg, offset }, i) => {
    const o = 64 + i * 56;
    const filesz = seg.data?.length ?? 0;
    v.setUint32(o, seg.type ?? 1, true);
    v.setUint32(o + 4, seg.flags, true);
    v.setBigUint64(o + 8, BigInt(offset), true);
    v.setBigUint64(o + 16, seg.vaddr, true);
    v.setBigUint64(o + 24, seg.vaddr, true);
    v.setBigUint64(o + 32, BigInt(filesz), true);
    v.setBigUint64(o + 40, seg.memsz ?? BigInt(filesz), true);
    v.setBigUint64(o + 48, seg.align ?? 4096n, true);
    if (seg.data && offset + seg.data.length <= bytes.length) bytes.set(seg.data, offset);
  });
  for (let i = 0; i < shstr.length; i++) bytes[shstrOff + i] = shstr.charCodeAt(i);
  for (let i = 0; i < strtab.length; i++) bytes[strOff + i] = strtab.charCodeAt(i);
  (spec.symbols ?? []).forEach((s, i) => {
    const o = symOff + (i + 1) * 24;
    v.setUint32(o, symNames[i]!, true);
    bytes[o + 4] = (1 << 4) | (s.type ?? 2);
    v.setUint16(o + 6, s.shndx ?? 1, true);
    v.setBigUint64(o + 8, s.value, true);
    v.setBigUint64(o + 16, s.size, true);
  });
  (spec.relocations ?? []).forEach((r, i) => {
    const o = relaOff + i * 24;
    v.setBigUint64(o, r.offset, true);
    v.setBigUint64(o + 8, BigInt(r.type), true);
    v.setBigInt64(o + 16, r.addend, true);
  });
  const sh = (i: number, name: number, type: number, offset: number, size: number, link = 0, entsize = 0, flags = 0n) => {
    const o = shoff + i * 64;
    v.setUint32(o, name, true);
    v.setUint32(o + 4, type, true);
    v.setBigUint64(o + 8, flags, true);
    v.setBigUint64(o + 24, BigInt(offset), true);
    v.setBigUint64(o + 32, BigInt(size), true);
    v.setUint32(o + 40, link, true);
    v.setBigUint64(o + 56, BigInt(entsize), true);
  };
  sh(1, names.shstrtab, 3, shstrOff, shstr.length);
  sh(2, names.strtab, 3, strOff, strtab.length);
  sh(3, names.symtab, 2, symOff, symCount * 24, 2, 24);
  sh(4, names.rela, 4, relaOff, relaCount * 24, 3, 24, 2n);
  return bytes;
}

/** A small code segment: `count` bytes of 0x90 (nop). */
export function code(count: number): Uint8Array {
  return new Uint8Array(count).fill(0x90);
}
