// Mnemonics NASM 2.16.01 knows beyond the classes of isa.test.ts: the refusal of those still without
// rows (they must never become labels), and the rows added for them, class by class, each block
// assembled by NASM and by us at -O0 and -Ox in the modes that apply (bytes and warnings, or the
// same errors on the same lines), and under the `cpu` levels around the one NASM requires.
import { describe, expect, it } from 'vitest';
import { MNEMONICS } from './encoder.js';
import { UNSUPPORTED_MNEMONICS } from './table.js';
import { assemble } from './index.js';
import { hex, runNasm, warningsOf } from './oracle.test-helper.js';

type Mode = 16 | 32 | 64;
const LEVELS = ['0', 'x'] as const;
const UNSUPPORTED = UNSUPPORTED_MNEMONICS.split(/\s+/).filter(Boolean);

const ourRun = (src: string, level: '0' | 'x') => assemble(src, { fileName: 'in.asm', optimize: level, readFile: () => undefined });
const errorsOf = (r: ReturnType<typeof ourRun>): string[] => r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);

/** `lines` after `bits mode`, compared with NASM at -O0 and -Ox; a differing block is narrowed to its first differing line. */
function compare(mode: Mode, lines: string[], expectOk: boolean, head: string[] = []): void {
  const src = [...head, `bits ${mode}`, ...lines, ''].join('\n');
  for (const level of LEVELS) {
    const n = runNasm(src, { args: [`-O${level}`] });
    expect(n.ok, `nasm -O${level} acceptance:\n${src}\n${n.stderr}`).toBe(expectOk);
    const r = ourRun(src, level);
    if (n.ok) {
      expect(errorsOf(r), `-O${level}: ours rejects what NASM accepts`).toEqual([]);
      if (hex(r.bytes) !== hex(n.bytes)) {
        for (const l of lines) {
          const one = [...head, `bits ${mode}`, l, ''].join('\n');
          expect(hex(ourRun(one, level).bytes), `-O${level} bits ${mode}: ${l}`).toBe(hex(runNasm(one, { args: [`-O${level}`] }).bytes));
        }
      }
      expect(hex(r.bytes), `-O${level}: bytes`).toBe(hex(n.bytes));
      const warnings = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}: ${d.message}`);
      expect(warnings, `-O${level}: warnings`).toEqual(warningsOf(n.stderr));
    } else {
      expect(errorsOf(r), `-O${level}: errors`).toEqual(n.errors.map((e) => `${e.line}: ${e.message}`));
    }
  }
}

/** 64-bit lines rewritten for 32- and 16-bit mode (registers and addresses that exist there). */
function narrow(line: string, mode: Mode): string {
  if (mode === 64) return line;
  return line
    .replace(/\brax\b/g, mode === 32 ? 'eax' : 'bx')
    .replace(/\brcx\b/g, mode === 32 ? 'ecx' : 'si')
    .replace(/\br9d\b/g, 'ecx')
    .replace(/\br10\b/g, 'edx')
    .replace(/\b([xy]mm)1([0-5])\b/g, '$1$2')
    .replace(/\br(8|9|1[0-5])\b/g, 'ebx');
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars
function classes(table: Record<string, { ok: string[]; bad?: string[]; modes?: Mode[] }>): void {
  for (const [name, { ok, bad = [], modes = [16, 32, 64] as Mode[] }] of Object.entries(table)) {
    describe(name, () => {
      for (const mode of modes) {
        if (ok.length) it(`bits ${mode}: accepted forms give NASM's bytes`, () => compare(mode, ok.flatMap((l) => narrow(l, mode).split('|')), true));
        if (bad.length) it(`bits ${mode}: rejected forms give NASM's errors`, () => compare(mode, bad.map((l) => narrow(l, mode)), false));
      }
    });
  }
}

describe('NASM mnemonics without table rows', () => {
  it('share no name with the table', () => {
    expect(UNSUPPORTED.filter((m) => MNEMONICS.has(m))).toEqual([]);
    expect(new Set(UNSUPPORTED).size).toBe(UNSUPPORTED.length);
  });

  it('are instructions to NASM (never labels) and refused by name at their column, alone and with operands', () => {
    const src = ['bits 64', ...UNSUPPORTED.flatMap((m) => [m, `  x${UNSUPPORTED.indexOf(m)}: ${m.toUpperCase()} eax, 1`]), ''].join('\n');
    const n = runNasm(src);
    expect(n.stderr).not.toMatch(/label alone/);
    expect(n.ok).toBe(false);
    const r = ourRun(src, 'x');
    const ours = r.diagnostics.filter((d) => d.severity === 'error');
    const expected = UNSUPPORTED.flatMap((m, i) => [
      { line: 2 + 2 * i, column: 1, message: `instruction \`${m}' is not supported by Bootlab's assembler` },
      { line: 3 + 2 * i, column: 6 + String(i).length, message: `instruction \`${m.toUpperCase()}' is not supported by Bootlab's assembler` },
    ]);
    expect(ours.map((d) => ({ line: d.line, column: d.column, message: d.message }))).toEqual(expected);
    expect(r.diagnostics.some((d) => /label alone/.test(d.message))).toBe(false);
    expect(r.bytes.length).toBe(0);
  });

  it.each(UNSUPPORTED.length ? [UNSUPPORTED[0], UNSUPPORTED[UNSUPPORTED.length - 1]] : [])('%s with a colon is a label, as in NASM', (m) => {
    compare(32, [`${m}:`, `jmp ${m}`, `dw ${m}, $${m}`, `$${m}_x: nop`], true);
  });

  it.each(UNSUPPORTED.length ? [UNSUPPORTED[0]] : [])('%s after a prefix, a label or times is refused too', (m) => {
    for (const line of [`rep ${m}`, `lbl ${m}`, `times 2 ${m}`]) {
      const r = ourRun(`bits 32\n${line}\n`, 'x');
      expect(errorsOf(r)).toEqual([`2: instruction \`${m}' is not supported by Bootlab's assembler`]);
      expect(runNasm(`bits 32\n${line}\n`).stderr).not.toMatch(/label alone/);
    }
  });
});
