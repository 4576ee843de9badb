// Test suites (issue 16): the blog-style crate's whole suite through `bootlab test` (one QEMU
// per executable, as many at once as there are cores) against `cargo test` with
// `runner = "bootlab runner"` (cargo runs the executables one by one), side by side, runs
// interleaved, median of BENCH_RUNS (default 5):
//   - warm: cargo up to date (the 1.6x target on 2 cores is for this figure);
//   - cold crate: src/lib.rs touched before each run, so cargo rebuilds the crate (not core).
// Run: `npm run bench -- tests` (builds out/ first: the figures are for the bundled CLI).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { cargoInvocation } from '../src-main/services/cargo.js';
import { findRust } from '../src-main/services/toolchain.js';

const ROOT = resolve(process.argv[1] ? join(process.argv[1], '..', '..') : '.');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BIN = join(ROOT, 'bin', 'bootlab.js');
const TARGET = join(ROOT, '.cache', 'test-target');
const BLOG = join(ROOT, 'fixtures', 'crates', 'blog-tests');
const work = join(tmpdir(), `bootlab-bench-tests-${process.pid}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (x: number) => `${x.toFixed(2)} s`;

function timed(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: BLOG, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return seconds;
}

function touchCrate(): void {
  const now = new Date();
  utimesSync(join(BLOG, 'src', 'lib.rs'), now, now);
}

async function main(): Promise<void> {
  const { rust } = await findRust();
  if (!rust) throw new Error('bench-tests needs a Rust toolchain that can build kernels');
  mkdirSync(join(work, 'bin'), { recursive: true });
  // `bootlab` on PATH, as after `npm install -g bootlab`: the crate's runner line works as is.
  const shim = join(work, 'bin', 'bootlab');
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(shim, 0o755);
  const env = { ...process.env, CARGO_TARGET_DIR: TARGET, PATH: `${join(work, 'bin')}${delimiter}${process.env.PATH}` };
  const inv = cargoInvocation({ projectDir: BLOG, toolchain: rust, subcommand: 'test', targetDir: TARGET, env, messageFormat: null, color: 'never' });
  const cargoTest = () => timed(inv.command, inv.args, inv.env, 'cargo test');
  const bootlabTest = () => timed(process.execPath, [BIN, 'test', BLOG], env, 'bootlab test');

  // Warm-up: cargo up to date, images written once.
  bootlabTest();
  cargoTest();
  const warm = { bootlab: [] as number[], cargo: [] as number[] };
  const cold = { bootlab: [] as number[], cargo: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    warm.bootlab.push(bootlabTest());
    warm.cargo.push(cargoTest());
  }
  for (let i = 0; i < RUNS; i++) {
    touchCrate();
    cold.bootlab.push(bootlabTest());
    touchCrate();
    cold.cargo.push(cargoTest());
  }
  const line = (what: string, r: { bootlab: number[]; cargo: number[] }, target: string) => {
    const b = median(r.bootlab);
    const c = median(r.cargo);
    return `- ${what}: \`bootlab test\` ${s(b)}, \`cargo test\` with \`bootlab runner\` ${s(c)}, **${(c / b).toFixed(2)}x faster**${target}`;
  };
  const out = [
    '### Test suite (blog-style crate: 6 test executables, 7 tests)',
    '',
    `Median of ${RUNS}, the two interleaved; the bundled CLI; ${availableParallelism()} cores.`,
    '',
    line('warm (cargo up to date)', warm, ' (target at least 1.6x on 2 cores)'),
    line('cold crate (src/lib.rs touched: cargo rebuilds the crate, not core)', cold, ''),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
