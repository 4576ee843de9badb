// Command-line speed (issue 15), each Bootlab figure side by side with its anchor in one run,
// runs interleaved, median of BENCH_RUNS (default 7):
//   - `bootlab runner` on a blog-style test executable (as `cargo test` calls it), wall time,
//     against a bare QEMU booting the image the runner wrote, with the same test-args;
//   - `bootlab run` of the sample kernel (cargo up to date), process start to the first serial
//     byte, against a bare QEMU on the same image, start to its first serial byte;
//   - `bootlab asm` of a one-line file, wall time, against `node -e 0` (and NASM when installed);
//   - `bootlab --version` against `node -e 0`.
// Run: `npm run bench -- cli` (builds out/ first: the figures are for the bundled CLI).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cargoInvocation } from '../src-main/services/cargo.js';
import { findRust } from '../src-main/services/toolchain.js';

const ROOT = resolve(process.argv[1] ? join(process.argv[1], '..', '..') : '.');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BIN = join(ROOT, 'bin', 'bootlab.js');
const TARGET = join(ROOT, '.cache', 'test-target');
const BLOG = join(ROOT, 'fixtures', 'crates', 'blog-tests');
const SAMPLE = join(ROOT, 'resources', 'sample-kernel');
const work = join(tmpdir(), `bootlab-bench-cli-${process.pid}`);
mkdirSync(work, { recursive: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

/** Wall time of a command to its exit, in seconds. */
function wall(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = ROOT): number {
  const t0 = performance.now();
  spawnSync(command, args, { cwd, env, stdio: 'ignore' });
  return (performance.now() - t0) / 1000;
}

/** Process start to the first byte on stdout, in seconds; the process is then killed. */
function toFirstByte(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      rej(new Error(`${command} printed nothing in 60 s`));
    }, 60_000);
    child.stdout.once('data', () => {
      const seconds = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      // The whole group: `bootlab run` ends its QEMU on SIGTERM; a bare QEMU just ends.
      process.kill(-child.pid!, 'SIGTERM');
      child.once('exit', () => res(seconds));
    });
    child.on('error', rej);
  });
}

function newestTestExecutable(name: string): string {
  const deps = join(TARGET, 'x86_64-blog_os', 'debug', 'deps');
  const candidates = readdirSync(deps)
    .filter((f) => f.startsWith(`${name}-`) && !f.includes('.'))
    .map((f) => join(deps, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!candidates[0]) throw new Error(`no ${name} test executable in ${deps}`);
  return candidates[0];
}

async function main() {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-main.js')], { cwd: ROOT, stdio: 'inherit' });
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  for (const [dir, sub, extra] of [[BLOG, 'test', ['--no-run']], [SAMPLE, 'build', []]] as const) {
    const inv = cargoInvocation({ projectDir: dir, toolchain: rust, subcommand: sub, extraArgs: [...extra], targetDir: TARGET, messageFormat: null, color: 'never' });
    execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const qemu = 'qemu-system-x86_64';
  const testArgs = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-serial', 'stdio', '-display', 'none'];

  // runner: one call writes the image; then runner and bare QEMU alternate.
  const exe = newestTestExecutable('basic_boot');
  const runnerEnv = { ...process.env, CARGO_MANIFEST_DIR: BLOG };
  wall(process.execPath, [BIN, 'runner', exe], runnerEnv, BLOG);
  const runnerImage = join(exe, '..', `bootlab-${exe.split('/').pop()}.img`);
  if (!existsSync(runnerImage)) throw new Error(`the runner wrote no ${runnerImage}`);
  const runner: number[] = [];
  const bareRunner: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    runner.push(wall(process.execPath, [BIN, 'runner', exe], runnerEnv, BLOG));
    bareRunner.push(wall(qemu, ['-drive', `format=raw,file=${runnerImage},snapshot=on`, '-nic', 'none', ...testArgs]));
  }

  // run: first serial byte, cargo up to date (one call first so it is).
  const runEnv = { ...process.env, CARGO_TARGET_DIR: TARGET };
  const runArgs = [BIN, 'run', SAMPLE, '--', '-display', 'none'];
  await toFirstByte(process.execPath, runArgs, runEnv);
  const sampleImage = join(TARGET, 'x86_64-unknown-none', 'debug', 'bootlab-sample-kernel.img');
  if (!existsSync(sampleImage)) throw new Error(`bootlab run wrote no ${sampleImage}`);
  const run: number[] = [];
  const bareRun: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    run.push(await toFirstByte(process.execPath, runArgs, runEnv));
    bareRun.push(await toFirstByte(qemu, ['-drive', `format=raw,file=${sampleImage},snapshot=on`, '-nic', 'none', '-serial', 'stdio', '-display', 'none']));
  }

  // asm and --version against a bare node.
  const oneLine = join(work, 'one.asm');
  writeFileSync(oneLine, 'mov ax, 1\n');
  const hasNasm = spawnSync('nasm', ['-v']).status === 0;
  const asm: number[] = [];
  const nasm: number[] = [];
  const version: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    asm.push(wall(process.execPath, [BIN, 'asm', oneLine, '-o', join(work, 'one.bin')]));
    if (hasNasm) nasm.push(wall('nasm', [oneLine, '-o', join(work, 'one-nasm.bin')]));
    version.push(wall(process.execPath, [BIN, '--version']));
    node.push(wall(process.execPath, ['-e', '0']));
  }
  rmSync(work, { recursive: true, force: true });

  const line = (what: string, ours: number[], anchorName: string, anchor: number[], target: string) =>
    `| ${what} | ${ms(median(ours))} | ${anchorName} ${ms(median(anchor))} | ${ms(median(ours) - median(anchor))} (${(median(ours) / median(anchor)).toFixed(2)}x) | ${target} |`;
  const out = [
    '## Command line',
    '',
    `Median of ${RUNS}, Bootlab and its anchor interleaved; the bundled CLI (\`node bin/bootlab.js\`); cargo up to date.`,
    '',
    '| figure | Bootlab | anchor | difference | target |',
    '|---|---|---|---|---|',
    line('`bootlab runner` on basic_boot (as `cargo test` calls it), wall', runner, 'bare QEMU, same image and test-args,', bareRunner, 'at most 150 ms above'),
    line('`bootlab run` sample kernel, start to first serial byte', run, 'bare QEMU, same image,', bareRun, 'at most 300 ms above'),
    line('`bootlab asm` one-line file, wall', asm, '`node -e 0`', node, '–'),
    line('`bootlab --version`, wall', version, '`node -e 0`', node, 'at most 1.5x'),
  ];
  if (hasNasm) out.push('', `NASM on the same one-line file: ${ms(median(nasm))}.`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
