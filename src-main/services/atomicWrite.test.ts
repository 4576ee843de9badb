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

  it('writes into a device such as /dev/null instead of renaming over it', () => {
    writeFileAtomic('/dev/null', 'discarded');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('fails with the reason when the folder cannot be made, leaving nothing behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootlab-atomic-'));
    dirs.push(dir);
    writeFileAtomic(join(dir, 'plain-file'), 'x');
    expect(() => writeFileAtomic(join(dir, 'plain-file', 'sub', 'x.img'), 'x')).toThrow(/ENOTDIR|EEXIST/);
    expect(readdirSync(dir)).toEqual(['plain-file']);
  });
});
