import { execFileSync, spawnSync } from 'node:child_process';
import fs, { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliCommand, CliIo } from './command.js';
import { runCli } from './main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: process.cwd(), env: {} };
  return { io, out, err };
}

const echo: CliCommand = {
  name: 'echo',
  summary: 'prints its arguments',
  usage: 'bootlab echo ARGS...',
  run: async (argv, io) => {
    io.stdout(argv.join(' '));
    return argv.length === 0 ? 1 : 0;
  },
};

describe('bootlab CLI dispatcher', () => {
  it('routes to a subcommand and returns its status', async () => {
    const { io, out } = capture();
    expect(await runCli(['echo', 'a', 'b'], io, [echo])).toBe(0);
    expect(out.join('')).toBe('a b');
  });

  it('prints per-command help and rejects unknown commands with a hint', async () => {
    const help = capture();
    expect(await runCli(['echo', '--help'], help.io, [echo])).toBe(0);
    expect(help.out.join('')).toContain('bootlab echo ARGS...');
    const unknown = capture();
    expect(await runCli(['frobnicate'], unknown.io, [echo])).toBe(2);
    expect(unknown.err.join('')).toContain("unknown command 'frobnicate'");
  });

  it('the bundled bin prints the package version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    execFileSync(process.execPath, ['scripts/build-main.js']);
    expect(execFileSync(process.execPath, ['bin/bootlab.js', '--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });
});

// `bootlab asm` through bin/bootlab.js: its own bundle (out/asm-cli.cjs), not the whole CLI, compiled
// from the code cache the build writes, and a missing or stale cache written again.
const root = path.resolve('.');
const cache = path.join(root, 'out', 'asm-cli.v8cache');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'asm-main-test-'));

function asm(): { stderr: string; bytes: Buffer } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'bootlab.js'), 'asm', '-o', 'a.bin', 'a.asm'], { cwd: work, encoding: 'utf8', env: { ...process.env, BOOTLAB_TRACE: '1' } });
  expect(r.status, r.stderr).toBe(0);
  return { stderr: r.stderr, bytes: fs.readFileSync(path.join(work, 'a.bin')) };
}

beforeAll(() => {
  // out/ is built by the bundled-bin test above (tests in a file run in order).
  fs.writeFileSync(path.join(work, 'a.asm'), 'bits 16\nstart: mov ax, 1\n jmp start\n');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('bootlab asm start-up path (bin/bootlab.js)', () => {
  it('runs the assembler bundle from the build-time code cache, without loading the whole CLI', () => {
    const { stderr, bytes } = asm();
    expect([...bytes]).toEqual([0xb8, 0x01, 0x00, 0xeb, 0xfb]);
    expect(stderr).toContain('asm bundle compiled (code cache accepted)');
    expect(stderr).not.toContain('cli started');
  });

  it('writes the cache again when it is missing or V8 rejects it', () => {
    fs.rmSync(cache);
    expect(asm().stderr).toContain('(code cache none)');
    expect(asm().stderr).toContain('(code cache accepted)');
    fs.writeFileSync(cache, Buffer.from('not a V8 code cache'));
    expect(asm().stderr).toContain('(code cache rejected)');
    expect(asm().stderr).toContain('(code cache accepted)');
  });

  it('prints the command help and fails on a missing input as the dispatcher does', () => {
    const help = spawnSync(process.execPath, [path.join(root, 'bin', 'bootlab.js'), 'asm', '--help'], { cwd: work, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^assemble a NASM-dialect source to a flat binary\n\nusage: bootlab asm /);
    const missing = spawnSync(process.execPath, [path.join(root, 'bin', 'bootlab.js'), 'asm', 'none.asm'], { cwd: work, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("unable to open input file `none.asm'");
  });
});
