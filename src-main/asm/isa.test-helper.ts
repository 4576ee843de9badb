// Test-only helper shared by isa.test.ts and isa-more.test.ts: instruction blocks assembled by NASM
// 2.16.01 and by us at the given -O levels, and tables of such blocks per instruction class.
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';
import { hex, runNasm, warningsOf } from './oracle.test-helper.js';

export type Mode = 16 | 32 | 64;
export type Level = '0' | '1' | 'x';

const ourRun = (src: string, level: Level) => assemble(src, { fileName: 'in.asm', optimize: level, readFile: () => undefined });
const errorsOf = (r: ReturnType<typeof ourRun>): string[] => r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);

/**
 * `lines` after `head` and `bits mode`, compared with NASM at each level: accepted blocks must give
 * the same bytes (a differing block is narrowed to its first differing line) and warnings,
 * rejected ones the same errors on the same lines.
 */
export function compareBlock(mode: Mode, lines: string[], expectOk: boolean, levels: readonly Level[], head: string[] = []): void {
  const src = [...head, `bits ${mode}`, ...lines, ''].join('\n');
  for (const level of levels) {
    const n = runNasm(src, { args: [`-O${level}`] });
    expect(n.ok, `nasm -O${level} acceptance:\n${src}\n${n.stderr}`).toBe(expectOk);
    const r = ourRun(src, level);
    if (n.ok) {
      expect(errorsOf(r), `-O${level}: ours rejects what NASM accepts`).toEqual([]);
      if (hex(r.bytes) !== hex(n.bytes)) {
        // Name the first line that differs: assemble it alone on both sides.
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
export function narrow(line: string, mode: Mode): string {
  if (mode === 64) return line;
  return line
    .replace(/\brax\b/g, mode === 32 ? 'eax' : 'bx')
    .replace(/\br9d\b/g, 'ecx')
    .replace(/\br10\b/g, 'edx')
    .replace(/\b([xy]mm)1([0-5])\b/g, '$1$2')
    .replace(/\br(8|9|1[0-5])\b/g, 'ebx');
}

export type ClassTable = Record<string, { ok: string[]; bad?: string[]; modes?: Mode[] }>;

/** One `describe` per class: its accepted blocks and its rejected lines in each of its modes, narrowed. */
export function classes(table: ClassTable, levels: readonly Level[], narrowLine: (line: string, mode: Mode) => string = narrow): void {
  for (const [name, { ok, bad = [], modes = [16, 32, 64] as Mode[] }] of Object.entries(table)) {
    describe(name, () => {
      for (const mode of modes) {
        if (ok.length) it(`bits ${mode}: accepted forms give NASM's bytes`, () => compareBlock(mode, ok.flatMap((l) => narrowLine(l, mode).split('|')), true, levels));
        if (bad.length) it(`bits ${mode}: rejected forms give NASM's errors`, () => compareBlock(mode, bad.map((l) => narrowLine(l, mode)), false, levels));
      }
    });
  }
}

export { errorsOf, ourRun };
