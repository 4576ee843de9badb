// The test service: per-test lines, the tally, cargo's artifact messages (unit), and whole runs
// of the blog-style and the failing fixture crates with real cargo and real QEMU.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestCase, TestExecutableResult } from '../shared/tests.js';
import { tallyLine, tallyOf } from '../shared/tests.js';
import { fixtureCopy } from './testCrates.js';
import { TEST_TARGET_DIR, parentPid, processesMatching } from './testkit.js';
import { TestLineParser } from './testLines.js';
import { cargoArgsFor, runTests, SerialTail, testExecutableOf } from './testRun.js';
import { checkToolchain, type RustToolchain } from './toolchain.js';


describe('per-test lines', () => {
  it("reads the blog's lines even when the result arrives in a later chunk than the name", () => {
    const seen: string[] = [];
    const p = new TestLineParser({ onTest: (t) => seen.push(`${t.name}=${t.outcome}`) });
    p.push('Running 3 tests\r\nblog_os::a...\t');
    p.push('[ok]\nblog_os::b..');
    p.push('.\t[ok]\nblog_os::c...\t[failed]\n\nError: panicked at src/lib.rs:1:2:\nboom\n');
    expect(p.announced).toBe(3);
    expect(p.tests).toEqual([
      { name: 'blog_os::a', outcome: 'passed' },
      { name: 'blog_os::b', outcome: 'passed' },
      { name: 'blog_os::c', outcome: 'failed' },
    ]);
    // b's and c's names and results completed in one push: no running state in between.
    expect(seen).toEqual(['blog_os::a=running', 'blog_os::a=passed', 'blog_os::b=passed', 'blog_os::c=failed']);
  });

  it("reads libtest's form, skips ignored tests, and keeps a test without result as running", () => {
    const p = new TestLineParser();
    p.push('running 3 tests\ntest a::one ... ok\ntest a::two ... FAILED\ntest a::three ... ignored\nhang::spins_forever...\n');
    expect(p.tests).toEqual([
      { name: 'a::one', outcome: 'passed' },
      { name: 'a::two', outcome: 'failed' },
      { name: 'hang::spins_forever', outcome: 'running' },
    ]);
  });

  it('finishes a test whose output came between its name and its result', () => {
    const p = new TestLineParser();
    p.push('basic_boot::test_println...\ttest_println output\n[ok]\nbasic_boot::b...\tsome [log] line\nmore output[failed]\n');
    expect(p.tests).toEqual([
      { name: 'basic_boot::test_println', outcome: 'passed' },
      { name: 'basic_boot::b', outcome: 'failed' },
    ]);
  });

  it('takes any other bracketed result (the blog\'s "[test did not panic]") as a failure', () => {
    const p = new TestLineParser();
    p.push('should_panic::should_fail...\t[test did not panic]\n');
    expect(p.tests).toEqual([{ name: 'should_panic::should_fail', outcome: 'failed' }]);
  });
});

describe('the tally', () => {
  const exe = { id: 'test:x', kind: 'test' as const, name: 'x', path: '/x' };
  const result = (outcome: TestExecutableResult['outcome'], tests: TestCase[]): TestExecutableResult => ({ executable: exe, outcome, ms: 1, tests, serial: '' });
  it('counts printed tests, an executable without lines as one, and a failed executable whose tests all passed as one failure more', () => {
    const tally = tallyOf([
      result('passed', [
        { name: 'a', outcome: 'passed' },
        { name: 'b', outcome: 'passed' },
      ]),
      result('passed', []),
      result('failed', [{ name: 'c', outcome: 'failed' }]),
      result('timed-out', [{ name: 'd', outcome: 'timed-out' }]),
      result('failed', [{ name: 'e', outcome: 'passed' }]),
      result('failed', []),
      result('cancelled', [{ name: 'f', outcome: 'passed' }]),
    ]);
    expect(tally).toEqual({ passed: 4, failed: 3, timedOut: 1 });
    expect(tallyLine(tally)).toBe('tests: 4 passed, 3 failed, 1 timed out');
    expect(tallyLine({ passed: 2, failed: 0, timedOut: 0 })).toBe('tests: 2 passed, 0 failed');
  });
});

describe("cargo's messages", () => {
  it('takes test-profile artifacts with an executable, named by kind', () => {
    const art = (kind: string[], name: string, test: boolean, executable: string | null) => ({
      reason: 'compiler-artifact',
      target: { kind, name, src_path: `/c/${name}.rs` },
      profile: { test },
      executable,
    });
    expect(testExecutableOf(art(['lib'], 'blog_os', true, '/t/deps/blog_os-1'))).toMatchObject({ id: 'lib', kind: 'lib' });
    expect(testExecutableOf(art(['bin'], 'blog_os', true, '/t/deps/blog_os-2'))).toMatchObject({ id: 'bin:blog_os' });
    expect(testExecutableOf(art(['test'], 'basic_boot', true, '/t/deps/basic_boot-3'))).toMatchObject({ id: 'test:basic_boot', path: '/t/deps/basic_boot-3' });
    expect(testExecutableOf(art(['bin'], 'blog_os', false, '/t/blog_os'))).toBeUndefined();
    expect(testExecutableOf(art(['lib'], 'blog_os', false, null))).toBeUndefined();
  });

  it('selects executables by id, and says what a bad id is', () => {
    expect(cargoArgsFor(['lib', 'bin:blog_os', 'test:basic_boot'])).toEqual(['--lib', '--bin', 'blog_os', '--test', 'basic_boot']);
    expect(() => cargoArgsFor(['basic_boot'])).toThrow('"basic_boot" is not a test executable id');
  });
});

describe('whole runs with real cargo and QEMU', () => {
  let rust: RustToolchain;
  // Copies under package names of their own: other test files run the fixtures' own executables
  // at the same time, and two QEMUs cannot share one image file (QEMU's write lock).
  let blog: string;
  let failing: string;
  beforeAll(async () => {
    blog = fixtureCopy('blog-tests', 'service-run');
    failing = fixtureCopy('failing-tests', 'service-run');
    const check = await checkToolchain();
    if (!check.rust) throw new Error('these tests need a Rust toolchain that can build kernels (see bootlab doctor)');
    rust = check.rust;
  });

  it('runs every executable of the blog-style crate, two QEMUs at a time, each test passed', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const result = await runTests({
      projectDir: blog,
      toolchain: rust,
      targetDir: TEST_TARGET_DIR,
      jobs: 2,
      onExecutableStart: () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
      },
      onExecutableEnd: () => running--,
    });
    expect(result.error).toBeUndefined();
    const byId = Object.fromEntries(result.executables.map((r) => [r.executable.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['bin:blog_os', 'lib', 'test:basic_boot', 'test:no_harness', 'test:should_panic', 'test:stack_overflow']);
    for (const r of result.executables) expect(r.outcome, `${r.executable.id}: ${r.message}\n${r.serial}`).toBe('passed');
    expect(byId['lib']!.tests).toEqual([{ name: 'blog_os::trivial_assertion', outcome: 'passed' }]);
    expect(byId['lib']!.announced).toBe(1);
    expect(byId['test:basic_boot']!.tests.map((t) => `${t.name}=${t.outcome}`).sort()).toEqual(['basic_boot::test_arithmetic=passed', 'basic_boot::test_println=passed']);
    expect(byId['test:basic_boot']!.serial).toContain('test_println output');
    expect(byId['test:stack_overflow']!.tests).toEqual([{ name: 'stack_overflow::stack_overflow', outcome: 'passed' }]);
    expect(result.tally).toEqual({ passed: 7, failed: 0, timedOut: 0 });
    expect(mostAtOnce).toBe(2);
  });

  it('reports a panic with its location, a hang as a timeout with where the CPU was, and a triple fault', async () => {
    const result = await runTests({ projectDir: failing, toolchain: rust, targetDir: TEST_TARGET_DIR });
    const byId = Object.fromEntries(result.executables.map((r) => [r.executable.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['test:hang', 'test:panics', 'test:triple_fault']);
    const panics = byId['test:panics']!;
    expect(panics.outcome).toBe('failed');
    expect(panics.panicMessage).toContain('arithmetic is broken');
    expect(panics.panicLocation).toEqual({ file: join(failing, 'tests', 'panics.rs'), line: 9, column: 5 });
    expect(panics.tests).toEqual([{ name: 'panics::fails_an_assertion', outcome: 'failed' }]);
    const hang = byId['test:hang']!;
    expect(hang.outcome).toBe('timed-out');
    expect(hang.tests).toEqual([{ name: 'hang::spins_forever', outcome: 'timed-out' }]);
    expect(hang.message).toMatch(/Timed out after 4 s/);
    expect(hang.message).toMatch(/RIP was 0x[0-9a-f]+ in \S+/);
    expect(byId['test:triple_fault']!.outcome).toBe('failed');
    expect(byId['test:triple_fault']!.message).toMatch(/Triple fault in triple_fault::write_to_unmapped_memory/);
    expect(result.tally).toEqual({ passed: 0, failed: 2, timedOut: 1 });
  });

  it('builds and runs only the executables asked for', async () => {
    const result = await runTests({ projectDir: blog, toolchain: rust, targetDir: TEST_TARGET_DIR, only: ['test:should_panic', 'lib'] });
    expect(result.executables.map((r) => r.executable.id).sort()).toEqual(['lib', 'test:should_panic']);
    expect(result.tally).toEqual({ passed: 2, failed: 0, timedOut: 0 });
  });

  it('ends every QEMU when the run is cancelled', async () => {
    const controller = new AbortController();
    const result = await runTests({
      projectDir: failing,
      toolchain: rust,
      targetDir: TEST_TARGET_DIR,
      only: ['test:hang'],
      signal: controller.signal,
      onTest: (_exe, test) => {
        if (test.outcome === 'running') controller.abort();
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.executables.map((r) => r.outcome)).toEqual(['cancelled']);
    expect(result.tally).toEqual({ passed: 0, failed: 0, timedOut: 0 });
    // Only this process's own QEMUs: other test files run the same fixture at the same time.
    expect(processesMatching('qemu-system').filter((p) => p.cmd.includes('bootlab-hang-') && parentPid(p.pid) === process.pid)).toEqual([]);
  });
});

describe('output limits', () => {
  it('keeps the serial tail and finds a result after a long unfinished line', () => {
    const tail = new SerialTail(10);
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') tail.push(ch);
    expect(tail.text()).toBe('qrstuvwxyz');
    const p = new TestLineParser();
    p.push('crate::t...\t');
    for (let i = 0; i < 5000; i++) p.push('x');
    p.push('[ok]\n');
    expect(p.tests).toEqual([{ name: 'crate::t', outcome: 'passed' }]);
  });
});
