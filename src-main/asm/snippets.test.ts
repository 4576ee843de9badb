// Differential snippets: each one is assembled by NASM and by us. Accepted input must give the
// same bytes; rejected input must give the same error messages on the same lines.
// `|` separates source lines.
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';
import { hex, ours, runNasm } from './oracle.test-helper.js';

const ACCEPTED: string[] = [
  "db 3 dup (1, 2)|dw 2 dup (0x1234)|db 2 dup (3 dup (7))|db 5, 2 dup (9), 6|dd 2 dup (?)",
  "db ?|section .bss|db ?|resb 1",
  "%define n 3|%define lbl_3 7|db lbl_%[n]|%assign k 2|%rep 2|db %[k]|%assign k k+1|%endrep|%deftok z `inc ax`|z",
  "bits 64|add rax, 0xffffffff|add rax, 0xfffffff0|mov rax, 0xffffffff|and rax, 0xffffff80|imul rax, rbx, 0xffffffff|push 0xffffffff",
  "mov al, 300|mov ax, 0x12345|int 0x100|add al, -200|bits 32|mov eax, 0x123456789|bits 64|add rax, 0xffffffff|mov rax, 0x80000000|add rax, 0x180000000|push 0x80000000|mov qword [rax], 0x80000000",
  "%macro mm 1|db %0, \"%?\", \"%??\"|%00: db 1|%endmacro|%imacro Xm 0|db \"%?\", \"%??\"|%?_x: dw %??_x|%endmacro|lbl: mm 5|xM|dw lbl",
  "db 1.5, -2.0, 0.1, 100.0, 1e10, 0.001|dw 1.5, 65504.0, 1e-5",
  "dd __?Infinity?__, -__Infinity__, __?NaN?__, __?QNaN?__, __?SNaN?__|dq __Infinity__, __NaN__, __SNaN__|dt __Infinity__, __NaN__|dw __Infinity__",
  "db __?LINE?__, __LINE__|nop|db __LINE__|db __?FILE?__",
  "%macro pad 1.nolist|times %1 nop|db 1|%endmacro|pad 3|nop",
  "%macro if 1|%push if|j%-1 %$ifnot|%endmacro|%macro endif 0|%$ifnot:|%pop|%endmacro|mov ax, 1|if e|nop|endif|if ne|inc ax|endif",
  "%push a|%$x: nop|%push b|%$x: nop|jmp %$$x|%pop|jmp %$x|%pop",
  "%push foo|%ifctx foo|db 1|%endif|%repl bar|%ifctx bar|db 2|%endif|%pop",
  "bits 32|db __BITS__|bits 64|db __?BITS?__|[bits 16]|db __BITS__",
  "%macro m 0|%push|%%a: db 1|%pop|%endmacro|m|m",
  "%xdefine a 1|%define b a|%xdefine c b|%define a 2|db a, b, c",
  "%assign x 5|%assign x x*2+1|db x",
  "%define f(x,y) x+y*2|db f(1,2), f((1+1),3)",
  "%macro m 2-3 9|db %1, %2, %3, %0|%endmacro|m 1, 2|m 4, 5, 6",
  "%macro m 1+|db %1|%endmacro|m 1, 2, 3",
  "%macro m 0|%%l: jmp %%l|%endmacro|m|m",
  "%macro m 3|%rotate 1|db %1, %2, %3|%rotate -2|db %1|%endmacro|m 1,2,3",
  "%rep 3|nop|%endrep",
  "%assign i 0|%rep 10|%if i == 3|%exitrep|%endif|db i|%assign i i+1|%endrep",
  "%ifidn a, a|db 1|%else|db 2|%endif",
  "%ifidni A, a|db 1|%endif",
  "%ifnum 5|db 1|%endif|%ifnum x|db 2|%endif",
  "%ifstr 'x'|db 1|%endif",
  "%macro q 0|%endmacro|%ifmacro q|db 1|%endif|%ifmacro r|db 2|%endif",
  "%strlen l 'hello'|db l",
  "%strcat s 'a', 'b', \"c\"|db s",
  "%substr s 'hello' 2, 3|db s",
  "%substr s 'hello' 2|db s",
  "%defstr s foo bar|db s",
  "%define n 3|x %+ n: db 1|dw x3",
  "%ifndef ZZ|db 1|%elifdef YY|db 2|%endif",
  "%define ZZ|%ifdef ZZ|db 1|%endif",
  "%if 0|db 1|%elif 1|db 2|%else|db 3|%endif",
  "%if 1|%if 0|db 1|%else|db 2|%endif|%endif",
  "db __?NASM_MAJOR?__, __NASM_MINOR__",
  "%undef FOO|%ifdef FOO|db 1|%endif|db 2",
  "struc pt|.x: resw 1|.y: resw 1|endstruc|db pt_size, pt.y|istruc pt|at pt.x, dw 1|at pt.y, dw 2|iend",
  "absolute 0x500|var: resw 1|v2: resd 1|section .text|mov ax, [var]|mov eax, [v2]",
  "section .a|db 1|section .b|db 2|section .a|db 3",
  "section .text|nop|section .data|x: db 1|section .text|mov al, [x]",
  "section .t1 start=0x100|db 1|section .t2 start=0x110|db 2",
  "section .x vstart=0x1000|a: dw a|section .y follows=.x vstart=0x2000|b: dw b, a",
  "section .bss|buf: resb 10|section .text|mov bx, buf|dw buf",
  "section .text|db 1|section .d align=16|db 2",
  "section .text|align 16|nop|section .d|db 1|align 32|db 2",
  "org 0x7c00|section .data|d: dw d|section .text|mov ax, d",
  "dw section..text.start|section .x|dw section..x.start",
  "bits 64|default rel|mov eax, [x]|x: dd 0",
  "bits 64|mov eax, [x]|default rel|mov eax, [x]|x: dd 0",
  "bits 64|mov eax, [rel x]|mov eax, [abs x]|x: dd 0",
  "use32|mov eax, 1|use16|mov eax, 1",
  "[bits 32]|mov ax, 1",
  "[org 0x100]|x: dw x",
  "cpu 386|nop",
  "bits 32|o16 ret|a16 lodsb|o32 nop",
  "es lodsb",
  "fs rep movsb",
  "rep stosd",
  "repne scasb|repe cmpsb",
  "lock add dword [ebx], 1",
  "bits 32|mov eax, [es:ebx]",
  "mov ax, [bx+si-1]",
  "mov ax, [byte bx+4]",
  "mov ax, [word bx+4]",
  "bits 32|mov eax, [byte eax+1]|mov eax, [dword eax]|mov eax, [eax*3]|mov eax, [eax*1]",
  "bits 32|mov eax, [nosplit eax*2]|mov eax, [ebx+eax]|mov eax, [eax+ebx]|mov eax, [esi+ebp]|mov eax, [ebp+esi]",
  "bits 32|mov eax, [esp+eax]|mov eax, [eax+esp]",
  "bits 64|mov rax, [rbp]|mov rax, [r13]|mov rax, [r12]|mov rax, [rsp+r12]",
  "bits 64|mov rax, [rax+rbx*8-0x80]|mov rax, [rax+rbx*8-0x81]",
  "bits 16|mov eax, [ebx]|mov ax, [ebx+ecx*2]",
  "x: add ax, x|add ax, x-$$|push x|mov ax, x",
  "add ax, FOO|FOO equ 5",
  "add ax, 0xFF00|and ax, 0xFF00|cmp al, 1|push 0x1234",
  "push word 5|push dword 5|push strict dword 5|push byte 5",
  "bits 64|mov rax, qword 5|mov rax, strict qword 1|mov rax, dword 5|mov rax, -1|mov rax, 0x80000000",
  "bits 64|push 5|push word 5|push qword 5|push 0x1234|push strict qword 5",
  "bits 32|jmp word x|x:",
  "jmp dword x|x:",
  "jmp near x|jmp strict near x|x:",
  "bits 32|jcxz $|jecxz $",
  "jmp 0x08:0x1234|bits 32|jmp 0x08:0x12345678|jmp word 0x08:0x1234",
  "jmp dword 0x08:0x1234",
  "call 0x1234:0x5678",
  "jmp far [bx]|call far [bx]|bits 32|jmp far [eax]|bits 64|jmp far [rax]|call far [rax]|jmp far dword [rax]",
  "retf|retf 4|bits 64|retf|retfq|iretq|iretd",
  "bits 16|iretd|pushfd|popad",
  "jmp $|jmp $+2|je $",
  "x: times 3 jmp x",
  "times 4 db 1, 2",
  "times 2 dw 0x1234",
  "align 8|nop|align 8, db 0xcc|nop|alignb 4",
  "dd 1.0, 2.5e-3|dq -0.0, 1e100|dt 3.14159265358979323846",
  "dw __utf16__('h\u00e9llo')|dd __utf32__('a\u20ac')|dw __utf16be__('ab')",
  "db `\\x41\\101\\u263a\\U0001F600`",
  "db 'a', \"b\", `c`, 0x80, -1, 255",
  "dq 0xffffffffffffffff, -9223372036854775808",
  "incbin_missing: db 1",
  "mov al, 'a'|mov ax, 'ab'|mov eax, 'abcd'",
  "db 1100_1000b, 0_10h, $1f, 0h1f",
  "dw 10 / 3, 10 % 3, -10 // 3, -10 %% 3, 1 << 15, 0x8000 >> 3",
  "dw -(3), ~5 & 0xff",
  "fld dword [bx]|fld qword [bx]|fld tword [bx]|fstp st1|fadd st0, st2|faddp|fxch|fistp word [bx]|fnstcw [bx]|fldcw [bx]|fnstsw ax|finit|fninit|fwait",
  "bits 64|movaps xmm0, xmm1|movaps [rax], xmm8|movdqu xmm15, [rsp]|movd xmm0, eax|movq xmm1, rax|movq rax, xmm1|pxor xmm0, xmm0|xorps xmm1, xmm2|addsd xmm0, [rel x]|sqrtsd xmm1, xmm2|cvtsi2sd xmm0, rax|cvttsd2si eax, xmm1|fxsave [rax]|ldmxcsr [rax]|stmxcsr [rsp]|x: dq 0",
  "bits 32|movaps xmm0, [eax]|addps xmm1, xmm2|mulps xmm0, [ebx+4]|shufps xmm0, xmm1, 0x1b|pshufd xmm0, xmm1, 3|psrldq xmm0, 4|cmpeqps xmm0, xmm1",
  "enter 16, 0|leave|bound ax, [bx]|arpl [bx], ax|aam|aad 5|xlatb|salc",
  "lds si, [bx]|les di, [bx]|lss sp, [bx]|lfs ax, [bx]",
  "bits 64|sysret|o64 sysret|syscall|sysenter|sysexit",
  "bits 32|cmpxchg8b [eax]|bits 64|cmpxchg16b [rax]|xadd [rax], rbx|bsf eax, ebx|bsr rax, [rbx]|popcnt eax, ebx|lzcnt eax, ebx|tzcnt rax, rbx",
  "bits 32|shld eax, ebx, 4|shrd eax, ebx, cl|bts dword [eax], 3|btr eax, ebx|btc ax, 15",
  "bits 64|xchg rax, rbx|xchg eax, eax|xchg ax, bx|xchg rbx, rax|xchg r8, rax|xchg [rax], rbx",
  "bits 64|in al, dx|in eax, 0x60|out 0x80, al|out dx, eax|insb|outsw|movsq|cmpsq|scasq|lodsq|stosb",
  "bits 16|inc ax|dec di|bits 32|inc eax|inc byte [eax]|bits 64|inc eax|inc r8",
  "bits 64|lgdt [rax]|lidt [rel x]|sgdt [rax]|lldt ax|ltr ax|str eax|sldt ax|smsw eax|lmsw ax|invlpg [rax]|wbinvd|invd|clts|x: nop",
  "bits 64|mov cr0, rax|mov cr8, rax|mov rax, cr4|mov dr7, rax|mov rax, dr6|mov ds, ax|mov ax, ds|mov [rax], ds|mov ds, [rax]",
  "bits 64|mov sil, 1|mov spl, al|movzx eax, sil|mov r15b, r8b|mov al, r8b|mov ah, al",
  "bits 64|imul rax, [rbx], 1000|imul eax, ebx, -5|imul rax, 7|imul r9, r10|mul qword [rax]|div r8d|neg word [rax]|not byte [rax]",
  "bits 64|shl rax, 1|shl rax, cl|shl rax, 63|rol byte [rax], 1|rcr dword [rax], cl|sal eax, 2|sar r8, 3",
  "bits 64|cmovz rax, rbx|cmovnae ecx, [rax]|seta al|setnz byte [rax]|sete r9b",
  "bits 64|nop|pause|ud2|hlt|cpuid|rdtsc|rdtscp|rdmsr|wrmsr|xgetbv|xsetbv|monitor|mwait|lfence|mfence|sfence|swapgs|int3|int 0x80|int1",
  "bits 64|call [rax]|call rax|jmp rax|jmp [rel x]|call qword [rax]|jmp qword [rbx+8]|x: dq 0",
  "bits 16|call ax|jmp [bx+2]|call word [bx]|bits 32|call eax|jmp dword [eax]",
  "bits 16|pusha|popa|pushad|popad|pushf|popf|pushfd|push cs|push ds|push es|push ss|push fs|pop ds|pop fs|pop gs",
];

// Mostly rejected input (a few are accepted with warnings, which also must match byte-for-byte).
const ERRORS: string[] = [
  "mov al, bx",
  "push al",
  "add ax",
  "lgdt eax",
  "mov [bx], 1",
  "inc [bx]",
  "jmp short far_l|times 200 nop|far_l:",
  "times -1 db 0",
  "times (l-$) db 0|l:",
  "mov ax, [eax+ebx+ecx]",
  "mov ax, [cx]",
  "bits 64|pusha",
  "bits 32|mov rax, 1",
  "bits 64|mov ah, sil",
  "mov ax, (1+2",
  "mov ax, 1 +",
  "foo bar baz",
  "%include \"nothere.inc\"",
  "db 'abc",
  "%macro m 1|nop|%endmacro|m",
  "mov ax, undefined_sym",
  "x equ 1|x equ 2",
  "a: nop|a: nop",
  "bits 17",
  "org 5|org 6",
  "%error custom failure",
  "%warning just a warning|nop",
  "mov ax, 1|mov al, bx|mov ax, 1 +",
  "jmp undefined_label",
  "section .text align=13",
  "incbin \"nofile.bin\"",
  "mov ax, [bx+si+di]",
  "movzx ax, [bx]",
  "movzx eax, [bx]",
  "push [bx]",
  "mov byte [bx], 300",
  "db 300",
  "dw 0x12345",
  "int 0x100",
  "mov ax, 0x12345",
  "shl [bx], 1",
  "xchg [bx], [si]",
  "mov cs, ax",
  "pop cs",
  "retf 1, 2",
  "bits 64|jmp 0x08:0x1000",
  "bits 64|push es",
  "bits 64|inc ax",
  "bits 64|mov rax, [bx]",
  "bits 16|mov ax, [rax]",
  "lea ax, bx",
  "mov ax, [bx*2]",
  "call $+5|.x: ret",
  ".x: nop|jmp .x",
  "label|nop",
  "%if 1|nop|%else|hlt|%endif",
  "%if|%endif",
  "%endif",
  "%else",
  "%macro x 0|nop",
  "%rep 2|nop",
  "ret 1+",
  "mov ax, ]",
  "mov ax, [bx",
  "db 1,",
  "dw",
  "resb lbl|lbl:",
  "mov ax, 5 / 0",
  "mov eax, st0",
  "fld st8",
  "add eax, ebx, ecx",
  "nop nop",
  "equ 5",
  "x: equ",
  "bits 32|jmp word far [eax]",
  "jmp far 0x10",
  "call far 0x10:0x20",
  "mov [es:bx], ax",
  "es mov ax, [bx]",
  "rep",
  "lock",
  "o32 nop",
  "a32 lodsb",
  "mov al, [ds:0x10]",
  "bits 64|mov al, [qword 0x10]",
  "bits 64|mov rax, [qword lbl]|lbl:",
  "bits 64|default rel|mov eax, [lbl]|lbl:",
  "bits 64|mov eax, [rel 0x1000]",
  "bits 64|mov eax, [fs:0x10]",
  "bits 64|mov r8b, ah",
];

function check(snippet: string): void {
  const src = snippet.replace(/\|/g, '\n') + '\n';
  const n = runNasm(src);
  const r = ours(src);
  if (n.ok) {
    const errs = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    expect(errs, `ours rejects what NASM accepts: ${snippet}`).toEqual([]);
    expect(hex(r.bytes), `bytes differ for: ${snippet}`).toBe(hex(n.bytes));
    // Same warnings on the same lines, too.
    const nw = [...n.stderr.matchAll(/^in\.asm:(\d+): warning: (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
    const ow = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}: ${d.message}`);
    expect(ow, `warnings differ for: ${snippet}`).toEqual(nw);
  } else {
    const ne = n.errors.map((e) => `${e.line}: ${e.message}`);
    const oe = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    expect(oe, `errors differ for: ${snippet}`).toEqual(ne);
    expect(r.ok).toBe(false);
  }
}

describe('accepted snippets match NASM bytes', () => {
  it.each(ACCEPTED)('%s', (s) => check(s));
});

describe('rejected snippets match NASM errors and lines', () => {
  it.each(ERRORS)('%s', (s) => check(s));
});

// Listings must match NASM's -l output line for line.
const LISTED: string[] = [
  "bits 64|back: mov rdx, back|mov rax, 0x123456789abcdef0|jmp 0x1234|db 'abcdefghijklmnopqrstuvwxyz'",
  'resb 1|resb 9|resb 100|resd 3|section .bss|resb 4|resb 100|absolute 0|resb 100|resw 2',
  '%macro pad 1.nolist|times %1 nop|db 1|%endmacro|pad 3|nop|%macro two 0|pad 2|%endmacro|two',
  'nop|times 3 jmp $|times 2 dw $|times 20 dq 0, 1|align 16|db 1|align 8, db 0xcc',
  '%macro m 2|mov ax, %1|%rep %2|  inc ax|%endrep|%endmacro|m 5, 2|mov ax, [bx+si+4]|label: jmp label',
  'mov al, bx|nop|mov ax, 1',
];

describe('listings match NASM', () => {
  it.each(LISTED)('%s', (snippet) => {
    const src = snippet.replace(/\|/g, '\n') + '\n';
    const n = runNasm(src, { listing: true });
    const r = ours(src);
    expect(r.listing).toBe(n.listing);
  });
});

describe('command-line style options', () => {
  it('-D defines and include paths behave like NASM', () => {
    const src = '%include "defs.inc"\ndb VAL, OTHER\n';
    const files = { 'sub/defs.inc': '%define OTHER 7\n' };
    const n = runNasm(src, { files, args: ['-DVAL=3', '-isub/'] });
    expect(n.ok, n.stderr).toBe(true);

    const r = assemble(src, { fileName: 'in.asm', defines: { VAL: '3' }, includePaths: ['sub/'], readFile: (p) => (files as Record<string, string>)[p] });
    expect(hex(r.bytes)).toBe(hex(n.bytes));
  });
  it('incbin with skip and length', () => {
    const bin = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const src = 'incbin "data.bin"\nincbin "data.bin", 2\nincbin "data.bin", 1, 3\n';
    const n = runNasm(src, { files: { 'data.bin': bin } });
    expect(n.ok, n.stderr).toBe(true);
    const r = ours(src, { files: { 'data.bin': bin } });
    expect(hex(r.bytes)).toBe(hex(n.bytes));
  });
  it('[map] files match NASM', () => {
    for (const kind of ['all', 'brief', 'sections', 'symbols']) {
      const src = `[map ${kind} out.map]\norg 0x1000\nstart: mov ax, d1\nsection .data\nd1: dw 5\nsection .ro align=16\nro: db 1\nsection .bss\nb1: resd 4\nsection .vx vstart=0x9000\nvx1: nop\nsection .st follows=.data vstart=0x8000\nsx1: jmp vx1\n`;
      const n = runNasm(src, { readBack: ['out.map'] });
      expect(n.ok, n.stderr).toBe(true);
      const r = ours(src);
      expect(hex(r.bytes)).toBe(hex(n.bytes));
      expect(r.map?.file).toBe('out.map');
      expect(r.map?.text).toBe(n.extra['out.map']);
    }
  });
  it('[map] lists absolute symbols under No Section, and relocatable EQUs with their section', () => {
    for (const kind of ['all', 'symbols']) {
      const src = `[map ${kind} out.map]\nzz equ 1\nk equ -1\nbig equ 0x123456789\nstruc S\n.a: resb 2\nendstruc\nstart: nop\nrel1 equ start+2\ndiff equ rel1-start\nabsolute 0x10\nz: resb 2\naa equ 3\n..@x equ 4\nsection .data\nd: db 1\n`;
      const n = runNasm(src, { readBack: ['out.map'] });
      expect(n.ok, n.stderr).toBe(true);
      expect(ours(src).map?.text).toBe(n.extra['out.map']);
    }
  });
  it('-O0 matches NASM -O0', () => {
    const src = 'add ax, 5\npush 5\njmp x\nje x\nx: nop\nbits 64\nmov rax, 1\n';
    const n = runNasm(src, { o0: true });
    expect(hex(ours(src, { o0: true }).bytes)).toBe(hex(n.bytes));
  });
});
