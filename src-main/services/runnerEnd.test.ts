// Issue 15: `bootlab runner` ends when QEMU has exited and its output has closed, not on a timer.
// The runner as cargo calls it, on a real blog-style test executable (built by the test warm-up)
// in real QEMU, with the timers of everything it does counted through Vitest's fake timers: none
// is advanced, so a run that needed one to fire would never end, and none may be left pending
// (a pending timer holds the command-line process open after the test's last line).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bootLogMemoryMap, defaultDiskImageBuilder } from './bootParts.js';
import { runKernel } from './runner.js';
import { REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';

const DEPS = join(TEST_TARGET_DIR, 'x86_64-blog_os', 'debug', 'deps');
const CRATE = join(REPO_ROOT, 'fixtures', 'crates', 'blog-tests');

describe('the runner ends at QEMU\'s end', () => {
  it('returns the test\'s status with no timer fired or left behind, and reads the executable only for the image', async () => {
    const executable = readdirSync(DEPS).find((name) => /^basic_boot-[0-9a-f]+$/.test(name));
    expect(executable, `the test warm-up builds blog-tests' test executables into ${DEPS}`).toBeDefined();
    let stdout = '';
    let stderr = '';
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let pending: number;
    // The diagnosis's reads of the executable (symbols, lines): a passing test needs none.
    let diagnosisReads = 0;
    let result: Awaited<ReturnType<typeof runKernel>>;
    try {
      result = await runKernel({
        kernelPath: join(DEPS, executable!),
        args: [],
        mode: 'runner',
        cwd: CRATE,
        env: { ...process.env, CARGO_MANIFEST_DIR: CRATE },
        stdout: (bytes) => (stdout += bytes.toString('latin1')),
        stderr: (text) => (stderr += text),
        buildDiskImage: defaultDiskImageBuilder,
        parseBootLog: bootLogMemoryMap,
        readKernelFile: (path) => {
          diagnosisReads++;
          return readFileSync(path);
        },
      });
      pending = vi.getTimerCount();
    } finally {
      vi.useRealTimers();
    }
    expect(result.exitCode, stderr).toBe(0);
    expect(stdout).toContain('basic_boot::test_arithmetic...\t[ok]');
    expect(pending).toBe(0);
    expect(diagnosisReads).toBe(0);
  });
});
