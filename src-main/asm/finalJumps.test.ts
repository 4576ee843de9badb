// Final-pass bytes of `jmp/jcc label` from templates (assembler.ts finalJumpBytes) against NASM, in
// every mode and across the short/near boundary, forwards and backwards.
import { describe, expect, it } from 'vitest';
import { Assembler } from './assembler.js';
import { Diags } from './diagnostics.js';
import { hex, ours, runNasm } from './oracle.test-helper.js';
import { LineParser, type Stmt } from './parser.js';
import { Preprocessor } from './preprocessor.js';

const JCC = ['jmp', 'je', 'jne', 'jb', 'jae', 'jl', 'jg', 'js', 'jo', 'jp'];

function source(bits: number): string {
  const out = [`bits ${bits}`];
  for (let i = 0; i < 60; i++) {
    out.push(`L${i}:`);
    // Distances around 127/128 bytes, so some jumps are short and some near, and sizes interact.
    out.push(`  ${JCC[i % JCC.length]} L${(i * 7 + 3) % 60}`, `  times ${(i * 13) % 40} nop`, `  ${JCC[(i + 3) % JCC.length]} L${Math.max(0, i - 2)}`);
  }
  out.push(bits === 64 ? 'cpu x64' : 'cpu 386', 'jmp L0', 'je L59', '');
  return out.join('\n');
}

/** Template jumps of one assembly (the same steps as assemble()). */
function templateJumps(src: string): number {
  const diags = new Diags();
  const lines = new Preprocessor({ fileName: 'in.asm' }, diags).run(src);
  const stmts: Stmt[] = [];
  const parser = new LineParser();
  lines.forEach((l, i) => l.text && parser.parseLine(l.text, i, stmts, () => {}));
  const asm = new Assembler(stmts, lines, diags, false, new Map());
  asm.run();
  return asm.templateJumps;
}

describe('final-pass jumps from templates', () => {
  it.each([16, 32, 64])('bits %i: bytes as NASM, and the templates are used', (bits) => {
    const src = source(bits);
    const r = ours(src);
    expect(r.diagnostics).toEqual([]);
    expect(hex(r.bytes)).toBe(hex(runNasm(src).bytes));
    expect(templateJumps(src)).toBeGreaterThan(100);
  });
});
