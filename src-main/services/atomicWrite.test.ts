import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomicWrite.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writeFileAtomic', () => {
  it('replaces a regular file and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootlab-atomic-'));
    dirs.push(dir);
    const target = join(dir, 'out.img');
    writeFileAtomic(target, 'first');
    writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.img']);
  });

  // A FIFO of the test's own stands for /dev/null and other devices: the machine's /dev/null is
  // shared with every other process (TOOLCHAIN.md "Hazards"), so a test must not depend on it.
  it.runIf(process.platform !== 'win32')('writes into a FIFO or device in place instead of renaming over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootlab-atomic-'));
    dirs.push(dir);
    const fifo = join(dir, 'device');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let received = '';
    reader.stdout.on('data', (d: Buffer) => (received += d.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    writeFileAtomic(fifo, 'through the device');
    await closed;
    expect(received).toBe('through the device');
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['device']);
  });

  it('fails with the reason when the folder cannot be made, leaving nothing behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootlab-atomic-'));
    dirs.push(dir);
    writeFileAtomic(join(dir, 'plain-file'), 'x');
    expect(() => writeFileAtomic(join(dir, 'plain-file', 'sub', 'x.img'), 'x')).toThrow(/ENOTDIR|EEXIST/);
    expect(readdirSync(dir)).toEqual(['plain-file']);
  });
});
