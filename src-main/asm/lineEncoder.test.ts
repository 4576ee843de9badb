// Constant lines encoded while parsing (lineEncoder.ts) must give NASM's bytes and messages in every
// situation where the mode or the pass changes what a line means: each source runs at -O0, -O1 and
// -Ox in one process, so the line cache also meets each text in another mode.
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';
import { LineEncoder } from './lineEncoder.js';
import { checkLevels, hex, runNasm } from './oracle.test-helper.js';
import type { Stmt } from './parser.js';

const src = (...lines: string[]): string => lines.join('\n') + '\n';

describe('constant lines encoded while parsing', () => {
  it.each([
    ['the same lines in 16-, 32- and 64-bit code', src('xor ax, ax', 'mov eax, 5', 'bits 32', 'xor ax, ax', 'mov eax, 5', 'bits 64', 'xor ax, ax', 'mov eax, 5', 'bits 16', 'xor ax, ax')],
    ['`default rel` after a line that reads an absolute address', src('bits 64', 'mov eax, [0x1000]', 'default rel', 'mov eax, [0x1000]', 'default abs', 'mov eax, [0x1000]')],
    ['`default rel` as the last line (it stays in force into the next pass)', src('bits 64', 'mov eax, [0x1000]', 'jmp near x', 'x: default rel')],
    ['`cpu` levels: lines the level refuses, and a refused `bits 64`', src('cpu 386', 'bits 32', 'mov eax, 1', 'cpu 186', 'bits 64', 'mov eax, 1', 'cpu x64', 'bits 64', 'mov rax, 1')],
    ['lines that warn, twice (the second from the cache)', src('bits 16', 'mov al, 300', 'mov al, 300', 'add ax, 70000', 'add ax, 70000')],
    ['lines that fail, twice', src('bits 64', 'mov eax, [rax+rbx*3]', 'mov eax, [rax+rbx*3]', 'push eax', 'push eax')],
    ['immediates NASM shrinks at -Ox but not at -O0', src('bits 32', 'add eax, 1', 'add eax, 1', 'imul ecx, edx, 3', 'push 5')],
    ['instructions in absolute space and in a struc', src('absolute 0x100', 'mov ax, 1', 'section .text', 'struc S', 'nop', 'endstruc', 'mov ax, 1')],
    ['a constant jump target (relative: never taken)', src('bits 16', 'org 0x100', 'jmp 0x200', 'call 0x300', 'nop')],
  ])('%s', (_what, text) => checkLevels(text));

  it('takes the plain constant lines of a file and leaves the rest to the parser', () => {
    const encoder = new LineEncoder(2);
    const out: Stmt[] = [];
    const lines = ['mov eax, 1', 'mov eax, foo', 'jmp 0x10', 'mov al, 300', '.x: nop', 'db 1', 'mov eax, 1'];
    const taken = lines.map((l, i) => encoder.read(l, i, out));
    expect(taken).toEqual([true, true, true, true, false, false, true]);
    expect(out.map((s) => s.k)).toEqual(['enc', 'insn', 'insn', 'insn', 'enc']);
    const first = out[0] as Extract<Stmt, { k: 'enc' }>;
    expect(hex(encoder.arena.buf.subarray(first.at, first.at + first.len))).toBe('66 b8 01 00 00 00');
  });

  it('lists constant lines as NASM does', () => {
    const text = src('bits 16', 'mov ax, 1', 'mov ax, 1', 'times 2 nop', 'xor eax, eax');
    const n = runNasm(text, { listing: true });
    const r = assemble(text, { fileName: 'in.asm' });
    expect(hex(r.bytes)).toBe(hex(n.bytes));
    const rows = (l: string) => l.split('\n').filter((x) => x.trim()).map((x) => x.replace(/\s+/g, ' ').trim());
    expect(rows(r.listing)).toEqual(rows(n.listing));
  });
});
