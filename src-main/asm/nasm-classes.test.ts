// Constructs found in real NASM projects (issue 11), by class. Each snippet is assembled by NASM
// 2.16.01 and by us at -O0, -O1 and -Ox: accepted input must give the same bytes and the same
// warnings on the same lines; rejected input the same errors on the same lines.
// `|` separates source lines.
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';
import { hex, runNasm } from './oracle.test-helper.js';

type Level = '0' | '1' | 'x';
const LEVELS: Level[] = ['0', '1', 'x'];

function ourRun(src: string, level: Level, files: Record<string, string | Uint8Array> = {}) {
  return assemble(src, { fileName: 'in.asm', optimize: level, readFile: (p) => files[p.replace(/^\.\//, '')] });
}

const warningsOf = (stderr: string): string[] => [...stderr.matchAll(/^in\.asm:(\d+): warning: (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);

/** Compares one source with NASM at every optimization level. */
export function checkLevels(src: string, expectOk?: boolean): void {
  for (const level of LEVELS) {
    const n = runNasm(src, { args: [`-O${level}`] });
    if (expectOk !== undefined) expect(n.ok, `nasm -O${level} acceptance for:\n${src}\n${n.stderr}`).toBe(expectOk);
    const r = ourRun(src, level);
    const oe = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    if (n.ok) {
      expect(oe, `-O${level}: ours rejects what NASM accepts:\n${src}`).toEqual([]);
      expect(hex(r.bytes), `-O${level}: bytes differ for:\n${src}`).toBe(hex(n.bytes));
      const ow = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}: ${d.message}`);
      expect(ow, `-O${level}: warnings differ for:\n${src}`).toEqual(warningsOf(n.stderr));
    } else {
      expect(oe, `-O${level}: errors differ for:\n${src}`).toEqual(n.errors.map((e) => `${e.line}: ${e.message}`));
      expect(r.ok).toBe(false);
    }
  }
}

const lines = (s: string): string => s.replace(/\|/g, '\n') + '\n';

describe('empty strings in data emit nothing (item 8)', () => {
  it.each([
    "db '', 0|db \"\", 1|dw '', 2|db ``, 3",
    "db ''|dw ''|dd \"\"|dq ``|db 7",
    "db 1|db '', ''|dd ''|db 2",
    "times 3 db ''|db 2 dup (''), 9",
    "dw __utf16__(''), 5|dd __utf32__(''), 6",
    "x: db ''|y: db 1|dw y - x",
  ])('%s', (s) => checkLevels(lines(s), true));
});
