// The child tie's command lines (unit), and the tie itself on this machine: a real Node parent is
// SIGKILLed and the children it spawned through spawnTree must end (Linux only; elsewhere there is
// no parent-death signal and the children run untied, as childTie.ts says).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTieTools, resolveProgram, tieToOurLife } from './childTie.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab child tie ü-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOOLS = { setpriv: '/usr/bin/setpriv', timeout: '/usr/bin/timeout' };

describe('child tie command lines', () => {
  it('runs a single program under setpriv with a parent-death SIGKILL, exec in place', () => {
    const program = join(dir, 'fake qemu');
    writeFileSync(program, '');
    chmodSync(program, 0o755);
    expect(tieToOurLife(program, ['-drive', 'x'], 'process', { tools: TOOLS })).toEqual({
      command: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'KILL', '--', program, '-drive', 'x'],
      tie: 'pdeathsig',
    });
  });

  it('runs a process tree under setpriv and GNU timeout, which passes the signal to the whole group', () => {
    const program = join(dir, 'cargo');
    writeFileSync(program, '');
    chmodSync(program, 0o755);
    const tied = tieToOurLife('cargo', ['build'], 'group', { tools: TOOLS, env: { PATH: `/nonexistent:${dir}` } });
    expect(tied).toEqual({
      command: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'TERM', '--', '/usr/bin/timeout', '0', program, 'build'],
      tie: 'pdeathsig-group',
    });
  });

  it('leaves the command alone where a tool is missing or the program cannot be found', () => {
    expect(tieToOurLife('/bin/true', [], 'process', { tools: {} }).tie).toBe('none');
    expect(tieToOurLife('/bin/true', [], 'group', { tools: { setpriv: TOOLS.setpriv } }).tie).toBe('none');
    // Node's own ENOENT stays the error for a missing program (setpriv would say "exit 127").
    expect(tieToOurLife(join(dir, 'no-such-qemu'), ['-x'], 'process', { tools: TOOLS })).toEqual({
      command: join(dir, 'no-such-qemu'),
      args: ['-x'],
      tie: 'none',
    });
    expect(resolveProgram('no-such-program-here', { PATH: dir }, dir)).toBeUndefined();
    expect(resolveProgram('./cargo', {}, dir)).toBe(join(dir, 'cargo'));
  });

  it('offers nothing off Linux', () => {
    expect(detectTieTools('darwin')).toEqual({});
    expect(detectTieTools('win32')).toEqual({});
  });
});

/** Whether a process still runs (a zombie waiting for init to reap it has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes in a process group (Linux /proc). */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[0] !== 'Z' && Number(fields[2]) === pgid;
      } catch {
        return false;
      }
    });
}

/** Polls until `test` holds; the bound is a hang guard, not a speed limit. */
async function until(what: string, test: () => boolean, guardMs = 30_000): Promise<void> {
  for (const end = Date.now() + guardMs; !test(); ) {
    if (Date.now() > end) throw new Error(`hang guard: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A Node parent that spawns a command line as proc.ts does (own process group, no shell), prints
// the child's pid and lives on until it is killed.
const PARENT = `
const { spawn } = require('node:child_process');
const [command, args] = JSON.parse(process.argv[1]);
const child = spawn(command, args, { detached: true, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (d) => process.stdout.write(d));
child.on('spawn', () => process.stdout.write('child ' + child.pid + '\\n'));
setInterval(() => {}, 1000);
`;

async function spawnParent(command: string, args: string[], ready: RegExp) {
  const parent = spawn(process.execPath, ['-e', PARENT, JSON.stringify([command, args])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await until(`the parent's child is up (${out})`, () => ready.test(out));
  const exited = new Promise((r) => parent.once('exit', r));
  return { parent, childPid: Number(/child (\d+)/.exec(out)![1]), output: () => out, exited };
}

describe.runIf(process.platform === 'linux')('child tie on this machine', () => {
  it('finds setpriv with --pdeathsig and GNU timeout (util-linux and coreutils are on every Debian)', () => {
    expect(detectTieTools()).toEqual({ setpriv: expect.stringMatching(/setpriv$/), timeout: expect.stringMatching(/timeout$/) });
  });

  it('ends a tied program when its Node parent is SIGKILLed; the program keeps its pid and parent', async () => {
    const tied = tieToOurLife('sleep', ['600'], 'process');
    expect(tied.tie).toBe('pdeathsig');
    const { parent, childPid, exited } = await spawnParent(tied.command, tied.args, /child \d+/);
    // setpriv has exec'd: the child is `sleep` itself, the direct child of the Node parent.
    await until('setpriv execs sleep', () => readFileSync(`/proc/${childPid}/comm`, 'utf8').trim() === 'sleep');
    const stat = readFileSync(`/proc/${childPid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])).toBe(parent.pid);
    parent.kill('SIGKILL');
    await exited;
    await until('the tied sleep ends', () => !running(childPid));
  });

  it('ends a tied process tree (a program and what it started) when its Node parent is SIGKILLed', async () => {
    // A stand-in for cargo: a program that starts two more and waits for them, as cargo waits for rustc.
    const script = join(dir, 'tree.sh');
    writeFileSync(script, '#!/bin/sh\nsleep 600 &\nsleep 601 &\necho started\nwait\n');
    chmodSync(script, 0o755);
    const tied = tieToOurLife(script, [], 'group');
    expect(tied.tie).toBe('pdeathsig-group');
    const { parent, childPid, exited } = await spawnParent(tied.command, tied.args, /started/);
    // The group: timeout (the leader, pid = childPid), the script and its two sleeps.
    const members = groupMembers(childPid);
    expect(members.length).toBe(4);
    parent.kill('SIGKILL');
    await exited;
    await until('the whole tree ends', () => members.every((pid) => !running(pid)));
  });
});
