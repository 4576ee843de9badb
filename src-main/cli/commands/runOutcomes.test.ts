// How `bootlab run` ends, through the real executable (bin/bootlab.js -> out/cli.js) with real
// cargo and QEMU, on the outcome fixture kernels (fixtures/crates/outcomes): a halted kernel
// ends the run with status 0 and where it halted; a panic is reported when it happens and the
// run ends at the handler's halt with status 1; a triple fault ends the run (no reboot loop) with
// the call chain through the user's three functions, with and without frame pointers.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cargoInvocation } from '../../services/cargo.js';
import { FRAME_POINTER_RUSTFLAGS, FRAME_POINTER_TARGET_DIR as FP_TARGET_DIR, REPO_ROOT, TEST_TARGET_DIR } from '../../services/testkit.js';
import { findRust } from '../../services/toolchain.js';

const BIN = join(REPO_ROOT, 'bin', 'bootlab.js');
const OUTCOMES = join(REPO_ROOT, 'fixtures', 'crates', 'outcomes');
const SOURCE = readFileSync(join(OUTCOMES, 'src', 'main.rs'), 'utf8').split('\n');

/** The 1-based line of the first source line matching `pattern` (the test does not hard-code lines). */
function lineOf(pattern: RegExp, after?: RegExp): number {
  const start = after ? SOURCE.findIndex((l) => after.test(l)) : 0;
  const i = SOURCE.findIndex((l, n) => n >= start && pattern.test(l));
  if (i < 0) throw new Error(`no line matches ${pattern}`);
  return i + 1;
}

let tmp: string;
const NO_CFI_KERNEL = () => join(tmp, 'triple_fault');

function kernel(name: string, targetDir = TEST_TARGET_DIR): string {
  return join(targetDir, 'x86_64-unknown-none', 'debug', name);
}

function run(elf: string) {
  const r = spawnSync(process.execPath, [BIN, 'run', elf, '--', '-display', 'none'], {
    cwd: OUTCOMES,
    env: { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR },
    encoding: 'utf8',
    // A hang guard only: each of these runs ends by itself within seconds.
    timeout: 300_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-main.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling the CLI failed: ${built.stderr}`);
  const { rust } = await findRust();
  if (!rust) throw new Error('these tests need a Rust toolchain that can build kernels (see bootlab doctor)');
  for (const [targetDir, rustflags] of [
    [TEST_TARGET_DIR, undefined],
    [FP_TARGET_DIR, FRAME_POINTER_RUSTFLAGS],
  ] as const) {
    const env = { ...process.env, ...(rustflags ? { CARGO_TARGET_X86_64_UNKNOWN_NONE_RUSTFLAGS: rustflags } : {}) };
    const inv = cargoInvocation({ projectDir: OUTCOMES, toolchain: rust, subcommand: 'build', targetDir, messageFormat: null, color: 'never', env });
    const r = spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`building the outcome kernels failed:\n${r.stderr}`);
  }
  // The frame-pointer kernel without any CFI (objcopy is a test tool here, never Bootlab's):
  // only the RBP chain can unwind it.
  tmp = mkdtempSync(join(tmpdir(), 'bootlab-run-outcomes-'));
  execFileSync('objcopy', ['--remove-section', '.debug_frame', '--remove-section', '.eh_frame', kernel('triple_fault', FP_TARGET_DIR), NO_CFI_KERNEL()]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bootlab run: how a run ends', () => {
  it('ends a halted kernel (cli; hlt) by itself with status 0 and where it halted', () => {
    const r = run(kernel('halt'));
    expect(r.stdout).toContain('halting now');
    expect(r.status, r.stderr).toBe(0);
    const hlt = lineOf(/asm!\("cli", "hlt"/);
    const call = lineOf(/halt\(\)$/, /_ => \{/);
    expect(r.stderr).toContain(`bootlab: kernel halted at halt::halt (src/main.rs:${hlt})\n  halt::halt (src/main.rs:${hlt})\n  _start (src/main.rs:${call})\n`);
  });

  it('reports a panic at once and ends at the handler\'s halt with status 1 and the call chain', () => {
    const r = run(kernel('panic'));
    const at = lineOf(/panic!\("out of frames/);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`bootlab: kernel panicked at src/main.rs:${at}:5: out of frames (0 left)\n`);
    const frames = r.stderr.split('\n').filter((l) => l.startsWith('  '));
    const inner = frames.indexOf(`  panic::inner (src/main.rs:${at})`);
    expect(inner, r.stderr).toBeGreaterThan(0);
    expect(frames[inner + 1]).toBe(`  panic::outer (src/main.rs:${lineOf(/inner\(3\)/)})`);
    expect(frames[inner + 2]).toBe(`  _start (src/main.rs:${lineOf(/"panic" => outer\(\)/)})`);
    // The line is printed once, when the panic happened, not again at the end.
    expect(r.stderr.split('bootlab: kernel panicked').length).toBe(2);
  });

  for (const [variant, elf] of [
    ['without frame pointers (CFI from .debug_frame)', () => kernel('triple_fault')],
    ['with frame pointers', () => kernel('triple_fault', FP_TARGET_DIR)],
    ['with frame pointers and no CFI at all (the RBP chain)', NO_CFI_KERNEL],
  ] as const) {
    it(`ends at a triple fault with the chain level3 -> level2 -> level1, ${variant}`, () => {
      const r = run(elf());
      expect(r.status, r.stderr).toBe(1);
      // Once: QEMU does not reset the machine into the kernel again.
      expect(r.stdout.split('outcomes: triple_fault').length).toBe(2);
      const level3 = lineOf(/read_volatile\(0xdead_beef_000/);
      expect(r.stderr).toContain(`bootlab: triple fault in triple_fault::level3 (src/main.rs:${level3})\n`);
      const frames = r.stderr.split('\n').filter((l) => l.startsWith('  '));
      const at = frames.indexOf(`  triple_fault::level3 (src/main.rs:${level3})`);
      expect(at, r.stderr).toBeGreaterThanOrEqual(1); // read_volatile (core) is the innermost frame
      expect(frames[at - 1]).toMatch(/^ {2}core::ptr::read_volatile<u64> \(\/.*\/core\/src\/ptr\/mod\.rs:\d+\)$/);
      expect(frames.slice(at + 1, at + 4)).toEqual([
        `  triple_fault::level2 (src/main.rs:${lineOf(/level3\(\) \+ 1/)})`,
        `  triple_fault::level1 (src/main.rs:${lineOf(/let value = level2\(\)/)})`,
        `  _start (src/main.rs:${lineOf(/"triple_fault" => level1\(\)/)})`,
      ]);
      expect(r.stderr).toMatch(/bootlab: #PF page fault \(error 0x0, CR2=0xdeadbeef000\).* -> triple fault\n/);
    });
  }
});
