// The kernel commands through the real `bootlab` executable (bin/bootlab.js -> out/cli.js) with
// real cargo and QEMU: `cargo test` with `runner = "bootlab runner"`, `bootlab test` on kernels
// that panic, hang and triple-fault, `bootlab run --memory-map`, `bootlab build` errors and
// `bootlab doctor` with PATH emptied.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cargoInvocation } from '../../services/cargo.js';
import { REPO_ROOT, TEST_TARGET_DIR } from '../../services/testkit.js';
import { checkToolchain, type RustToolchain } from '../../services/toolchain.js';

const BIN = join(REPO_ROOT, 'bin', 'bootlab.js');
const CRATES = join(REPO_ROOT, 'fixtures', 'crates');
let tmp: string;
let shimDir: string;
let rust: RustToolchain;

function bootlab(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-main.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling the CLI failed: ${built.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'bootlab-cli-'));
  // `bootlab` on PATH, as after `npm install -g bootlab`: the blog's runner line then works as is.
  shimDir = join(tmp, 'bin');
  mkdirSync(shimDir);
  const shim = join(shimDir, 'bootlab');
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(shim, 0o755);
  const check = await checkToolchain();
  if (!check.rust) throw new Error('these tests need a Rust toolchain that can build kernels (see bootlab doctor)');
  rust = check.rust;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Live QEMU processes (Linux /proc; zombies do not count). */
function qemuPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system');
      } catch {
        return false;
      }
    });
}

describe('bootlab runner as the cargo runner', () => {
  /** `cargo test` of the blog-style crate with `bootlab` on PATH, as a user runs it. */
  function cargoTestBlogCrate(env: NodeJS.ProcessEnv = {}) {
    const inv = cargoInvocation({
      projectDir: join(CRATES, 'blog-tests'),
      toolchain: rust,
      subcommand: 'test',
      messageFormat: null,
      env: { ...process.env, PATH: `${shimDir}${delimiter}${process.env.PATH}`, CARGO_TARGET_DIR: TEST_TARGET_DIR, ...env },
    });
    return spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', timeout: 600_000 });
  }

  it('runs `cargo test` of a blog-style crate as bootimage would (unit tests, harness and harness = false tests)', () => {
    const r = cargoTestBlogCrate();
    expect(r.status, r.stderr).toBe(0);
    for (const test of ['unittests src/lib.rs', 'unittests src/main.rs', 'tests/basic_boot.rs', 'tests/no_harness.rs', 'tests/should_panic.rs', 'tests/stack_overflow.rs']) {
      expect(r.stderr).toContain(`Running ${test}`);
    }
    expect(r.stdout).toContain('blog_os::trivial_assertion...\t[ok]');
    expect(r.stdout).toContain('blog_os::main_assertion...\t[ok]');
    expect(r.stdout).toContain('basic_boot::test_arithmetic...\t[ok]');
    expect(r.stdout).toContain('should_panic::should_fail...\t[ok]');
    expect(r.stdout).toContain('no_harness::runs_without_a_harness...\t[ok]');
    expect(r.stdout).toContain('stack_overflow::stack_overflow...\t[ok]');
  });

  it('runs `cargo test` under OVMF when the runner line says `bootlab runner --firmware uefi`', () => {
    // The crate's runner line with the firmware option, as a user would write it (cargo takes the target's env form first).
    const r = cargoTestBlogCrate({ CARGO_TARGET_X86_64_BLOG_OS_RUNNER: 'bootlab runner --firmware uefi' });
    expect(r.status, r.stderr).toBe(0);
    // Every test executable went through OVMF's boot manager and Bootlab's UEFI loader.
    expect(r.stdout.match(/BdsDxe: starting Boot0\d+ "UEFI QEMU HARDDISK/g)).toHaveLength(6);
    for (const test of ['blog_os::trivial_assertion', 'basic_boot::test_arithmetic', 'should_panic::should_fail', 'no_harness::runs_without_a_harness', 'stack_overflow::stack_overflow']) {
      expect(r.stdout).toContain(`${test}...\t[ok]`);
    }
  });

  it('fails a panicking test with the panic message, and counts it', () => {
    const r = bootlab(['test', join(CRATES, 'failing-tests'), '--', '--test', 'panics']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bootlab: tests/panics.rs: Kernel panicked at tests/panics.rs:9:5: assertion `left == right` failed: arithmetic is broken');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('tests: 0 passed, 1 failed');
  });

  it('fails a hanging test after test-timeout with the last serial line and RIP', () => {
    const r = bootlab(['test', join(CRATES, 'failing-tests'), '--', '--test', 'hang']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: Timed Out');
    expect(r.stderr).toMatch(/Timed out after 4 s: the kernel did not exit\. RIP was 0x[0-9a-f]+ in \S+/);
    expect(r.stderr).toContain('Last serial line: "hang::spins_forever..."');
    // Where it was spinning, as a call chain (read at the timeout) into the test's own code.
    expect(r.stderr).toMatch(/\n {2}hang::spin_forever \(.*\)\n {2}_start \(tests\/hang\.rs:\d+\)\n/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('tests: 0 passed, 0 failed, 1 timed out');
  });

  it('fails a triple-faulting test (QEMU exits 0) and names the faulting function', () => {
    const r = bootlab(['test', join(CRATES, 'failing-tests'), '--', '--test', 'triple_fault']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bootlab: tests\/triple_fault\.rs: Triple fault in triple_fault::write_to_unmapped_memory\+0x[0-9a-f]+: #PF page fault \(error 0x2, CR2=0xdeadbeaf000\)/);
    expect(r.stderr).toContain('triple fault\n');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('tests: 0 passed, 1 failed');
  });
});

describe('bootlab run, build, doctor', () => {
  it('runs the sample kernel with serial on stdout and writes the memory map it received', () => {
    const mapFile = join(tmp, 'map.json');
    const r = bootlab([
      'run',
      join(REPO_ROOT, 'resources', 'sample-kernel'),
      '--memory-map',
      mapFile,
      '--',
      '-display',
      'none',
      '-nic',
      'none',
      '-device',
      'isa-debug-exit,iobase=0xf4,iosize=0x04',
    ]);
    expect(r.status, r.stderr).toBe(33);
    expect(r.stdout).toContain('Hello from the Bootlab sample kernel!');
    const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { regions: unknown[]; e820: unknown[] };
    const printed = [...r.stdout.matchAll(/^region 0x([0-9a-f]+)\.\.0x([0-9a-f]+) (\w+)\r?$/gm)].map((m) => ({
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      type: m[3],
    }));
    expect(map.regions).toEqual(printed);
    expect(map.e820.length).toBeGreaterThan(0);
  });

  it('ends QEMU when it is itself ended (Ctrl-C, timeout), although QEMU runs in its own process group', async () => {
    // A kernel that idles (sti; hlt) runs on until it is ended (one that halts would end the run itself).
    const idle = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'idle');
    const child = spawn(process.execPath, [BIN, 'run', idle, '--', '-display', 'none'], {
      cwd: join(CRATES, 'outcomes'),
      env: { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no greeting in 300 s: ${stdout}`)), 300_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('idling')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const qemuBefore = qemuPids().filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bootlab-idle.img'));
    expect(qemuBefore.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(qemuPids().filter((pid) => qemuBefore.includes(pid))).toEqual([]);
  });

  it('reports compile errors with file:line:column and a failing status', () => {
    const r = bootlab(['build', join(CRATES, 'compile-error')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('src/main.rs:9:18');
    expect(r.stderr).toContain('bootlab build: build failed with 1 error');
  });

  it('prints the doctor\'s report, not a stack trace, when PATH is empty', () => {
    const env = { PATH: '', HOME: tmp, BOOTLAB_NO_SYSTEM_DIRS: '1', BOOTLAB_SETTINGS: join(tmp, 'settings.json') };
    const doctor = bootlab(['doctor'], { env });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/MISSING cargo/);
    expect(doctor.stdout).toMatch(/MISSING qemu/);
    expect(doctor.stdout).toMatch(/install: /);
    const build = bootlab(['build', join(REPO_ROOT, 'resources', 'sample-kernel')], { env });
    expect(build.status).toBe(1);
    expect(build.stderr).toContain('no Rust toolchain that can build kernels was found');
    expect(build.stderr).not.toMatch(/\n\s+at /);
  });

  it('has --help with examples for every kernel command', () => {
    for (const command of ['build', 'run', 'runner', 'test', 'doctor']) {
      const r = bootlab([command, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: bootlab ${command}`);
      expect(r.stdout).toMatch(/Examples/);
    }
  });
});
