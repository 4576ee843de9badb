// Property test: whatever the input, assemble() returns (never throws) and every diagnostic has
// a line and a column. A hang would show as the test's timeout (the assembler bounds its own
// passes and repetitions); no wall-clock limit, which a loaded machine would break.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';

const TOKENS = [
  'mov', 'add', 'jmp', 'jz', 'push', 'pop', 'call', 'ret', 'db', 'dw', 'dd', 'dq', 'times', 'resb', 'equ', 'org', 'bits', 'section', 'align',
  'ax', 'eax', 'rax', 'al', 'ah', 'bx', 'si', 'r8', 'xmm0', 'cr0', 'ds', 'es', 'st0', '[', ']', '+', '-', '*', '/', '%', '<<', '>>', '(', ')', ',', ':',
  '$', '$$', '0', '1', '16', '32', '64', '0x7c00', '-1', '3.5', "'ab'", '"x"', '`\\n`', 'lbl', '.loc', 'byte', 'word', 'dword', 'qword', 'short', 'near',
  'far', 'strict', 'rel', '%define', '%macro', '%endmacro', '%rep', '%endrep', '%if', '%else', '%endif', '%assign', '%1', '%0', '%%x', '%include', ';',
  '?', '!', '~', '&&', '||', '<=>', 'struc', 'endstruc', 'istruc', 'at', 'iend', 'incbin', '__utf16__', '\\', '{', '}', '%+', '%error', 'default',
];

const line = fc.array(fc.constantFrom(...TOKENS), { maxLength: 8 }).map((t) => t.join(' '));
const source = fc.array(fc.oneof(line, fc.string({ maxLength: 30 })), { maxLength: 25 }).map((ls) => ls.join('\n'));

const fixturesDir = path.resolve(__dirname, '../../fixtures/asm');
const fixtureLines = fs
  .readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.asm'))
  .flatMap((f) => fs.readFileSync(path.join(fixturesDir, f), 'utf8').split('\n'));

const mutated = fc
  .tuple(
    fc.array(fc.nat(fixtureLines.length - 1), { minLength: 1, maxLength: 40 }),
    fc.array(fc.tuple(fc.nat(200), fc.constantFrom('', ' ', ',', '[', ']', '%', ':', '0', 'x', '$', "'", '\\')), { maxLength: 6 }),
  )
  .map(([idx, muts]) => {
    const text = idx.map((i) => fixtureLines[i]).join('\n');
    let s = text;
    for (const [at, ch] of muts) {
      const p = at % (s.length + 1);
      s = s.slice(0, p) + ch + s.slice(p + 1);
    }
    return s;
  });

function check(src: string): void {
  let r: ReturnType<typeof assemble> | undefined;
  expect(() => {
    r = assemble(src, { fileName: 'fuzz.asm', readFile: () => undefined });
  }).not.toThrow();
  for (const d of r!.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(typeof d.message).toBe('string');
  }
  expect(r!.ok).toBe(!r!.diagnostics.some((d) => d.severity === 'error'));
  if (!r!.diagnostics.some((d) => d.message.startsWith('internal error'))) return;
  expect.fail(`internal error for:\n${src}\n${JSON.stringify(r!.diagnostics)}`);
}

describe('assemble() on random input', () => {
  it('never throws, hangs, or reports a diagnostic without a position (token soup)', () => {
    fc.assert(fc.property(source, check), { numRuns: 400, seed: 42 });
  });
  it('never throws on mutated fixture lines', () => {
    fc.assert(fc.property(mutated, check), { numRuns: 300, seed: 7 });
  });
  it('random seed run', () => {
    fc.assert(fc.property(fc.oneof(source, mutated), check), { numRuns: 200 });
  });
  it('survives runaway constructs', () => {
    check('%macro m 0\nm\n%endmacro\nm\n');
    check('%rep 100000000\nnop\n%endrep\n');
    check('times 0x7fffffffffff db 0\n');
    check('resb 0xffffffffffff\n');
    check('%define a a b\na\n');
    check('%define a b\n%define b a\na\n');
    check('x: jmp y\ny: times (x-y+300) nop\n');
  });
});
