// Assembler benchmark (issue 11): `bootlab asm` against NASM 2.16.01, side by side in one run.
// Four figures, each with its target:
//   1. a one-line file through the bundled CLI, wall time, against bare `node -e 0` (within 2x) and nasm;
//   2. straight-line code, lines per second, against the assembler as it was before issue 11
//      (commit OLD_COMMIT, built from git into a temporary folder; at least 3x) and nasm; both
//      versions in process with the JIT warm, each timed run on new text (see linesPerSecond);
//   3. the 100,000-line jump-heavy file (0Bh-style hex, times, macros and local labels mixed in),
//      cold CLI runs (median of 3) against one nasm run (at least 20x faster, identical bytes);
//   4. a 200-file 16-bit project assembled file by file, one process per file as a Makefile
//      would, total against nasm's total (within 2x), every output identical: with `bootlab-asm`
//      (the native client of the resident assembler, the first file starting it) and, for
//      comparison, `bootlab asm` (a Node process per file) with `node -e 0` run as often.
// Run: `npm run build:main && npm run bench -- asm` (figures 1, 3 and 4 use out/cli.js).
// Options: --lines N (jump file, default 100000), --no-nasm, BENCH_RUNS (default 7).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { assemble } from '../src-main/asm/index.js';
import { jumpyFile, PROJECT_DEFS, projectFile, straightFile } from './asm-bench-inputs.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const LINES = arg('--lines', 100_000);
const STRAIGHT_LINES = 100_000;
const RUN_NASM = !process.argv.includes('--no-nasm');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ROOT = path.resolve(process.argv[1] ? path.join(process.argv[1], '..', '..') : '.');
const BIN = path.join(ROOT, 'bin', 'bootlab.js');
/** The last commit before the issue-11 speed work (its `bootlab asm` is "the old version"). */
const OLD_COMMIT = 'cf7002b';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Wall time of a process to its exit, in ms; throws when it fails. */
function wall(command: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return t;
}

const nasmFound = RUN_NASM && spawnSync('nasm', ['-v']).status === 0;
const cliBuilt = fs.existsSync(path.join(ROOT, 'out', 'cli.js'));

/** The assembler of OLD_COMMIT, bundled from git into a temporary folder; the bundle's path. */
async function oldAssembler(work: string): Promise<string | undefined> {
  try {
    const dir = path.join(work, 'old');
    fs.mkdirSync(dir);
    const tar = execFileSync('git', ['archive', OLD_COMMIT, 'src-main/asm'], { cwd: ROOT, maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const outfile = path.join(dir, 'old-asm.mjs');
    await build({ entryPoints: [path.join(dir, 'src-main', 'asm', 'index.ts')], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
    return outfile;
  } catch (e) {
    console.error(`bench-asm: old version ${OLD_COMMIT} not measured: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * linesPerSecond() in a process of its own (so neither version runs with the other's heap and
 * caches), for `bundle` (an assembler bundle) or, without one, the current assembler; the best of
 * two such processes.
 */
function linesPerSecondApart(bundle: string | undefined): Lps {
  const best: Lps = { lps: 0, cpuLps: 0 };
  for (let k = 0; k < 2; k++) {
    const r = spawnSync(process.execPath, [process.argv[1]!, '--lps', bundle ?? 'current'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench-asm: lines-per-second run failed (${r.status})`);
    const x = JSON.parse(r.stdout) as Lps;
    best.lps = Math.max(best.lps, x.lps);
    best.cpuLps = Math.max(best.cpuLps, x.cpuLps);
  }
  return best;
}

/** Lines per wall-clock second, and per CPU second (this process, GC threads included: steadier on a shared machine). */
interface Lps {
  lps: number;
  cpuLps: number;
}

/**
 * Lines per second of an in-process assembler on straight-line code: the median of RUNS timed
 * runs, each on a file of its own (another seed), after a warm-up on yet another. Fresh text per
 * run, so neither version is measured re-assembling text its parse and encoding caches (kept across
 * calls) already hold: what is timed is assembling new code, with the JIT warm.
 */
function linesPerSecond(asm: typeof assemble, lines: number): Lps {
  asm(straightFile(lines, 1), { fileName: 'in.asm' });
  const times: number[] = [];
  const cpus: number[] = [];
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let i = 0; i < Math.max(3, RUNS); i++) {
    const src = straightFile(lines, 100 + i);
    const t0 = performance.now();
    const c0 = cpuMs();
    asm(src, { fileName: 'in.asm' });
    cpus.push(cpuMs() - c0);
    times.push(performance.now() - t0);
  }
  return { lps: lines / (median(times) / 1000), cpuLps: lines / (median(cpus) / 1000) };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-asm-'));
  const out: string[] = [];
  const cli = (args: string[], cwd = work): number => wall(process.execPath, [BIN, 'asm', ...args], cwd);
  try {
    // 1. One-line file: start-up cost of the command.
    if (cliBuilt) {
      fs.writeFileSync(path.join(work, 'one.asm'), 'nop\n');
      const node: number[] = [];
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        node.push(wall(process.execPath, ['-e', '0'], work));
        ours.push(cli(['-o', 'one.bin', 'one.asm']));
        if (nasmFound) theirs.push(wall('nasm', ['-f', 'bin', '-o', 'one-nasm.bin', 'one.asm'], work));
      }
      const ratio = median(ours) / median(node);
      out.push(`- asm 1, one-line file, \`bootlab asm\` wall: ${median(ours).toFixed(0)} ms, bare \`node -e 0\` ${median(node).toFixed(0)} ms (**${ratio.toFixed(2)}x**, target at most 2x)${nasmFound ? `, nasm ${median(theirs).toFixed(0)} ms` : ''}; median of ${RUNS}`);
    } else out.push('- asm 1, one-line file: not measured (out/cli.js missing: run `npm run build:main` first)');

    // 2. Straight-line throughput against the old version and nasm.
    const oldBundle = await oldAssembler(work);
    const old = oldBundle ? linesPerSecondApart(oldBundle) : undefined;
    const now = linesPerSecondApart(undefined);
    const straight = straightFile(STRAIGHT_LINES, 100);
    let nasmLps = '';
    if (nasmFound) {
      fs.writeFileSync(path.join(work, 'straight.asm'), straight);
      const t = wall('nasm', ['-f', 'bin', '-o', 'straight-nasm.bin', 'straight.asm'], work);
      const ok = same(assemble(straight, { fileName: 'straight.asm' }).bytes, new Uint8Array(fs.readFileSync(path.join(work, 'straight-nasm.bin'))));
      nasmLps = `, nasm ${(STRAIGHT_LINES / (t / 1000) / 1e6).toFixed(3)} M lines/s (output ${ok ? 'identical' : 'DIFFERENT'})`;
      if (!ok) process.exitCode = 1;
    }
    const m = (x: number): string => `${(x / 1e6).toFixed(3)} M lines/s`;
    out.push(
      `- asm 2, straight-line ${STRAIGHT_LINES}-line 64-bit file, in process, JIT warm, new text each run: ${m(now.lps)} wall, ${m(now.cpuLps)} CPU` +
        `${old ? `; before issue 11 (${OLD_COMMIT}) ${m(old.lps)} wall, ${m(old.cpuLps)} CPU (**${(now.lps / old.lps).toFixed(2)}x** wall, **${(now.cpuLps / old.cpuLps).toFixed(2)}x** CPU, target at least 3x)` : ''}${nasmLps}`,
    );

    // 3. The jump-heavy file, cold from the command line, against one nasm run.
    const jumpy = jumpyFile(LINES);
    fs.writeFileSync(path.join(work, 'jumpy.asm'), jumpy);
    if (cliBuilt) {
      // Median of three cold runs (one nasm run: it takes seconds, so a load spike matters less there).
      const t = median([0, 1, 2].map(() => cli(['-o', 'jumpy.bin', 'jumpy.asm'])));
      const bytes = new Uint8Array(fs.readFileSync(path.join(work, 'jumpy.bin')));
      if (nasmFound) {
        const t0 = performance.now();
        const r = spawnSync('nasm', ['-f', 'bin', '-Ov', '-o', 'jumpy-nasm.bin', 'jumpy.asm'], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 26 });
        const tn = performance.now() - t0;
        if (r.status !== 0) throw new Error(`nasm failed: ${r.stderr}`);
        const passes = /assembly required (\S+) passes/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
        const ok = same(bytes, new Uint8Array(fs.readFileSync(path.join(work, 'jumpy-nasm.bin'))));
        if (!ok) process.exitCode = 1;
        out.push(`- asm 3, ${LINES}-line jump-heavy 64-bit file (0Bh hex, times, macros, local labels), cold \`bootlab asm\`: ${(t / 1000).toFixed(2)} s, nasm ${(tn / 1000).toFixed(2)} s (${passes} passes): **${(tn / t).toFixed(1)}x faster** (target at least 20x), output ${ok ? 'identical' : 'DIFFERENT'} (${bytes.length} bytes)`);
      } else out.push(`- asm 3, ${LINES}-line jump-heavy file, cold \`bootlab asm\`: ${(t / 1000).toFixed(2)} s`);
    }

    // 4. A 200-file project, one process per file.
    if (cliBuilt) {
      const proj = path.join(work, 'project');
      fs.mkdirSync(proj);
      fs.writeFileSync(path.join(proj, 'defs.inc'), PROJECT_DEFS);
      const files = Array.from({ length: 200 }, (_, k) => `m${k}.asm`);
      let lines = 0;
      files.forEach((f, k) => {
        const src = projectFile(k);
        lines += src.split('\n').length - 1;
        fs.writeFileSync(path.join(proj, f), src);
      });
      let ours = 0;
      let native = 0;
      let theirs = 0;
      let floor = 0;
      let identical = 0;
      // `bootlab-asm` with a socket of its own here, so its first file starts a new resident
      // assembler and that start is in the total.
      const client = path.join(ROOT, 'out', 'bootlab-asm');
      const hasClient = fs.existsSync(client);
      const sockDir = path.join(work, 'sock');
      const clientEnv = { ...process.env, BOOTLAB_ASM_SOCKET: path.join(sockDir, 'asm.sock'), BOOTLAB_ASM_IDLE_MS: '5000' };
      const viaClient = (args: string[]): number => {
        const t0 = performance.now();
        const r = spawnSync(client, args, { cwd: proj, stdio: ['ignore', 'ignore', 'pipe'], env: clientEnv });
        if (r.status !== 0) throw new Error(`bootlab-asm ${args.join(' ')} failed: ${r.stderr}`);
        return performance.now() - t0;
      };
      const sameAs = (a: string, b: string): boolean => same(fs.readFileSync(path.join(proj, a)), fs.readFileSync(path.join(proj, b)));
      for (const f of files) {
        // Node's own start-up, as often as we start it: what no change inside Bootlab can remove.
        floor += wall(process.execPath, ['-e', '0'], proj);
        ours += cli(['-o', f.replace('.asm', '.bin'), f], proj);
        if (hasClient) native += viaClient(['-o', f.replace('.asm', '.client'), f]);
        if (nasmFound) {
          theirs += wall('nasm', ['-f', 'bin', '-o', f.replace('.asm', '.nasm'), f], proj);
          const nasmOut = f.replace('.asm', '.nasm');
          if (sameAs(f.replace('.asm', '.bin'), nasmOut) && (!hasClient || sameAs(f.replace('.asm', '.client'), nasmOut))) identical++;
        }
      }
      if (hasClient) spawnSync('pkill', ['-f', `asm-server.cjs ${clientEnv.BOOTLAB_ASM_SOCKET}`]);
      if (nasmFound && identical !== files.length) process.exitCode = 1;
      const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      const vsNasm = (ms: number): string => (nasmFound ? ` (**${(ms / theirs).toFixed(2)}x** nasm)` : '');
      out.push(
        `- asm 4, 200-file 16-bit project (${lines} lines), one process per file` +
          `${nasmFound ? `: nasm ${sec(theirs)}, ${identical}/200 outputs identical to nasm's (both ways below)` : ''}` +
          `; \`bootlab-asm\` (the Makefile client, resident assembler started by the first file) ${hasClient ? `${sec(native)}${vsNasm(native)}` : 'not built (cargo missing)'}, target at most 2x` +
          `; \`bootlab asm\` (one Node process a file) ${sec(ours)}${vsNasm(ours)}, of which Node's own start-up (\`node -e 0\` x 200) ${sec(floor)}, Bootlab's part ${((ours - floor) / files.length).toFixed(1)} ms a file`,
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  out.push(`- machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end (other jobs share it)`);
  console.log(out.join('\n'));
}

const lpsOf = process.argv.indexOf('--lps');
if (lpsOf >= 0) {
  // Child of linesPerSecondApart(): prints lines per second.
  const which = process.argv[lpsOf + 1]!;
  const asm = which === 'current' ? assemble : ((await import(pathToFileURL(which).href)) as { assemble: typeof assemble }).assemble;
  console.log(JSON.stringify(linesPerSecond(asm, STRAIGHT_LINES)));
} else if (!process.env.NO_MAIN) await main();
