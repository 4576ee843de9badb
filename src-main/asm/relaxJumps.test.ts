// relaxJumps (assembler.ts) finds at once the label offsets that NASM's passes reach one step of a
// chain at a time: checked against that pass loop on random programs, and on a jump-heavy file
// against nasm itself.
import { describe, expect, it } from 'vitest';
import { jumpyFile } from '../../scripts/asm-bench-inputs.js';
import { relaxJumps } from './assembler.js';
import { checkLevels, hex, ours, runNasm } from './oracle.test-helper.js';

/** The pass loop of the tight program (as Assembler.tightPass): until no label moves. */
function passesToFixpoint(prog: Int32Array, labels: number): Int32Array {
  const off = new Int32Array(labels); // pass 1 of a label not met yet: 0, short jumps to it
  const seen = new Uint8Array(labels);
  for (let pass = 0; pass < 10_000; pass++) {
    let changed = 0;
    let at = 0;
    for (let e = 0; e < prog.length; e += 4) {
      const k = prog[e];
      if (k === 1) at += prog[e + 1];
      else if (k === 2) {
        if (off[prog[e + 1]] !== at || !seen[prog[e + 1]]) changed++;
        off[prog[e + 1]] = at;
        seen[prog[e + 1]] = 1;
      } else if (k === 3) {
        const t = prog[e + 1];
        // A label not defined yet is optimistic (short), as NASM's pass 1.
        const d = seen[t] ? off[t] - (at + prog[e + 2]) : 0;
        at += d >= -128 && d <= 127 ? prog[e + 2] : prog[e + 3];
      }
    }
    if (changed === 0) return off;
  }
  throw new Error('no fixpoint');
}

function randomProgram(seed: number, labels: number): Int32Array {
  let x = seed;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const prog: number[] = [];
  for (let l = 0; l < labels; l++) {
    prog.push(2, l, 0, 0);
    const n = 1 + Math.floor(rnd() * 5);
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.5) {
        const t = Math.min(labels - 1, Math.max(0, l + Math.floor(rnd() * 30) - 12));
        const [s, nr] = [[2, 5], [2, 6], [2, 4], [2, 3]][Math.floor(rnd() * 4)];
        prog.push(3, t, s, nr);
      } else prog.push(1, 1 + Math.floor(rnd() * 12), 0, 0);
    }
  }
  return Int32Array.from(prog);
}

describe('relaxJumps', () => {
  it('gives the offsets of the pass loop on random programs full of chains of growing jumps', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const labels = 50 + (seed % 7) * 60;
      const prog = randomProgram(seed, labels);
      const off = new Int32Array(labels);
      relaxJumps(prog, off);
      expect([...off], `seed ${seed}`).toEqual([...passesToFixpoint(prog, labels)]);
    }
  });

  it('gives NASM 2.16.01 bytes on a jump-heavy file (many passes in NASM)', () => {
    const src = jumpyFile(12_000);
    const n = runNasm(src);
    expect(n.ok, n.stderr).toBe(true);
    expect(hex(ours(src).bytes)).toBe(hex(n.bytes));
  });

  // A `jmp/jcc label` is sized from its shape from pass 1 on and never encoded before the final
  // pass; what its target turns out to be decides whether that holds. Each against nasm at every -O.
  const late = (target: string, def: string, bits = 64): string =>
    [`bits ${bits}`, 'start:', `  jz ${target}`, '  times 100 nop', `  jmp ${target}`, `  jnz ${target}`, '  nop', def, 'after:', `  jmp ${target}`, '  jmp start'].join('\n') + '\n';
  it.each([
    ['a later label', late('there', 'there:')],
    ['a later label, 16-bit', late('there', 'there:', 16)],
    ['a later label, 32-bit', late('there', 'there:', 32)],
    ['a later equ of a number', late('there', 'there equ 0x40')],
    ['a later equ of a label', late('there', 'there equ after')],
    ['a later equ of a label plus a distance', late('there', 'there equ after+200')],
    ['a label in another section', late('there', 'section .data|there: db 1|section .text'.replace(/\|/g, '\n'))],
    ['a label in absolute space', late('there', 'absolute 0x100|there: resb 1|section .text'.replace(/\|/g, '\n'))],
    ['a label never defined', late('there', 'nop')],
    ['a local label', late('.x', '.x: nop')],
    ['a label at the end of a times block of jumps', late('there', 'times 40 jmp there|there:'.replace(/\|/g, '\n'))],
  ])('jumps to %s give NASM bytes and messages', (_, src) => checkLevels(src));

  // `call label` has one size: sized in pass 1 the same way, written from its shape at the end.
  const calls = (target: string, def: string, bits = 64): string =>
    [`bits ${bits}`, 'start:', `  call ${target}`, '  times 3 call start', '  times 100 nop', `  times 2 call ${target}`, `  jz ${target}`, def, 'after:', `  call ${target}`, '  call start'].join('\n') + '\n';
  it.each([
    ['a later label', calls('there', 'there:')],
    ['a later label, 16-bit', calls('there', 'there:', 16)],
    ['a later label, 32-bit', calls('there', 'there:', 32)],
    ['a later equ of a number', calls('there', 'there equ 0x40')],
    ['a later equ of a label', calls('there', 'there equ after+7')],
    ['a label in another section', calls('there', 'section .data|there: db 1|section .text'.replace(/\|/g, '\n'))],
    ['a label never defined', calls('there', 'nop')],
    ['a local label', calls('.x', '.x: nop')],
  ])('calls to %s give NASM bytes and messages', (_, src) => checkLevels(src));
});
