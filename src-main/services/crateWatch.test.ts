// The crate watcher on real files: one report per saved change, target/ and other folders
// ignored, folders created later watched, the same with polling. Each test waits for reports
// (events), never for a time: a second, different change marks where the first one's reports end.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWatchedPath, watchCrate, type CrateWatch, type WatchMode } from './crateWatch.js';

let dir: string;
let watcher: CrateWatch | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab-watch-'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'target', 'debug'), { recursive: true });
  writeFileSync(join(dir, 'Cargo.toml'), '[package]\nname = "k"\n');
  writeFileSync(join(dir, 'src', 'main.rs'), 'fn main() {}\n');
});
afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts watching; `next()` resolves with the next report. */
function start(mode: WatchMode) {
  const reports: string[][] = [];
  const waiting: ((paths: string[]) => void)[] = [];
  watcher = watchCrate({
    dir,
    mode,
    debounceMs: 100,
    pollMs: 100,
    onChange: (paths) => {
      const waiter = waiting.shift();
      if (waiter) waiter(paths);
      else reports.push(paths);
    },
  });
  expect(watcher.mode).toBe(mode);
  const next = () => (reports.length ? Promise.resolve(reports.shift()!) : new Promise<string[]>((resolve) => waiting.push(resolve)));
  return { next };
}

describe('which paths count', () => {
  it('takes src/, tests/, benches/, examples/, .cargo/, Cargo.toml and build.rs, never target/', () => {
    for (const p of ['src/lib.rs', 'src\\a\\b.rs', 'tests/basic_boot.rs', '.cargo/config.toml', 'Cargo.toml', 'build.rs', 'tests', 'examples/x.rs']) expect(isWatchedPath(p), p).toBe(true);
    for (const p of ['target/debug/k', 'README.md', 'Cargo.lock', '', 'srcx/a.rs', 'notes/src/a.rs']) expect(isWatchedPath(p), p).toBe(false);
  });
});

describe.each<WatchMode>(['events', 'poll'])('watching with %s', (mode) => {
  it('reports one saved change once, and ignores target/ and other files', async () => {
    const { next } = start(mode);
    appendFileSync(join(dir, 'src', 'main.rs'), '// edit\n');
    expect(await next()).toEqual(['src/main.rs']);
    writeFileSync(join(dir, 'target', 'debug', 'k'), 'binary');
    writeFileSync(join(dir, 'README.md'), 'text');
    appendFileSync(join(dir, 'Cargo.toml'), '# edit\n');
    // Had the first edit been reported twice, or target/ or README.md at all, this would differ.
    expect(await next()).toEqual(['Cargo.toml']);
  });

  it('watches folders created after it started, and reports deletions', async () => {
    const { next } = start(mode);
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 'basic_boot.rs'), '// test\n');
    expect((await next()).filter((p) => p !== 'tests')).toEqual(['tests/basic_boot.rs']);
    appendFileSync(join(dir, 'tests', 'basic_boot.rs'), '// edit\n');
    expect(await next()).toEqual(['tests/basic_boot.rs']);
    rmSync(join(dir, 'src', 'main.rs'));
    expect(await next()).toEqual(['src/main.rs']);
  });
});
