// The line parser's fast path (simpleLine.ts) against its general path (lexer, LineParser,
// ExprParser): on every line the fast path takes, the statement must be the same, field for field.
import { describe, expect, it } from 'vitest';
import { jumpyFile, projectFile, straightFile } from '../../scripts/asm-bench-inputs.js';
import { tokenize } from './lexer.js';
import { isReservedWord, LineParser, startsInsn, type Stmt } from './parser.js';
import { parseSimpleInsn, parseSimpleLabel } from './simpleLine.js';
import { hex, ours, runNasm } from './oracle.test-helper.js';

/** The statement the general path makes of a line (no parse cache, no fast path). */
function general(text: string, localBase: string): Stmt[] {
  const p = new LineParser();
  p.localBase = localBase;
  const out: Stmt[] = [];
  (p as unknown as { parseToks: (t: ReturnType<typeof tokenize>, line: number, out: Stmt[], endCol: number) => void }).parseToks(tokenize(text), 0, out, text.length + 1);
  return out;
}

function fast(text: string, localBase: string) {
  const p = new LineParser();
  p.localBase = localBase;
  return parseSimpleInsn(text, startsInsn, isReservedWord, p.qualify);
}

const TAKEN = [
  'nop', 'ret', '  mov rax, rbx  ', 'MOV EAX,EBX', 'mov\teax,\t5', 'add rcx, 8', 'sub rsp, -100', 'mov eax, +7', 'mov ecx, 0Bh', 'and edx, 0DFh',
  'or al, 0B3h', 'mov eax, 0x12345678', 'mov rax, 0xfffffffffffff', 'mov rax, 999999999999999', 'mov eax, 0ABCDEFh', 'mov eax, 0xabcdef', 'mov eax, 0123', 'mov ax, 0h', 'mov eax, 1e5h', 'mov eax, 0b1h', 'mov eax, 0d5h',
  'lea rsi, [rdi+rcx*8+16]', 'lea rsi, [rdi + rcx * 8 + 16]', 'lea rax, [rcx*8+rdi]', 'lea rax, [8*rcx+rdi-4]', 'lea rax, [rbx*2]', 'lea rax, [rbx*3]',
  'mov qword [rsp+8], rdx', 'mov dword [rax-8], 5', 'mov byte [rax+-8], 1', 'mov eax, [rbx-label]', 'mov eax, [-8+rbx]', 'mov eax, [rax+rbx]',
  'mov r10, [data_area]', 'inc word [counter]', 'mov word [di+4], 0x0F41', 'mov ax, [bx+si+2]', 'jmp L5', 'jne .loop', 'call proc3', 'je ..@12.x',
  'jmp @foo', 'push qword 5', 'mov eax, dword 5', 'imul rax, rbx, 33', 'shl rdx, 3', 'test al, 1', 'movzx eax, byte [r9+4]', 'mov eax, [a$b]',
  'mov eax, [x+y-z]', 'add eax, [rax+1+2]', 'mov eax, constructor', 'mov eax, dword x', 'mov eax, [x-8]', 'mov eax, [8]', 'mov eax, [-8]', 'mov eax, [rax+x-y]', 'lea rax, [8+rax*2]',
  'lea rax, [rax - -8]', 'mov [bp+di], al', 'mov eax, [.local+4]',
];
const LEFT = [
  'nop:', 'L1: nop', 'jmp __proto', 'mov rax, 0x7fffffffffffff', 'mov rax, 9999999999999999', 'rep movsb', 'lock inc dword [rax]', 'db 1', 'times 3 nop', "mov eax, 'ab'", 'mov eax, 1e5', 'mov eax, 1.5', 'mov eax, 10d',
  'mov eax, 0b101', 'mov eax, 1_000', 'mov eax, $', 'mov eax, $+5', 'mov eax, x+1', 'mov eax, (1)', 'mov rax, [es:rbx]', 'mov rax, [rax-rbx]',
  'mov rax, [rax+rax]', 'mov rax, [rax*2+rbx*4]', 'mov rax, [rax+rbx+rcx]', 'mov rax, [al]', 'mov rax, [xmm1]', 'mov rax, [rel x]', 'mov rax, [dword x]',
  'jmp short x', 'jmp near x', 'jmp far [x]', 'jmp 0x10:5', 'mov eax, dword ebx', 'mov eax, strict dword 5', 'mov eax,', 'mov eax, 5,', 'mov eax ebx',
  'mov eax, __?float32?__(1.5)', 'mov eax, seg x', 'mov eax, byte', 'vaddps zmm1{k1}, zmm2, zmm3', 'mov eax, 99999999999999999999', 'mov eax, ?',
  'mov eax, [?]', 'mov eax, [rax*0]', 'mov eax, [rax*17]', 'fadd to st1', 'mov eax, é', 'mov eax, 5 ; comment', 'mov eax, [rax', 'mov eax, []',
];

describe('simpleLine: the parser fast path', () => {
  it.each(TAKEN)('takes %j and builds what the general path builds', (line) => {
    const f = fast(line, 'base');
    expect(f).toBeDefined();
    expect([{ k: 'insn', insn: f, line: 0 }]).toStrictEqual(general(line, 'base'));
  });

  it.each(LEFT)('leaves %j to the general path', (line) => {
    expect(fast(line, 'base')).toBeUndefined();
  });

  it('agrees with the general path on every line of the benchmark sources it takes', () => {
    const lines = [straightFile(3000), jumpyFile(3000), projectFile(1)].flatMap((s) => s.split('\n'));
    let taken = 0;
    for (const line of lines) {
      const f = fast(line, 'L7');
      if (!f) continue;
      taken++;
      expect([{ k: 'insn', insn: f, line: 0 }], line).toStrictEqual(general(line, 'L7'));
    }
    expect(taken).toBeGreaterThan(lines.length / 2);
  });

  it('parses nearly all of a straight-line file on the fast path', () => {
    const src = straightFile(2000, 5).split('\n');
    const p = new LineParser();
    const out: Stmt[] = [];
    src.forEach((line, i) => p.parseLine(line, i, out, () => {}));
    // Repeated lines come from the parse cache; of the others only `bits 64`, the data line, the
    // blank end and the few `[rax+rax*8+...]` (a register twice) take the general path.
    expect(p.simpleCount).toBeGreaterThan(0.95 * new Set(src).size);
  });

  it('takes names of Object.prototype members as labels, as NASM does (both paths)', () => {
    const src = 'bits 32\nmov eax, constructor\nmov ebx, [constructor+4]\nconstructor: dd 0\n__proto__: dd constructor\n';
    const nasm = runNasm(src);
    const r = ours(src);
    expect(r.diagnostics).toEqual([]);
    expect(hex(r.bytes)).toBe(hex(nasm.bytes));
    expect(general('mov eax, constructor', '')).toStrictEqual([{ k: 'insn', insn: fast('mov eax, constructor', ''), line: 0 }]);
  });

  it.each(['L5:', '  .loop:', 'foo :', 'x$y#z:', '..@1.z:', '@a: ', 'start:\t'])('takes the label line %j as the general path does', (line) => {
    const p = new LineParser();
    p.localBase = 'base';
    const out: Stmt[] = [];
    p.parseLine(line, 0, out, () => {});
    expect(p.simpleCount).toBe(1);
    const g = new LineParser();
    g.localBase = 'base';
    const want: Stmt[] = [];
    (g as unknown as { parseToks: (t: ReturnType<typeof tokenize>, line: number, out: Stmt[], endCol: number) => void }).parseToks(tokenize(line), 0, want, line.length + 1);
    expect(out).toStrictEqual(want);
    expect(p.localBase).toBe(g.localBase);
  });

  it.each(['nop:', 'L5: nop', 'L5', '$x:', 'L5::', 'db:', 'é:', 'x: ; c'])('leaves %j to the general path', (line) => {
    expect(parseSimpleLabel(line, isReservedWord)).toBeUndefined();
  });
});
