import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCr0, decodeCr3, decodeCr4, decodeEfer, decodeRflags, setBitNames } from './controlBits.js';
import { decodeGdt, decodeIdt, decodeTss64, describeSegmentAttributes } from './descriptors.js';
import { parseInfoRegisters, RegisterDumpError } from './registers.js';

// Captured from QEMU 7.2: the sample kernel paused in long mode, and the machine at reset (-S).
const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'inspect');
const longDump = readFileSync(join(FIXTURES, 'info-registers-long.txt'), 'utf8');
const realDump = readFileSync(join(FIXTURES, 'info-registers-real.txt'), 'utf8');

describe('parseInfoRegisters', () => {
  it('reads a long-mode dump: general registers, RIP, flags, segments, tables, control registers', () => {
    const cpu = parseInfoRegisters(longDump);
    expect(cpu.mode).toBe('long');
    expect(cpu.general.map((r) => r.name)).toEqual(['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15']);
    expect(cpu.general.find((r) => r.name === 'RSP')!.value).toBe(0x10000201ae8n);
    expect(cpu.general.find((r) => r.name === 'R8')!.value).toBe(0x202e70n);
    expect(cpu.rip).toBe(0x2075c2n);
    expect(cpu.rflags).toBe(6n);
    expect(cpu.halted).toBe(false);
    expect(cpu.cpl).toBe(0);
    const cs = cpu.segments.find((s) => s.name === 'CS')!;
    expect(cs).toEqual({ name: 'CS', selector: 8, base: 0n, limit: 0xffffffff, attributes: 0x00af9b00 });
    expect(cpu.segments.map((s) => s.name)).toEqual(['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'LDT', 'TR']);
    expect(cpu.gdt).toEqual({ base: 0x8638n, limit: 0x17 });
    expect(cpu.idt).toEqual({ base: 0n, limit: 0 });
    expect(cpu.cr0).toBe(0x80010011n);
    expect(cpu.cr3).toBe(0x31a000n);
    expect(cpu.cr4).toBe(0x20n);
    expect(cpu.efer).toBe(0xd00n);
  });

  it('reads a real-mode dump (EAX/EIP/EFL, 8-digit bases)', () => {
    const cpu = parseInfoRegisters(realDump);
    expect(cpu.mode).toBe('real');
    expect(cpu.general.map((r) => r.name)).toEqual(['EAX', 'EBX', 'ECX', 'EDX', 'ESI', 'EDI', 'EBP', 'ESP']);
    expect(cpu.general[3]!.value).toBe(0x60fb1n);
    expect(cpu.rip).toBe(0xfff0n);
    expect(cpu.segments.find((s) => s.name === 'CS')!.base).toBe(0xffff0000n);
    expect(cpu.idt).toEqual({ base: 0n, limit: 0xffff });
    expect(cpu.efer).toBe(0n);
  });

  it('tells protected mode and compatibility mode apart', () => {
    const protectedDump = realDump.replace('CR0=60000010', 'CR0=60000011');
    expect(parseInfoRegisters(protectedDump).mode).toBe('protected');
    // Long mode active but CS without the L bit: 32-bit code under a 64-bit kernel.
    const compat = longDump.replace('00af9b00 DPL=0 CS64', '00cf9b00 DPL=0 CS32');
    expect(parseInfoRegisters(compat).mode).toBe('compatibility');
  });

  it('reads the first CPU of a multi-CPU dump', () => {
    const second = longDump.replace('CPU#0', 'CPU#1').replace('RIP=00000000002075c2', 'RIP=0000000000301000');
    expect(parseInfoRegisters(`${longDump}${second}`).rip).toBe(0x2075c2n);
  });

  it('sees the CPU in HLT', () => {
    expect(parseInfoRegisters(longDump.replace('HLT=0', 'HLT=1')).halted).toBe(true);
  });

  it('says what is missing from text that is not a register dump', () => {
    expect(() => parseInfoRegisters('unknown command: info regs')).toThrow(RegisterDumpError);
    expect(() => parseInfoRegisters('unknown command: info regs')).toThrow(/RIP\/EIP is missing/);
    expect(() => parseInfoRegisters(longDump.replace('RBX=', 'RBQ='))).toThrow(/RBX is missing/);
    expect(() => parseInfoRegisters(longDump.replace(/^GDT=.*$/m, ''))).toThrow(/GDT is missing/);
    expect(() => parseInfoRegisters(longDump.replace(/^TR .*$/m, ''))).toThrow(/segment register TR is missing/);
  });
});

describe('control registers bit by bit', () => {
  it('CR0 of the paused sample kernel: paging, write protect, protected mode', () => {
    const cr0 = decodeCr0(0x80010011n);
    expect(setBitNames(cr0)).toBe('PG WP ET PE');
    expect(cr0.bits.find((b) => b.name === 'WP')).toMatchObject({ bit: 16, set: true, meaning: expect.stringMatching(/write protect/) });
    expect(cr0.bits.find((b) => b.name === 'CD')!.set).toBe(false);
    expect(cr0.unknownBits).toEqual([]);
  });

  it('EFER: long mode enabled and active, NX on', () => {
    expect(setBitNames(decodeEfer(0xd00n))).toBe('NXE LMA LME');
  });

  it('CR4: PAE; unknown bits are named by number', () => {
    expect(setBitNames(decodeCr4(0x20n))).toBe('PAE');
    const odd = decodeCr4((1n << 15n) | (1n << 5n));
    expect(odd.unknownBits).toEqual([15]);
    expect(setBitNames(odd)).toBe('PAE bit15');
  });

  it('RFLAGS: flags, IOPL as a field, the always-one bit 1 not reported', () => {
    const flags = decodeRflags(0x3246n);
    expect(setBitNames(flags)).toBe('IF ZF PF IOPL=3');
    expect(flags.fields).toEqual([{ name: 'IOPL', value: 3n, meaning: 'I/O privilege level' }]);
    expect(flags.unknownBits).toEqual([]);
  });

  it('CR3: the table address, PWT/PCD, or the PCID', () => {
    const cr3 = decodeCr3(0x31a018n);
    expect(cr3.fields[0]).toMatchObject({ name: 'table', value: 0x31a000n });
    expect(setBitNames(cr3)).toBe('PCD PWT');
    const withPcid = decodeCr3(0x31a005n, true);
    expect(withPcid.fields.map((f) => [f.name, f.value])).toEqual([
      ['table', 0x31a000n],
      ['PCID', 5n],
    ]);
  });
});

describe('GDT and IDT entries', () => {
  // The sample kernel's GDT as the loader left it (read from guest memory at GDTR.base, 0x18 bytes).
  const sampleGdt = Buffer.from('0000000000000000ffff0000009baf00ffff00000093cf00', 'hex');

  it("decodes the loader's GDT: null, 64-bit code, flat data", () => {
    const gdt = decodeGdt(sampleGdt, true);
    expect(gdt.map((e) => [e.selector, e.kind, e.description])).toEqual([
      [0, 'null', 'null descriptor'],
      [8, 'code', 'code 64-bit, readable, accessed'],
      [16, 'data', 'data, writable, accessed'],
    ]);
    expect(gdt[1]).toMatchObject({ present: true, dpl: 0, base: 0n, limit: 0xffffffff });
  });

  it('a long-mode TSS takes 16 bytes and carries a 64-bit base', () => {
    const tss = Buffer.alloc(16);
    tss.writeUInt16LE(0x67, 0);
    tss.writeUInt16LE(0x5678, 2);
    tss[4] = 0x34;
    tss[5] = 0x89; // present, DPL 0, type 9
    tss[7] = 0x12;
    tss.writeUInt32LE(0xffff8000, 8);
    const user = Buffer.from('ffff000000fbaf00', 'hex'); // DPL 3 64-bit code
    const gdt = decodeGdt(Buffer.concat([sampleGdt, tss, user]), true);
    expect(gdt.map((e) => e.selector)).toEqual([0, 8, 16, 24, 40]);
    expect(gdt[3]).toMatchObject({ kind: 'tss', base: 0xffff800012345678n, limit: 0x67, bytes: 16, description: '64-bit TSS (available)' });
    expect(gdt[4]).toMatchObject({ kind: 'code', dpl: 3 });
    // The same bytes in protected mode: a 32-bit TSS of 8 bytes, then what follows as entries.
    expect(decodeGdt(Buffer.concat([sampleGdt, tss]), false)[3]).toMatchObject({ kind: 'tss', base: 0x12345678n, bytes: 8, description: '32-bit TSS (available)' });
  });

  it('leaves out an entry cut short and says when one is not present', () => {
    expect(decodeGdt(sampleGdt.subarray(0, 20), true)).toHaveLength(2);
    const absent = Buffer.from('ffff00000013cf00', 'hex');
    expect(decodeGdt(absent, true)[0]).toMatchObject({ present: false, description: 'data, writable, accessed, not present' });
  });

  it('decodes long-mode IDT gates: handler address, selector, IST, DPL, kind', () => {
    const idt = Buffer.alloc(16 * 3);
    // vector 0: interrupt gate to 0xffffffff80201234, selector 8
    idt.writeUInt16LE(0x1234, 0);
    idt.writeUInt16LE(8, 2);
    idt[5] = 0x8e;
    idt.writeUInt16LE(0x8020, 6);
    idt.writeUInt32LE(0xffffffff, 8);
    // vector 2: trap gate, DPL 3, IST 1
    idt.writeUInt16LE(0x5000, 32);
    idt.writeUInt16LE(8, 34);
    idt[36] = 1;
    idt[37] = 0xef;
    const entries = decodeIdt(idt, 'long');
    expect(entries[0]).toMatchObject({ vector: 0, present: true, kind: 'interrupt', selector: 8, offset: 0xffffffff80201234n, ist: 0, dpl: 0 });
    expect(entries[1]).toMatchObject({ vector: 1, present: false, description: 'not present' });
    expect(entries[2]).toMatchObject({ kind: 'trap', dpl: 3, ist: 1, offset: 0x5000n, description: 'trap gate, IST 1' });
  });

  it('decodes a 64-bit TSS: RSP0-2, IST1-7, the I/O map base; a short one is refused', () => {
    const tss = Buffer.alloc(104);
    tss.writeBigUInt64LE(0xffff800000010000n, 4); // RSP0
    tss.writeBigUInt64LE(0x4444_0000n, 36); // IST1
    tss.writeBigUInt64LE(0x7777_0000n, 36 + 6 * 8); // IST7
    tss.writeUInt16LE(104, 102);
    expect(decodeTss64(tss)).toEqual({ rsp: [0xffff800000010000n, 0n, 0n], ist: [0x44440000n, 0n, 0n, 0n, 0n, 0n, 0x77770000n], iomapBase: 104 });
    expect(decodeTss64(tss.subarray(0, 100))).toBeUndefined();
  });

  it('decodes protected-mode gates and the real-mode vector table', () => {
    const gate = Buffer.from('3412080000 8e 7856'.replace(/\s/g, ''), 'hex');
    expect(decodeIdt(gate, 'protected')[0]).toMatchObject({ kind: 'interrupt', offset: 0x56781234n, selector: 8 });
    const ivt = Buffer.from('53ff00f0', 'hex');
    expect(decodeIdt(ivt, 'real')[0]).toMatchObject({ kind: 'ivt', selector: 0xf000, offset: 0xff53n, description: 'f000:ff53' });
  });
});

describe('segment registers with their descriptors', () => {
  it('names the cached descriptor from the attributes QEMU prints', () => {
    // From `info registers` of the sample kernel in long mode.
    expect(describeSegmentAttributes(0x00af9b00, true)).toBe('code 64-bit, readable, accessed, DPL 0');
    expect(describeSegmentAttributes(0x00cf9300, true)).toBe('data, writable, accessed, DPL 0');
    expect(describeSegmentAttributes(0x00008b00, true)).toBe('64-bit TSS (busy), DPL 0');
    expect(describeSegmentAttributes(0x00008200, true)).toBe('LDT, DPL 0');
    expect(describeSegmentAttributes(0, true)).toBe('null (unusable)');
    // Protected mode: a 32-bit ring-3 code segment, and a 16-bit TSS.
    expect(describeSegmentAttributes(0x00cffa00, false)).toBe('code 32-bit, readable, DPL 3');
    expect(describeSegmentAttributes(0x00008300, false)).toBe('16-bit TSS (busy), DPL 0');
  });
});
