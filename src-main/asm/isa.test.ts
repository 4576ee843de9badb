// Instruction-set extensions (issue 11), class by class: SSE4.1 inserts/extracts and blends,
// MMX/SSE conversions, AES-NI, PCLMULQDQ, SHA, x87 extras, VEX (AVX, AVX2, FMA, BMI) and EVEX
// (AVX-512). Each block is assembled by NASM 2.16.01 and by us at -O0, -O1 and -Ox in the modes
// given: accepted blocks must give the same bytes and warnings, rejected lines the same errors on
// the same lines.
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';
import { hex, runNasm } from './oracle.test-helper.js';

type Mode = 16 | 32 | 64;
const LEVELS = ['0', '1', 'x'] as const;

const warningsOf = (stderr: string): string[] => [...stderr.matchAll(/^in\.asm:(\d+): warning: (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);

/** `lines` in `bits mode`, compared with NASM at every optimization level. */
function compare(mode: Mode, lines: string[], expectOk: boolean): void {
  const src = [`bits ${mode}`, ...lines, ''].join('\n');
  for (const level of LEVELS) {
    const n = runNasm(src, { args: [`-O${level}`] });
    expect(n.ok, `nasm -O${level} acceptance:\n${src}\n${n.stderr}`).toBe(expectOk);
    const r = assemble(src, { fileName: 'in.asm', optimize: level, readFile: () => undefined });
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    if (n.ok) {
      expect(errors, `-O${level}: ours rejects what NASM accepts`).toEqual([]);
      if (hex(r.bytes) !== hex(n.bytes)) {
        // Name the first line that differs: assemble it alone on both sides.
        for (const l of lines) {
          const one = `bits ${mode}\n${l}\n`;
          expect(hex(assemble(one, { fileName: 'in.asm', optimize: level, readFile: () => undefined }).bytes), `-O${level} bits ${mode}: ${l}`).toBe(hex(runNasm(one, { args: [`-O${level}`] }).bytes));
        }
      }
      expect(hex(r.bytes), `-O${level}: bytes`).toBe(hex(n.bytes));
      const warnings = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}: ${d.message}`);
      expect(warnings, `-O${level}: warnings`).toEqual(warningsOf(n.stderr));
    } else {
      expect(errors, `-O${level}: errors`).toEqual(n.errors.map((e) => `${e.line}: ${e.message}`));
    }
  }
}

/** 64-bit lines rewritten for 32- and 16-bit mode (registers and addresses that exist there). */
function narrow(line: string, mode: Mode): string {
  if (mode === 64) return line;
  return line
    .replace(/\brax\b/g, mode === 32 ? 'eax' : 'bx')
    .replace(/\br9d\b/g, 'ecx')
    .replace(/\br10\b/g, 'edx')
    .replace(/\b([xy]mm)1([0-5])\b/g, '$1$2');
}

function classes(table: Record<string, { ok: string[]; bad?: string[]; modes?: Mode[] }>): void {
  for (const [name, { ok, bad = [], modes = [16, 32, 64] as Mode[] }] of Object.entries(table)) {
    describe(name, () => {
      for (const mode of modes) {
        it(`bits ${mode}: accepted forms give NASM's bytes`, () => compare(mode, ok.map((l) => narrow(l, mode)), true));
        if (bad.length) it(`bits ${mode}: rejected forms give NASM's errors`, () => compare(mode, bad.map((l) => narrow(l, mode)), false));
      }
    });
  }
}

classes({
  'SSE4.1 inserts and extracts': {
    ok: [
      'pinsrb xmm1, eax, 3', 'pinsrb xmm1, [rax], 3', 'pinsrb xmm1, byte [rax], 3', 'pinsrw xmm1, eax, 3', 'pinsrw xmm1, [rax], 3', 'pinsrw xmm1, ax, 3',
      'pinsrd xmm1, eax, 1', 'pinsrd xmm1, [rax], 1', 'pinsrd xmm12, r9d, 1',
      'pextrb eax, xmm1, 1', 'pextrb [rax], xmm1, 1', 'pextrb r10, xmm11, 1', 'pextrw eax, xmm1, 1', 'pextrw [rax], xmm1, 1', 'pextrw word [rax], xmm1, 1',
      'pextrd eax, xmm1, 1', 'pextrd [rax], xmm1, 1', 'insertps xmm1, xmm2, 3', 'insertps xmm1, [rax], 3', 'insertps xmm1, dword [rax], 1',
      'extractps eax, xmm1, 1', 'extractps [rax], xmm1, 1', 'movntdqa xmm1, [rax]', 'movntdqa xmm1, oword [rax]',
    ],
    bad: ['pinsrb xmm1, ax, 3', 'pextrb ax, xmm1, 1', 'pinsrd xmm1, qword [rax], 1', 'insertps xmm1, oword [rax], 1', 'pinsrw mm1, rax, 2'],
  },
  'SSE4.1 64-bit inserts and extracts': {
    modes: [64],
    ok: ['pinsrq xmm1, rax, 1', 'pinsrq xmm1, [rax], 1', 'pinsrw xmm1, rax, 3', 'pextrb rax, xmm1, 1', 'pextrw rax, xmm1, 1', 'pextrq rax, xmm1, 1', 'pextrq [rax], xmm1, 1', 'extractps rax, xmm1, 1'],
    bad: ['pinsrq xmm1, eax, 1', 'pextrq eax, xmm1, 1', 'pextrd rax, xmm1, 1', 'pinsrd xmm1, rax, 3', 'pextrw rax, mm1, 1', 'pmovmskb rax, mm1'],
  },
  'variable blends (implicit xmm0)': {
    ok: ['blendvps xmm1, xmm2', 'blendvps xmm1, xmm2, xmm0', 'blendvps xmm1, [rax], xmm0', 'pblendvb xmm1, xmm2', 'blendvpd xmm1, xmm2, xmm0', 'blendvpd xmm11, [rax]'],
    bad: ['blendvps xmm1, xmm2, xmm1', 'pblendvb xmm1, xmm2, xmm3'],
  },
  'MMX and SSE conversions and moves': {
    ok: [
      'pshufw mm1, mm2, 3', 'pshufw mm1, [rax], 3', 'maskmovq mm1, mm2', 'maskmovdqu xmm1, xmm2', 'cvtpi2ps xmm1, mm2', 'cvtpi2ps xmm1, [rax]',
      'cvtpi2ps xmm1, qword [rax]', 'cvtps2pi mm1, xmm2', 'cvtps2pi mm1, [rax]', 'cvttps2pi mm1, xmm2', 'cvtpi2pd xmm1, mm2', 'cvtpi2pd xmm1, [rax]',
      'cvtpd2pi mm1, xmm2', 'cvtpd2pi mm1, oword [rax]', 'cvttpd2pi mm1, xmm2', 'movq2dq xmm1, mm2', 'movdq2q mm1, xmm2', 'movntq [rax], mm1',
      'pmovmskb eax, mm1', 'pinsrw mm1, eax, 2', 'pinsrw mm1, ax, 2', 'pinsrw mm1, [rax], 1', 'pextrw eax, mm1, 1',
    ],
    bad: ['maskmovq mm1, [rax]', 'pextrw [rax], mm1, 1', 'movq2dq mm1, xmm2'],
  },
  'AES-NI and PCLMULQDQ': {
    ok: [
      'aesenc xmm1, xmm2', 'aesenclast xmm1, [rax]', 'aesdec xmm11, xmm2', 'aesdeclast xmm1, xmm12', 'aesimc xmm1, oword [rax]', 'aeskeygenassist xmm1, xmm2, 5',
      'pclmulqdq xmm1, xmm2, 0x11', 'pclmulqdq xmm1, [rax], 0', 'pclmullqlqdq xmm1, xmm2', 'pclmulhqlqdq xmm1, xmm2', 'pclmullqhqdq xmm1, [rax]', 'pclmulhqhqdq xmm1, xmm2',
    ],
    bad: ['aesenc xmm1, mm2', 'aesenc xmm1, qword [rax]', 'pclmullqlqdq xmm1, xmm2, 1', 'aeskeygenassist xmm1, xmm2'],
  },
  SHA: {
    ok: [
      'sha1rnds4 xmm1, xmm2, 3', 'sha1nexte xmm1, xmm2', 'sha1msg1 xmm1, [rax]', 'sha1msg2 xmm1, xmm2', 'sha256rnds2 xmm1, xmm2',
      'sha256rnds2 xmm1, xmm2, xmm0', 'sha256rnds2 xmm1, [rax], xmm0', 'sha256msg1 xmm1, xmm2', 'sha256msg2 xmm10, xmm2',
    ],
    bad: ['sha256rnds2 xmm1, xmm2, xmm3', 'sha1rnds4 xmm1, xmm2'],
  },
  'x87 extras': {
    ok: [
      'fcmovb st0, st1', 'fcmove st1', 'fcmovbe st0, st2', 'fcmovu st0, st3', 'fcmovnb st0, st1', 'fcmovne st0, st1', 'fcmovnbe st0, st7', 'fcmovnu st0',
      'fbld [rax]', 'fbld tword [rax]', 'fbstp [rax]', 'fbstp tword [rax]', 'ficom word [rax]', 'ficom dword [rax]', 'ficomp word [rax]', 'ficomp dword [rax]',
      'fucom st0, st1', 'fucomp st0, st1', 'fsetpm', 'feni', 'fneni', 'fdisi', 'fndisi',
    ],
    bad: ['fcmovb st1, st0', 'fcmovb st0, xmm1', 'ficom [rax]', 'ficom qword [rax]', 'fbld st1'],
  },
  'registers that need REX outside 64-bit mode': {
    modes: [16, 32],
    ok: ['nop'],
    bad: ['addps xmm9, xmm1', 'mov eax, r8d', 'mov sil, 1', 'mov r8, rax', 'aesenc xmm9, xmm1', 'push r8'],
  },
});

describe('cpu levels of the extensions', () => {
  // The lowest `cpu` NASM accepts for each: below it, both reject with the same error on the same line.
  const cases: [string, string][] = [
    ['p3', 'pshufw mm1, mm2, 3|cvtpi2ps xmm1, mm2|maskmovq mm1, mm2|pinsrw mm1, eax, 1'],
    ['p4', 'cvtpi2pd xmm1, mm2|movq2dq xmm1, mm2|maskmovdqu xmm1, xmm2|pinsrw xmm1, eax, 1'],
    ['686', 'fcmovb st0, st1|fcmovnu st1'],
    ['sandybridge', 'aesenc xmm1, xmm2|pclmulqdq xmm1, xmm2, 1'],
    ['default', 'sha1msg1 xmm1, xmm2|sha256rnds2 xmm1, xmm2'],
  ];
  const order = ['386', '486', '586', '686', 'p3', 'p4', 'prescott', 'x64', 'nehalem', 'sandybridge', 'default'];
  it.each(cases)('%s: %s', (lowest, body) => {
    const i = order.indexOf(lowest);
    for (const cpu of [order[i - 1], lowest]) compare(32, [`cpu ${cpu}`, ...body.split('|')], cpu === lowest);
  });
  it('pextrw falls back to the SSE4.1 encoding below cpu p4', () => compare(32, ['cpu p3', 'pextrw eax, xmm1, 1', 'pextrw [eax], xmm1, 1'], true));
});
