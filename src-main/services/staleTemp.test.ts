import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOwnedTempDir, ownerOf, processAlive, sweepStaleTempDirs } from './staleTemp.js';

let parent: string;
let deadPid: number;

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'bootlab stale sweep ü-'));
  // A pid that certainly belonged to a process that has ended: one we started and waited for.
  const ended = spawnSync(process.execPath, ['-e', '0']);
  deadPid = ended.pid!;
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('stale temp folders', () => {
  it('names its folders after the owning process', () => {
    const dir = makeOwnedTempDir('qemu', parent);
    expect(basename(dir)).toMatch(new RegExp(`^bootlab-qemu-${process.pid}-.{6}$`));
    expect(ownerOf(basename(dir))).toBe(process.pid);
    expect(ownerOf('bootlab-run-1234-7')).toBe(1234);
    expect(ownerOf('bootlab-runner-99-abcdef')).toBe(99);
    // Names from before the owner was recorded, and other folders, are not ours to judge.
    expect(ownerOf('bootlab-qemu-Ab12Cd')).toBeUndefined();
    expect(ownerOf('bootlab-runner-123456')).toBeUndefined();
    expect(ownerOf('bootlab-asm-1234-x')).toBeUndefined();
    rmSync(dir, { recursive: true });
  });

  it('tells live processes from ended ones', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(process.ppid)).toBe(true);
    expect(processAlive(deadPid)).toBe(false);
    expect(processAlive(0)).toBe(false);
  });

  it('removes only the folders of processes that no longer run', async () => {
    const stale = ['qemu', 'runner', 'run'].map((kind) => {
      const dir = join(parent, `bootlab-${kind}-${deadPid}-${kind === 'run' ? '3' : 'xYz123'}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.log'), 'left behind');
      return dir;
    });
    const kept = [
      makeOwnedTempDir('runner', parent), // ours
      join(parent, `bootlab-qemu-${process.ppid}-aaaaaa`), // a live Bootlab's
      join(parent, 'bootlab-qemu-Ab12Cd'), // an old-style name: owner unknown
      join(parent, `bootlab-asm-${deadPid}-x`), // not one of the swept kinds
    ];
    for (const dir of kept) mkdirSync(dir, { recursive: true });
    const file = join(parent, `bootlab-run-${deadPid}-file`);
    writeFileSync(file, 'a file, not a folder');

    const removed = await sweepStaleTempDirs({ parent });
    expect(removed.sort()).toEqual([...stale].sort());
    for (const dir of stale) expect(existsSync(dir)).toBe(false);
    for (const dir of kept) expect(existsSync(dir)).toBe(true);
    expect(existsSync(file)).toBe(true);
    // A second sweep finds nothing more to do.
    expect(await sweepStaleTempDirs({ parent })).toEqual([]);
    expect(readdirSync(parent).length).toBe(kept.length + 1);
  });

  it('asks about each owner once per folder and never about its own pid', async () => {
    const sub = mkdtempSync(join(parent, 'own-'));
    makeOwnedTempDir('qemu', sub);
    mkdirSync(join(sub, 'bootlab-runner-4242-abcdef'));
    const asked: number[] = [];
    const removed = await sweepStaleTempDirs({ parent: sub, isAlive: (pid) => (asked.push(pid), true) });
    expect(removed).toEqual([]);
    expect(asked).toEqual([4242]);
  });

  it('does nothing when the folder cannot be read', async () => {
    expect(await sweepStaleTempDirs({ parent: join(parent, 'missing') })).toEqual([]);
  });
});
