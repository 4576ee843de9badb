// `bootlab test` through the test service and `--watch` on `bootlab test` and `bootlab run`,
// through the real `bootlab` executable with real cargo and QEMU. The watch tests edit a copy of
// a fixture crate and wait for what the command prints (events), never for a time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCopy } from '../../services/testCrates.js';
import { REPO_ROOT, TEST_TARGET_DIR, processesMatching } from '../../services/testkit.js';
import { splitRest } from './test.js';

const BIN = join(REPO_ROOT, 'bin', 'bootlab.js');
const env = { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR };
const started: ChildProcess[] = [];

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-main.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling the CLI failed: ${built.stderr}`);
});
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

function bootlab(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running `bootlab` whose output can be awaited. */
function background(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const out = { stdout: '', stderr: '' };
  const waiters: (() => void)[] = [];
  const poke = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => ((out.stdout += d.toString()), poke()));
  child.stderr.on('data', (d: Buffer) => ((out.stderr += d.toString()), poke()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (poke(), resolve(code))));
  /** Resolves once `ready()` holds; the timeout is a hang guard only. */
  const until = (what: string, ready: () => boolean, hangGuardMs = 300_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not seen\nstdout: ${out.stdout}\nstderr: ${out.stderr}`)), hangGuardMs);
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          resolve();
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`${what}: bootlab exited first (${child.exitCode})\nstdout: ${out.stdout}\nstderr: ${out.stderr}`));
        } else waiters.push(check);
      };
      check();
    });
  return { child, out, exited, until };
}

const count = (text: string, needle: string | RegExp) => text.split('\n').filter((l) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l))).length;
const runLines = (stderr: string, command: string) => stderr.split('\n').filter((l) => l.startsWith(`bootlab ${command}: run `));

describe('bootlab test', () => {
  // A copy under a package name of its own: other test files run the fixture's own executables at
  // the same time, and two QEMUs cannot share one image file (QEMU's write lock).
  let blog: string;
  beforeAll(() => {
    blog = fixtureCopy('blog-tests', 'cli-test');
  });

  it('splits cargo arguments from the executables\' arguments at a second --', () => {
    expect(splitRest(['--test', 'x', '--', '-m', '64M'])).toEqual({ cargoArgs: ['--test', 'x'], exeArgs: ['-m', '64M'] });
    expect(splitRest(['--lib'])).toEqual({ cargoArgs: ['--lib'], exeArgs: [] });
  });

  it('runs every executable of the blog-style crate and ends with the tally, status 0', () => {
    const r = bootlab(['test', blog]);
    expect(r.status, r.stderr).toBe(0);
    for (const label of ['unittests src/lib.rs', 'unittests src/main.rs', 'tests/basic_boot.rs', 'tests/no_harness.rs', 'tests/should_panic.rs', 'tests/stack_overflow.rs']) {
      expect(r.stdout).toContain(`${label}: passed`);
    }
    expect(r.stdout).toContain('basic_boot::test_println...\ttest_println output\n[ok]');
    expect(r.stdout.endsWith('\ntests: 7 passed, 0 failed\n')).toBe(true);
  });

  it('gives the arguments after a second -- to every test executable (QEMU sees them)', () => {
    const r = bootlab(['test', blog, '--', '--test', 'no_harness', '--', '-bootlab-no-such-option']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('-bootlab-no-such-option');
    expect(r.stdout.endsWith('\ntests: 0 passed, 1 failed\n')).toBe(true);
  });
});

describe('--watch', () => {
  it('bootlab test: one rerun per saved change, a change during a run restarts it, nothing left behind', async () => {
    const crate = fixtureCopy('failing-tests', 'cli-watch');
    // The hang test takes its whole 4 s timeout: long enough to edit while it runs.
    const watch = background(['test', '--watch', crate, '--', '--test', 'hang']);
    const tallies = () => count(watch.out.stdout, /^tests: /);
    await watch.until('the first tally', () => tallies() === 1);
    expect(watch.out.stdout).toContain('tests: 0 passed, 0 failed, 1 timed out');
    await watch.until('waiting for changes', () => watch.out.stderr.includes('bootlab test: waiting for changes'));

    appendFileSync(join(crate, 'src', 'lib.rs'), '// an edit\n');
    await watch.until('run 2 starts', () => watch.out.stderr.includes('bootlab test: run 2, after a change to src/lib.rs'));
    appendFileSync(join(crate, 'tests', 'hang.rs'), '// another edit\n');
    await watch.until('run 2 is stopped and run 3 starts', () => watch.out.stderr.includes('bootlab test: run 3, after a change to tests/hang.rs'));
    expect(watch.out.stderr).toContain('bootlab test: tests/hang.rs changed: stopping this run');
    await watch.until('the second tally', () => tallies() === 2);
    // Exactly the runs the two edits asked for: a duplicate report would have started another.
    expect(runLines(watch.out.stderr, 'test')).toEqual(['bootlab test: run 1', 'bootlab test: run 2, after a change to src/lib.rs', 'bootlab test: run 3, after a change to tests/hang.rs']);

    watch.child.kill('SIGINT');
    await watch.exited;
    expect(processesMatching(crate)).toEqual([]);
  });

  it('bootlab run: a saved change builds and boots again', async () => {
    const crate = fixtureCopy('sample-kernel', 'cli-watch-run');
    const watch = background(['run', '--watch', crate, '--', '-display', 'none']);
    const greetings = () => count(watch.out.stdout, 'The sample kernel is done.');
    await watch.until('the first boot', () => greetings() === 1);
    appendFileSync(join(crate, 'src', 'main.rs'), '// an edit\n');
    await watch.until('the second boot', () => greetings() === 2);
    expect(runLines(watch.out.stderr, 'run')).toEqual(['bootlab run: run 1', 'bootlab run: run 2, after a change to src/main.rs']);
    watch.child.kill('SIGINT');
    await watch.exited;
    expect(processesMatching(crate)).toEqual([]);
  });
});
