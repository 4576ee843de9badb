import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkProjectDir } from './projectCheck.js';

const made: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bootlab project ü-'));
  made.push(dir);
  return dir;
}
function crate(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Cargo.toml'), `[package]\nname = "${name}"\nversion = "0.1.0"\n`);
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('checkProjectDir', () => {
  it('accepts a crate folder', () => {
    const dir = folder();
    crate(dir, 'kernel');
    expect(checkProjectDir(dir)).toEqual({ dir, manifestPath: join(dir, 'Cargo.toml') });
  });

  it('says a missing folder does not exist', () => {
    const missing = join(folder(), 'nope');
    expect(() => checkProjectDir(missing)).toThrow(`${missing} does not exist`);
  });

  it('says a file is a file, not a folder', () => {
    const dir = folder();
    crate(dir, 'kernel');
    const file = join(dir, 'Cargo.toml');
    expect(() => checkProjectDir(file)).toThrow(`${file} is a file, not a folder`);
  });

  it('says a folder without Cargo.toml has none', () => {
    const dir = folder();
    expect(() => checkProjectDir(dir)).toThrow(`${dir} has no Cargo.toml`);
  });

  it('lists the member crates of a workspace root to pick from', () => {
    const dir = folder();
    writeFileSync(join(dir, 'Cargo.toml'), '[workspace]\nmembers = ["kernel", "crates/*", "missing"]\nexclude = ["crates/skipped"]\n');
    crate(join(dir, 'kernel'), 'kernel');
    crate(join(dir, 'crates', 'alloc'), 'alloc');
    crate(join(dir, 'crates', 'skipped'), 'skipped');
    mkdirSync(join(dir, 'crates', 'empty'));
    expect(() => checkProjectDir(dir)).toThrow(`${dir} is a workspace without a kernel package (pick one: crates/alloc, kernel)`);
  });

  it('says when a workspace lists no crates', () => {
    const dir = folder();
    writeFileSync(join(dir, 'Cargo.toml'), '[workspace]\nmembers = []\n');
    expect(() => checkProjectDir(dir)).toThrow(`${dir} is a workspace without a kernel package (it lists no member crates)`);
  });

  it('accepts a package that is also its workspace root', () => {
    const dir = folder();
    writeFileSync(join(dir, 'Cargo.toml'), '[package]\nname = "kernel"\nversion = "0.1.0"\n[workspace]\nmembers = ["x"]\n');
    expect(checkProjectDir(dir).dir).toBe(dir);
  });
});
