// Vitest global setup: pays for the cold cargo builds once per test run, before any test starts.
// A cold build-std compiles `core` (20 s quiet, minutes on a loaded 2-core machine); each distinct
// target and RUSTFLAGS set compiles its own. Done here, with the exact command lines the tests
// use (Bootlab's own cargoInvocation), every test that builds a kernel finds the standard library
// compiled and pays only for its own crate, so no test's time depends on whether it ran first.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cargoInvocation } from '../src-main/services/cargo.js';
import { REPO_ROOT, CONFORMANCE_TARGET_DIR, FRAME_POINTER_RUSTFLAGS, FRAME_POINTER_TARGET_DIR, TEST_TARGET_DIR } from '../src-main/services/testkit.js';
import { findRust, type RustToolchain } from '../src-main/services/toolchain.js';

interface Warmup {
  crate: string;
  subcommand: 'build' | 'test';
  extraArgs?: string[];
  targetDir: string;
  /** A crate that does not compile on purpose still gets its standard library built. */
  mayFail?: boolean;
  /** Extra environment (e.g. RUSTFLAGS for a variant in a target folder of its own). */
  env?: Record<string, string>;
}

const CRATES = join(REPO_ROOT, 'fixtures', 'crates');

export const WARMUPS: Warmup[] = [
  { crate: join(REPO_ROOT, 'resources', 'sample-kernel'), subcommand: 'build', targetDir: TEST_TARGET_DIR },
  { crate: join(CRATES, 'blog-tests'), subcommand: 'test', extraArgs: ['--no-run'], targetDir: TEST_TARGET_DIR },
  { crate: join(CRATES, 'failing-tests'), subcommand: 'test', extraArgs: ['--no-run'], targetDir: TEST_TARGET_DIR },
  { crate: join(CRATES, 'compile-error'), subcommand: 'build', targetDir: TEST_TARGET_DIR, mayFail: true },
  { crate: join(CRATES, 'outcomes'), subcommand: 'build', targetDir: TEST_TARGET_DIR },
  { crate: join(CRATES, 'remap-rodata'), subcommand: 'build', targetDir: TEST_TARGET_DIR },
  {
    crate: join(CRATES, 'outcomes'),
    subcommand: 'build',
    targetDir: FRAME_POINTER_TARGET_DIR,
    env: { CARGO_TARGET_X86_64_UNKNOWN_NONE_RUSTFLAGS: FRAME_POINTER_RUSTFLAGS },
  },
  { crate: join(REPO_ROOT, 'fixtures', 'kernels', 'conformance'), subcommand: 'build', extraArgs: ['--bin', 'conformance'], targetDir: CONFORMANCE_TARGET_DIR },
];

function runCargo(toolchain: RustToolchain, warmup: Warmup): Promise<string> {
  const inv = cargoInvocation({
    projectDir: warmup.crate,
    toolchain,
    subcommand: warmup.subcommand,
    extraArgs: warmup.extraArgs,
    targetDir: warmup.targetDir,
    messageFormat: null,
    color: 'never',
    env: warmup.env ? { ...process.env, ...warmup.env } : undefined,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || warmup.mayFail) resolve(`${warmup.subcommand} ${warmup.crate.slice(REPO_ROOT.length + 1)}`);
      else reject(new Error(`test warm-up: cargo ${warmup.subcommand} in ${warmup.crate} failed:\n${stderr}`));
    });
  });
}

export default async function warmUpCargo(): Promise<void> {
  const { rust } = await findRust();
  // Without a toolchain the tests that need one fail with the doctor's message; nothing to warm.
  if (!rust) return;
  const t0 = Date.now();
  // Builds that share a target folder wait for each other's lock anyway: run one folder's in order.
  const byFolder = new Map<string, Warmup[]>();
  for (const w of WARMUPS) byFolder.set(w.targetDir, [...(byFolder.get(w.targetDir) ?? []), w]);
  const done = await Promise.all(
    [...byFolder.values()].map(async (list) => {
      const names: string[] = [];
      for (const w of list) names.push(await runCargo(rust, w));
      return names;
    }),
  );
  console.log(`test warm-up: ${done.flat().join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
