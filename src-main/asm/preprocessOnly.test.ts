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
