// `-E` (preprocess only) against `nasm -E` (NASM 2.16.01 as the oracle): the same text, the same
// `%line` markers and blank lines, the same messages. `|` separates source lines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preprocess } from './preprocessOnly.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bootlab-pp-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;

function compare(src: string, files: Record<string, string> = {}, defines: Record<string, string> = {}, includePaths: string[] = []): void {
  const dir = path.join(root, String(counter++));
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'in.asm'), src);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const args = ['-E', ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`), ...includePaths.map((p) => `-i${p}`), 'in.asm'];
  const n = spawnSync('nasm', args, { cwd: dir, encoding: 'utf8' });
  const r = preprocess(src, { fileName: 'in.asm', defines, includePaths, readFile: (p) => files[p] });
  expect(r.text, `-E output for:\n${src}`).toBe(n.stdout);
  const nasmMessages = [...n.stderr.matchAll(/^([^:\n]+):(\d+): (error|warning|fatal): (.*)$/gm)].map((m) => `${m[1]}:${m[2]}: ${m[3]}: ${m[4]}`);
  expect(r.diagnostics.map((d) => `${d.file}:${d.line}: ${d.severity}: ${d.message}`)).toEqual(nasmMessages);
  expect(r.ok).toBe(n.status === 0);
}

const lines = (s: string): string => s.replace(/\|/g, '\n') + '\n';

describe('nasm -E: text and %line markers', () => {
  it.each([
    // Blanks collapse, comments go, one skipped line is a blank line, more a %line marker.
    '; header|foo:|\tmov ax,  bx   ; comment|  lbl:   db "a  b" , 1||%define X 1+2|dw X, __LINE__||||nop',
    // Conditionals and assignments leave nothing; a condition decides which lines come out.
    '%assign n 3|%if n > 2|db n|%else|db 0|%endif|%ifdef NOPE|nop|%endif|db 9',
    // Lines of a macro body come out at the body's lines; a label before the call on its own.
    '%macro m 1|  mov ax,%1 ; c|  db %0|%endmacro|L: m 5| m 6|nop',
    // A %rep body repeats one line: the increment drops to 0.
    '%assign i 0|%rep 4|db i|%assign i i+1|%endrep|nop',
    '%rep 2|db 1|db 2|%endrep',
    // Indirection, nested, and %defstr.
    '%assign n 2|%assign foo2 22|%assign foo22 2222|dd foo%[foo%[n]]*100|dd foo%[n]|%defstr s foo%[n]|db s',
    // Directives that are standard macros become bracketed directives.
    'bits 32|use16|section .text|segment .data|org 5|default rel|cpu 386|absolute 5|[bits 16]|times 3 db 0|x equ 4',
    // %pragma: NASM keeps all but the preprocessor's own, macros expanded.
    '%pragma|%pragma foo|%pragma foo bar|%pragma "quoted"|%define PR asm x|%pragma PR|%pragma preproc|%pragma preproc x|%pragma Dbg Tjo',
    '%error oops|%warning careful|db 1',
  ])('%s', (s) => compare(lines(s)));

  it('an %include switches the file in the markers and back', () => compare(lines('db 1|%include "inc.asm"|db 2'), { 'inc.asm': lines('db 10||db 11') }));
  it('align, alignb and incbin print their standard-macro expansions; sectalign off drops the [sectalign]', () =>
    compare(
      lines('align 4|align 16, db 0xcc|alignb 8|alignb 8, db 1|sectalign off|align 4|alignb 2|sectalign on|align 2*4|incbin "x"|incbin "y", 1|incbin "inc/y",1, 2'),
      { 'inc/y': 'hi' },
      {},
      ['inc/'],
    ));
  it('-D defines are expanded', () => compare(lines('%ifdef FOO|dw FOO|%endif'), {}, { FOO: '7' }));
});

// NASM expands its standard macros (standard.mac) as it does the source's: `-E` prints their
// expansions, and each counts in the numbers of `%%` and `%$` names (`..@N.`), from 0.
const src = (...ls: string[]): string => ls.join('\n') + '\n';

describe('nasm -E: struc, istruc and the other standard macros', () => {
  it.each([
    {
      name: 'struc and istruc, one- and two-argument at, .member, fields without labels, %% labels around them (16-bit)',
      text: src(
        'bits 16', '%macro pt 0', '%%a: dw 0', '%endmacro', 'pt',
        'struc point', '  .x:   resw 1', '  .y:   resw 1', '        resb 2', '  .z    resd 1', 'endstruc', 'pt',
        'section .data', 'p1: istruc point', '    at point.x, dw 1', '    at .y, dw 2', '    at point.z', '  iend', 'pt',
      ),
    },
    {
      name: 'struc with an offset, any letter case, a struc inside a struc, istruc in a macro with a label (32-bit)',
      text: src(
        'bits 32', 'section .bss', 'STRUC hdr, -4', '.len resd 1', '.tag: resb 3', 'ENDSTRUC',
        'Struc inner', '.a resb 1', '  struc deeper, 2', '  .b resw 1', '  endstruc', 'EndStruc', 'segment .data',
        '%macro rec 2', '%%start:', '  IStruc hdr', '    At hdr.len, dd %1', '    AT .tag,    db %2, 0, 0', '  IEnd', '  jmp %%start', '%endmacro',
        'rec 1, 2', 'lbl: rec 3, 4', 'x rec 5, 6',
      ),
    },
    {
      name: 'endstruc returns to an absolute section, istruc in %rep and in a .nolist macro, with the source\'s contexts (64-bit)',
      text: src(
        'bits 64', 'absolute 0x100', 'struc s', '.q resq 1', 'endstruc',
        '%rep 2', 'istruc s', 'at s.q, dq 1', 'iend', '%endrep', 'default rel',
        '%macro wrap 0.nolist', 'istruc s', 'iend', '%endmacro', 'wrap',
        '%push outer', '%$here:', 'istruc s', '%$inside:', 'at s.q, dq %$inside', 'iend', '%$after:', '%pop',
      ),
    },
    {
      name: 'the data of at calls a macro, an at inside at is left as written, labels before at and iend, after a %line',
      text: src(
        '%macro m 1', 'db %1', '%%l:', '%endmacro', 'struc T', '.a resb 1', 'endstruc',
        'istruc T', 'at T.a, m 7', 'at T.a, at T.a, db 1', 'lbl: at .a, db 2', 'l2 iend',
        '%line 100+2 other.asm', 'istruc T', 'at .a', 'iend',
      ),
    },
    {
      name: 'wrong parameter counts, trailing commas and no context: NASM\'s warnings and errors',
      text: src(
        'struc S,', '.a resb 1', 'endstruc', 'struc S2, 4, 5', 'endstruc', 'at x', 'iend', 'endstruc',
        'istruc S', 'at S.a, db 1,', 'iend 3', 'struc', '%push', 'iend', 'struc T, 4,', 'endstruc', 'struc U, {}', 'endstruc',
      ),
    },
    {
      name: 'contexts without a structure name: the context-local names stay',
      text: src('%push foo', 'endstruc', '%push', 'iend', '%push', 'at .x, db 1', 'at y', '%pop', 'at .z'),
    },
    {
      name: 'a .nolist macro of the source runs istruc twice in %rep; a name from %define',
      text: src(
        '%macro nl 0.nolist', '%rep 2', 'istruc Q', 'at Q.a, db 3', 'iend', '%endrep', '%%x: nop', '%endmacro',
        'struc Q', '.a resb 1', 'endstruc', 'lab: nl', '%define NAME Q', 'istruc NAME', 'at NAME.a, db 4', 'iend',
        '%macro m 0', '%%y: nop', '%endmacro', 'm',
      ),
    },
    {
      name: 'each standard macro counts as NASM counts it (align and alignb with their sectalign, incbin with its context)',
      text: src(
        '%macro m 0', '%%l: db 1', '%endmacro', 'm', 'align 4', 'm', 'alignb 4', 'm', 'sectalign off', 'm', 'align 4', 'm',
        'incbin "in.asm", 0, 1', 'm', 'org 0', 'm', 'extern a, b', 'm', 'lbl: bits 16', 'm', 'x section .data', 'm',
        'use16 x', 'm', 'STRUC', 'm', 'float daz', 'm', 'iend 1', 'm', 'section .text', 'm', '%push', '%$x:', 'm',
      ),
    },
    {
      name: 'directive macros that make one directive per name, and userel and kin',
      text: src('extern a, b', 'global c', 'static d,e', 'common f 4', 'required g', 'float daz, up', 'extern h,', 'userel', 'useabs', 'usebnd', 'usenobnd', 'x: extern q'),
    },
    {
      name: 'labels before macro calls as NASM prints them; a call no definition takes is printed as written',
      text: src('%macro m 0', 'nop', '%endmacro', 'x m', 'y: m', 'z   :   m', '  w m', '\tv:\tm', '%define L u', 'L m 1'),
    },
    {
      name: 'a .nolist macro of the source inside a macro and in %rep: its lines at the call\'s place',
      text: src('%macro inner 0.nolist', 'db 1', 'db 2', '%endmacro', '%macro outer 0', 'nop', 'inner', 'nop', '%endmacro', 'outer', 'inner', '%rep 2', 'inner', '%endrep'),
    },
  ])('$name', ({ text }) => compare(text));

  it('a structure from an included file; istruc inside istruc in a macro', () =>
    compare(
      src('%include "inc.mac"', 'section .text', 'istruc P', 'at P.v, dd 9', 'iend', '%macro two 0', 'istruc P', 'istruc P', 'at .v, dd 1', 'iend', 'iend', '%endmacro', 'two'),
      { 'inc.mac': src('section .rodata', 'struc P', '.v resd 1', 'endstruc') },
    ));

  it('an %include inside a .nolist macro: its lines at the %include line', () =>
    compare(
      src('%macro incl 0.nolist', 'nop', '%include "a.mac"', 'db 1', '%rep 2', '%include "b.mac"', '%endrep', 'db 2', '%endmacro', 'incl', 'db 3', '%macro outer 0', 'nop', 'incl', 'nop', '%endmacro', 'outer'),
      { 'a.mac': src('nop', 'nop'), 'b.mac': src('db 7', '%include "a.mac"', 'db 8') },
    ));
});

// With no assembly behind -E, NASM names each symbol reference in a preprocessor expression and then
// the directive; a condition that does not evaluate takes no branch at all, %else included.
describe('nasm -E: symbols in preprocessor expressions', () => {
  it.each([
    'X equ 5|%if X > 3|db 1|%else|db 2|%endif',
    'X equ 5|%if X > 3 && X < 9|db 1|%elif 1|db 3|%else|db 2|%endif|nop',
    '%if 0|db 1|%elif Y|db 2|%else|db 3|%endif',
    'X equ 5|%assign Y X+1|db Y',
    'X equ 1|%rep X|nop|%endrep',
  ])('%s', (s) => compare(lines(s)));
});
