import { describe, expect, it } from 'vitest';
import { ElfError, PF_R, PF_W, PF_X, readElf, symbolize, tryReadElf } from './index.js';
import { code, synthElf } from './synth.test-helper.js';

const basic = () =>
  synthElf({
    entry: 0x201000n,
    segments: [{ flags: PF_R | PF_X, vaddr: 0x201000n, data: code(64) }],
    symbols: [
      { name: '_start', value: 0x201000n, size: 16n },
      { name: '_ZN6kernel4main17h0123456789abcdefE', value: 0x201010n, size: 32n },
      { name: 'DATA', value: 0x201030n, size: 8n, type: 1 },
    ],
    relocations: [{ offset: 0x201038n, type: 8, addend: 0x201000n }],
  });

function expectElfError(bytes: Uint8Array, field: RegExp, offset?: number): ElfError {
  const r = tryReadElf(bytes);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error).toBeInstanceOf(ElfError);
  expect(r.error.field).toMatch(field);
  if (offset !== undefined) expect(r.error.offset).toBe(offset);
  expect(r.error.message).toMatch(/file offset 0x/);
  return r.error;
}

describe('readElf', () => {
  it('reads headers, program headers, sections, symbols and relocations', () => {
    const elf = readElf(basic());
    expect(elf.header.entry).toBe(0x201000n);
    expect(elf.programHeaders).toHaveLength(1);
    expect(elf.programHeaders[0]).toMatchObject({ type: 1, flags: 5, vaddr: 0x201000n, filesz: 64, memsz: 64n });
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.shstrtab', '.strtab', '.symtab', '.rela.dyn']);
    expect(elf.symbols.map((s) => s.name)).toEqual(['', '_start', '_ZN6kernel4main17h0123456789abcdefE', 'DATA']);
    expect(elf.relocations).toEqual([{ offset: 0x201038n, type: 8, symbol: 0, addend: 0x201000n, entryOffset: expect.any(Number) }]);
  });

  it('symbolizes addresses to the containing function, raw mangled name', () => {
    const elf = readElf(basic());
    expect(symbolize(elf, 0x201000n)?.name).toBe('_start');
    expect(symbolize(elf, 0x20101fn)).toMatchObject({ name: '_ZN6kernel4main17h0123456789abcdefE', offset: 0xfn });
    expect(symbolize(elf, 0x201030)?.name).toBe('DATA'); // falls back to non-function symbols
    expect(symbolize(elf, 0x300000n)).toBeUndefined();
  });

  it('rejects files that are not ELF64 x86-64 executables, naming the field', () => {
    expectElfError(new Uint8Array([1, 2, 3]), /EI_MAG/, 0);
    expectElfError(new Uint8Array(0), /EI_MAG/, 0);
    const b = basic();
    expectElfError(b.slice(0, 40), /e_ident/, 0);
    const c32 = b.slice();
    c32[4] = 1;
    expect(expectElfError(c32, /EI_CLASS/, 4).message).toMatch(/not ELF64/);
    const be = b.slice();
    be[5] = 2;
    expectElfError(be, /EI_DATA/, 5);
    const arm = synthElf({ entry: 0n, machine: 183, segments: [{ flags: 5, vaddr: 0x1000n, data: code(4) }] });
    expect(expectElfError(arm, /e_machine/, 18).message).toMatch(/not x86-64/);
    const rel = synthElf({ entry: 0n, type: 1, segments: [{ flags: 5, vaddr: 0x1000n, data: code(4) }] });
    expectElfError(rel, /e_type/, 16);
  });

  it('bounds-checks every table and segment', () => {
    const b = basic();
    const v = new DataView(b.buffer);
    const phoff = b.slice();
    new DataView(phoff.buffer).setBigUint64(32, BigInt(b.length - 10), true);
    expectElfError(phoff, /e_phoff/);
    const huge = b.slice();
    new DataView(huge.buffer).setBigUint64(32, 0xffff_ffff_ffffn, true);
    expectElfError(huge, /e_phoff/, 32);
    const filesz = b.slice();
    new DataView(filesz.buffer).setBigUint64(64 + 32, 0x100000n, true);
    expectElfError(filesz, /program header 0 p_filesz/, 64 + 32);
    const memsz = b.slice();
    new DataView(memsz.buffer).setBigUint64(64 + 40, 1n, true);
    expectElfError(memsz, /p_memsz/, 64 + 40);
    const shoff = Number(v.getBigUint64(40, true));
    const sec = b.slice();
    new DataView(sec.buffer).setBigUint64(shoff + 3 * 64 + 32, 0x7fffffffn, true);
    expectElfError(sec, /section header 3 sh_size/);
    const strndx = b.slice();
    new DataView(strndx.buffer).setUint16(62, 99, true);
    expectElfError(strndx, /e_shstrndx/, 62);
    const name = b.slice();
    new DataView(name.buffer).setUint32(shoff + 64, 0xffff, true);
    expectElfError(name, /sh_name/);
    const ent = b.slice();
    new DataView(ent.buffer).setBigUint64(shoff + 3 * 64 + 56, 16n, true);
    expectElfError(ent, /sh_entsize/);
    const phent = b.slice();
    new DataView(phent.buffer).setUint16(54, 8, true);
    expectElfError(phent, /e_phentsize/, 54);
  });

  it("rejects what Linux's ELF loader rejects, naming the field and its file offset", () => {
    const two = () =>
      synthElf({
        entry: 0x201000n,
        segments: [
          { flags: PF_R | PF_X, vaddr: 0x201000n, data: code(64) },
          { flags: PF_R | PF_W, vaddr: 0x202000n, data: code(16), memsz: 0x100n },
        ],
      });
    const set = (bytes: Uint8Array, fn: (v: DataView) => void) => {
      const copy = bytes.slice();
      fn(new DataView(copy.buffer));
      return copy;
    };
    // e_phentsize 112: every other header would be read as the next one.
    const phent = expectElfError(set(two(), (v) => v.setUint16(54, 112, true)), /^e_phentsize$/, 54);
    expect(phent.message).toContain('e_phentsize is 112');
    expect(phent.message).toContain('file offset 0x36');
    expectElfError(set(two(), (v) => v.setUint16(54, 64, true)), /^e_phentsize$/, 54);
    // Too many program headers for Linux's 64 KiB limit, and none at all.
    const many = synthElf({ entry: 0x201000n, segments: Array.from({ length: 1171 }, (_, i) => ({ flags: PF_R | PF_X, vaddr: 0x201000n + BigInt(i) * 0x1000n, data: code(8) })) });
    expect(expectElfError(many, /^e_phnum$/, 56).message).toMatch(/1171 program headers take 65576 bytes, more than the 65536/);
    expect(readElf(synthElf({ entry: 0x201000n, segments: Array.from({ length: 1170 }, (_, i) => ({ flags: PF_R | PF_X, vaddr: 0x201000n + BigInt(i) * 0x1000n, data: code(8) })) })).programHeaders).toHaveLength(1170);
    expectElfError(set(two(), (v) => v.setUint16(56, 0, true)), /^e_phnum$/, 56);
    // The table runs past the end of the file.
    const b = two();
    expectElfError(set(b, (v) => v.setBigUint64(32, BigInt(b.length - 100), true)), /^e_phoff$/, 32);
    // A segment's file range lies beyond the file (even with no file bytes).
    expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 8, 0xffff_ffffn, true)), /program header 1 p_offset/, 64 + 56 + 8);
    expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 32, BigInt(b.length), true)), /program header 1 p_filesz/, 64 + 56 + 32);
    // p_filesz > p_memsz, and vaddr + memsz past 2^64.
    expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 40, 8n, true)), /program header 1 p_memsz/, 64 + 56 + 40);
    const wrap = expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 40, 0xffff_ffff_ffff_f000n, true)), /program header 1 p_memsz/, 64 + 56 + 40);
    expect(wrap.message).toMatch(/wraps around/);
    // p_offset and p_vaddr not congruent modulo the page size or a larger p_align; p_align not a power of two.
    expect(expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 16, 0x202010n, true)), /program header 1 p_offset/, 64 + 56 + 8).message).toMatch(/not congruent modulo 0x1000 \(the page size\)/);
    expect(expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 48, 0x400000n, true)), /program header 1 p_offset/, 64 + 56 + 8).message).toMatch(/not congruent modulo 0x400000 \(p_align\)/);
    expectElfError(set(two(), (v) => v.setBigUint64(64 + 56 + 48, 0x3000n, true)), /program header 1 p_align/, 64 + 56 + 48);
    // Section headers of the wrong size.
    expectElfError(set(two(), (v) => v.setUint16(58, 128, true)), /^e_shentsize$/, 58);
    // What real linkers write still reads: p_align 0 or 1, and 2 MiB with congruent offsets.
    expect(readElf(set(two(), (v) => v.setBigUint64(64 + 56 + 48, 1n, true))).programHeaders[1]!.align).toBe(1n);
    const gnu = synthElf({ entry: 0x201000n, segments: [{ flags: PF_R | PF_X, vaddr: 0x201000n, data: code(64), offset: 0x1000, align: 0x200000n }] });
    expect(readElf(gnu).programHeaders[0]!.align).toBe(0x200000n);
  });

  it('never throws anything but ElfError on random corruption', () => {
    const b = basic();
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 3000; i++) {
      const m = b.slice(0, rand() % 2 ? b.length : rand() % b.length);
      for (let k = 0; k < 1 + (rand() % 4); k++) if (m.length) m[rand() % Math.min(m.length, 400)] = rand() & 0xff;
      const r = tryReadElf(m);
      if (!r.ok) expect(r.error).toBeInstanceOf(ElfError);
      expect(() => {
        try {
          readElf(m);
        } catch (e) {
          if (!(e instanceof ElfError)) throw e;
        }
      }).not.toThrow();
    }
  });
});
