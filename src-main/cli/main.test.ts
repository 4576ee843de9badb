import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
