// `bootlab asm` command line: NASM's warning switches in every form, with NASM 2.16.01 as the oracle.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asmCommand } from './asm.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bootlab-asm-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'in.asm'), 'db 300\nlbl\nmov ax, 0x12345\n');

async function ours(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await asmCommand.run([...args, '-o', 'ours.bin', 'in.asm'], { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
  return { code, stderr };
}

function nasm(args: string[]): { code: number; stderr: string } {
  const r = spawnSync('nasm', ['-f', 'bin', ...args, '-o', 'nasm.bin', 'in.asm'], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** `file:line: severity: message`, without our column. */
const messages = (stderr: string, prefix: string): string[] =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^(in\.asm:\d+):\d+:/, '$1:').replace(`${prefix}:`, 'PROG:'));

describe('bootlab asm warning options', () => {
  it.each([
    ['-w+orphan-labels'],
    ['-Wall'],
    ['-w-all'],
    ['-w+all'],
    ['-w-unknown-warning', '-w-reloc'],
    ['-w+unknown-warning', '-w-reloc'],
    ['-Werror'],
    ['-Werror', '-Wno-error'],
    ['-Werror=number-overflow'],
    ['-w+error=label-orphan'],
    ['-w-macro-defaults', '-w+macro-defaults'],
    ['-Wno-label-orphan', '-Wno-number-overflow'],
    ['-w', '-number-overflow'],
    ['-W', 'no-label'],
  ])('%s', async (...args) => {
    const n = nasm(args);
    const o = await ours(args);
    expect(o.code, o.stderr).toBe(n.code);
    expect(messages(o.stderr, 'bootlab asm')).toEqual(messages(n.stderr, 'nasm'));
  });

  it('options may follow the input file', async () => {
    let stderr = '';
    const code = await asmCommand.run(['in.asm', '-o', 'after.bin', '-w-all'], { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect([...fs.readFileSync(path.join(dir, 'after.bin'))]).toEqual([0x2c, 0xb8, 0x45, 0x23]);
  });
});

describe('bootlab asm file safety', () => {
  const run = async (args: string[]) => {
    let stderr = '';
    const code = await asmCommand.run(args, { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
    return { code, stderr };
  };

  it('refuses to incbin or %include a device, FIFO or directory instead of hanging', async () => {
    const fifo = path.join(dir, 'pipe');
    spawnSync('mkfifo', [fifo]);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    for (const [src, want] of [
      ['incbin "pipe"\n', /1:\d+: error: `incbin': unable to read file `pipe': not a regular file/],
      ['incbin "/dev/zero"\n', /1:\d+: error: `incbin': unable to read file `\/dev\/zero': not a regular file/],
      ['nop\n%include "pipe"\n', /2:\d+: error: unable to open include file `pipe': not a regular file/],
      ['%include "/dev/zero"\n', /1:\d+: error: unable to open include file `\/dev\/zero': not a regular file/],
      ['incbin "/tmp"\n', /1:\d+: error: `incbin': unable to read file `\/tmp': is a directory/],
    ] as const) {
      fs.writeFileSync(path.join(dir, 'dev.asm'), src);
      const r = await run(['-o', 'dev.bin', 'dev.asm']);
      expect(r.code, src).toBe(1);
      expect(r.stderr, src).toMatch(want);
    }
  });

  it('leaves an existing output file alone when assembly fails (NASM deletes it)', async () => {
    const outFile = path.join(dir, 'keep.bin');
    fs.writeFileSync(outFile, 'previous build');
    fs.writeFileSync(path.join(dir, 'bad.asm'), 'mov al, bx\n');
    const r = await run(['-o', 'keep.bin', 'bad.asm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.asm:1:\d+: error: invalid combination of opcode and operands/);
    expect(fs.readFileSync(outFile, 'utf8')).toBe('previous build');
  });
});

describe('messages from inside a macro name the macro line, as NASM 2.16.01 prints them', () => {
  it.each([
    ['%macro m 1 a', ' %warning %0 %1 %2 %3', '%endmacro', 'm one', 'm'],
    ['%macro outer 0', ' inner 300', '%endmacro', '%macro inner 1', ' db %1', '%endmacro', 'outer'],
    ['%macro bad 0', ' ; comment', ' mov ax, 0x12345', ' %error oops   in   macro', '%endmacro', 'bad'],
    // A .nolist macro is not named (8088_bios's setloc): its lines are reported at the invocation.
    ['%imacro setloc 1.nolist', '%assign pad (%1-($-$$))', '%if pad > 0', '%warning Inserting pad bytes', ' times pad db 0FFh', '%endif', '%endm', 'nop', 'SETLOC 8', 'db 300'],
    ['%macro quiet 0.nolist', ' loud', '%endmacro', '%macro loud 0', ' db 300', '%endmacro', 'quiet'],
  ])('%s', async (...src) => {
    fs.writeFileSync(path.join(dir, 'mac.asm'), src.join('\n') + '\n');
    const r = spawnSync('nasm', ['-f', 'bin', '-o', 'nasm.bin', 'mac.asm'], { cwd: dir, encoding: 'utf8' });
    let stderr = '';
    const code = await asmCommand.run(['-o', 'ours.bin', 'mac.asm'], { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
    expect(code).toBe(r.status);
    expect(stderr.replace(/^(mac\.asm:\d+):\d+:/gm, '$1:')).toBe(r.stderr);
  });
});

describe('-p/-P read files before the source (NASM regression suite: inctest)', () => {
  it.each([
    [['-p', 'pre1.inc']],
    [['-Ppre1.inc', '-p', 'pre2.inc']],
    [['-p', 'pre2.inc', '-p', 'pre1.inc']],
  ])('%s', async (args) => {
    fs.writeFileSync(path.join(dir, 'pre1.inc'), '%define FIRST 1\ndb 0x11\n');
    fs.writeFileSync(path.join(dir, 'pre2.inc'), '%ifdef FIRST\ndb 0x22\n%else\ndb 0x33\n%endif\n');
    fs.writeFileSync(path.join(dir, 'main.asm'), 'db FIRST + 0x40\n');
    const r = spawnSync('nasm', ['-f', 'bin', ...args, '-o', 'nasm.bin', 'main.asm'], { cwd: dir, encoding: 'utf8' });
    let stderr = '';
    const code = await asmCommand.run([...args, '-o', 'ours.bin', 'main.asm'], { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
    expect(code, stderr).toBe(r.status);
    expect(code).toBe(0);
    expect([...fs.readFileSync(path.join(dir, 'ours.bin'))]).toEqual([...fs.readFileSync(path.join(dir, 'nasm.bin'))]);
  });
  it('a missing pre-include file is an error naming it', async () => {
    let stderr = '';
    const code = await asmCommand.run(['-p', 'nothere.inc', '-o', 'ours.bin', 'in.asm'], { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain("unable to open include file `nothere.inc'");
  });
});

describe('bootlab asm -E (preprocess only)', () => {
  const src = '%define V 7\n%rep 2\ndb V ; seven\n%endrep\n%ifdef X\nnop\n%endif\n';
  fs.writeFileSync(path.join(dir, 'pp.asm'), src);
  const nasmE = (args: string[]): string => spawnSync('nasm', ['-E', ...args, 'pp.asm'], { cwd: dir, encoding: 'utf8' }).stdout;

  it.each([['-E'], ['-e'], ['-E', '-DX']])('%s writes what nasm prints to stdout', async (...args) => {
    let stdout = '';
    const code = await asmCommand.run([...args, 'pp.asm'], { stdout: (s) => (stdout += s), stderr: () => {}, cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toBe(nasmE(args.filter((a) => a.startsWith('-D'))));
  });

  it('-E -o writes the file, options in any order', async () => {
    const code = await asmCommand.run(['pp.asm', '-o', 'pp.i', '-E'], { stdout: () => {}, stderr: () => {}, cwd: dir });
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'pp.i'), 'utf8')).toBe(nasmE([]));
  });

  it('-E with a preprocessor error fails with the message and leaves an existing output file alone', async () => {
    fs.writeFileSync(path.join(dir, 'bad.asm'), 'db 1\n%error stop here\n');
    fs.writeFileSync(path.join(dir, 'bad.i'), 'previous');
    let stderr = '';
    const code = await asmCommand.run(['-E', '-o', 'bad.i', 'bad.asm'], { stdout: () => {}, stderr: (s) => (stderr += s), cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toContain('bad.asm:2:1: error: stop here');
    expect(fs.readFileSync(path.join(dir, 'bad.i'), 'utf8')).toBe('previous');
  });
});
