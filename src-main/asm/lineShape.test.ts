import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from './index.js';
import { templateUses, useShapeTemplates } from './lineEncoder.js';
import { shapeNumbered, shapeOf, shapeSums } from './lineShape.js';
import { runNasm } from './oracle.test-helper.js';

describe('shapeOf', () => {
  it('replaces the numbers added to an operand and keeps each operand sum', () => {
    expect(shapeOf('add rbx, 1200')).toBe('add rbx, #|_rA');
    expect(shapeSums[1]).toBe(1200);
    expect(shapeOf('mov qword [rsp+0x10], r8')).toBe('mov qword [rsp+#], r8|pD_');
    expect(shapeSums[0]).toBe(16);
    expect(shapeOf('lea rax, [rbx+rcx*8-40]')).toBe('lea rax, [rbx+rcx*8-#]|_nD');
    expect(shapeSums[1]).toBe(-40);
    expect(shapeOf('mov eax, [ebx+8+0FFh]')).toBe('mov eax, [ebx+#+#]|_rA');
    expect(shapeSums[1]).toBe(263);
    expect(shapeOf('shl ax, 1')).toBe('shl ax, #|_1D');
    expect(shapeOf('enter 16, 0')).toBe('enter #, #|pD0P');
    expect(shapeNumbered).toBe(3);
  });

  it('tells sums apart by what they are cut to 16 and 32 bits', () => {
    const cut = (v: string): string => shapeOf(`push ${v}`)!.slice(-1);
    // signed byte at 16 bits (1), at 32 bits (2), zero at 16 bits (4), at 32 bits (8), from 'A'
    expect(['40000', '65535', '65536', '65537', '4294967295', '4294967168', '4294967167', '-65535', '-65536', '-4294967295', '-4294967296'].map(cut)).toEqual([
      'A', 'B', 'F', 'B', 'D', 'D', 'A', 'B', 'F', 'D', 'P',
    ]);
  });

  it('ranges end at every width and signedness boundary', () => {
    const range = (v: string): string => shapeOf(`push ${v}`)!.slice(-2, -1);
    expect(['0', '3', '4', '127', '128', '255', '256', '32767', '32768', '65535', '65536', '2147483647', '2147483648', '4294967295'].map(range)).toEqual([
      '0', '3', 'p', 'p', 'q', 'q', 'r', 'r', 's', 's', 't', 't', 'u', 'u',
    ]);
    expect(['-1', '-128', '-129', '-256', '-257', '-32768', '-32769', '-65536', '-65537', '-2147483648', '-2147483649', '-4294967296'].map(range)).toEqual([
      'n', 'n', 'o', 'o', 'm', 'm', 'k', 'k', 'l', 'l', 'j', 'j',
    ]);
    expect(shapeOf('push 4294967296')).toBeUndefined();
    expect(shapeOf('push -4294967297')).toBeUndefined();
  });

  it('leaves other forms to the ordinary path', () => {
    for (const line of ['mov eax, - -5', 'mov al, "a"+1', 'mov eax, 1_000', 'mov eax, 0b101', 'mov eax, (5)', 'jmp 0x10:0x20', 'mov eax, 5 ; x', 'mov eax, 1.5', 'mov eax, 12345678901', 'xor eax, eax']) {
      expect(shapeOf(line), line).toBeUndefined();
    }
    // A scale stays in the text; so does a number in a register's name.
    expect(shapeOf('mov r8d, [rax*4+8]')).toBe('mov r8d, [rax*4+#]|_pD');
  });
});

/** Values at and beside every range boundary, and ordinary ones. */
const VALUES = [0, 1, 2, 3, 4, 5, 100, 127, 128, 129, 200, 255, 256, 257, 1000, 32767, 32768, 40000, 65535, 65536, 65537, 1e6, 2147483647, 2147483648, 3e9, 4294967295, 4294967296, 4294967297, 4294967424, 281474976710657];
const SIGNED = [...VALUES, ...VALUES.map((v) => -v)];
const REGS: Record<number, string[]> = {
  16: ['ax', 'bx', 'cx', 'dx', 'si', 'di', 'bp', 'sp', 'al', 'ch'],
  32: ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'ax', 'dl'],
  64: ['rax', 'rbx', 'rcx', 'rsp', 'rbp', 'r8', 'r12', 'r13', 'r15', 'eax', 'r9d', 'ax', 'sil', 'r10b'],
};
const MEM: Record<number, string[]> = {
  16: ['bx', 'bp', 'si', 'di', 'bx+si', 'bp+di'],
  32: ['eax', 'ebp', 'esp', 'ebx+ecx*4', 'esi*8', 'edi+ebp*2'],
  64: ['rax', 'rbp', 'rsp', 'r12', 'r13', 'rbx+rcx*8', 'rdx*2', 'r8+r9*4'],
};
const FORMS = [
  'mov R, I', 'add R, I', 'sub R, I', 'and R, I', 'or R, I', 'xor R, I', 'cmp R, I', 'adc R, I', 'sbb R, I', 'test R, I',
  'shl R, I', 'sar R, I', 'rol R, I', 'push I', 'push word I', 'push dword I', 'ret I', 'int I', 'enter I, I', 'in al, I', 'out I, al',
  'imul R, R, I', 'bt R, I', 'mov R, [M+I]', 'mov [M-I], R', 'lea R, [M+I]', 'mov S [M+I], I', 'add S [M+I+I], I', 'movzx R, byte [M+I]',
  'mov R, [I]', 'inc S [M-I]', 'aam I', 'mov R, 0xI', 'add R, Ih',
];
const SIZES = ['byte', 'word', 'dword', 'qword'];

/** A file of random lines of FORMS in one mode (many of them errors or warnings, on purpose). */
function randomFile(bits: 16 | 32 | 64, lines: number, seed: number): string {
  let x = seed;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const pick = <T,>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const out = [`bits ${bits}`];
  for (let i = 0; i < lines; i++) {
    const form = pick(FORMS);
    out.push(
      form
        .replace(/0xI/, () => `0x${pick(VALUES).toString(16)}`)
        .replace(/Ih/, () => `0${pick(VALUES).toString(16)}h`)
        .replace(/I/g, () => String(form.includes('[') ? pick(SIGNED) : rnd() < 0.8 ? pick(VALUES) : pick(SIGNED)))
        .replace(/R/g, () => pick(REGS[bits]))
        .replace(/M/g, () => pick(MEM[bits]))
        .replace(/S/g, () => pick(SIZES)),
    );
  }
  return out.join('\n') + '\n';
}

function both(src: string, optimize: '0' | '1' | 'x'): [ReturnType<typeof assemble>, ReturnType<typeof assemble>] {
  useShapeTemplates(false);
  const plain = assemble(src, { fileName: 'in.asm', optimize });
  useShapeTemplates(true);
  const before = templateUses.count;
  const shaped = assemble(src, { fileName: 'in.asm', optimize });
  // Most lines repeat an earlier line's shape: the comparison is worth something only if they were used.
  expect(templateUses.count - before).toBeGreaterThan(src.split('\n').length / 10);
  return [plain, shaped];
}

describe('shape templates', () => {
  afterEach(() => useShapeTemplates(true));

  it('give the bytes and messages of the ordinary path on random lines of every mode and -O level', () => {
    for (const bits of [16, 32, 64] as const) {
      for (const optimize of ['0', '1', 'x'] as const) {
        // Lines that err are assembled apart: an error anywhere stops the output.
        const src = randomFile(bits, 3000, bits * 7 + optimize.charCodeAt(0));
        const [plain, shaped] = both(src, optimize);
        expect(shaped.diagnostics).toEqual(plain.diagnostics);
        const clean = src.split('\n').filter((_, i) => !plain.diagnostics.some((d) => d.line === i + 1 && d.severity === 'error'));
        const [p2, s2] = both(clean.join('\n'), optimize);
        expect(p2.ok).toBe(true);
        expect(s2.diagnostics).toEqual(p2.diagnostics);
        expect(Buffer.from(s2.bytes).equals(Buffer.from(p2.bytes))).toBe(true);
      }
    }
  });

  it('give NASM 2.16.01 bytes and warnings', () => {
    for (const bits of [16, 32, 64] as const) {
      for (const o0 of [false, true]) {
        const src = randomFile(bits, 1500, bits * 13 + (o0 ? 1 : 0));
        const probe = assemble(src, { fileName: 'in.asm', optimize: o0 ? '0' : 'x' });
        const clean = src
          .split('\n')
          .filter((_, i) => !probe.diagnostics.some((d) => d.line === i + 1 && d.severity === 'error'))
          .join('\n');
        const nasm = runNasm(clean, { o0 });
        const ours = assemble(clean, { fileName: 'in.asm', optimize: o0 ? '0' : 'x' });
        expect(nasm.ok, nasm.stderr).toBe(true);
        expect(Buffer.from(ours.bytes).equals(Buffer.from(nasm.bytes)), `${bits}-bit${o0 ? ' -O0' : ''}`).toBe(true);
        const warned = (lines: number[]): number[] => [...new Set(lines)].sort((a, b) => a - b);
        expect(warned(ours.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.line))).toEqual(
          warned([...nasm.stderr.matchAll(/^in\.asm:(\d+): warning/gm)].map((m) => Number(m[1]))),
        );
      }
    }
  });
});
