// Runs a kernel crate's tests the way `cargo test` with `bootimage runner` would, but in
// parallel: cargo builds the test executables (`cargo test --no-run`, the crate's own target and
// features) and names them in its JSON messages; each then runs through the runner's own path
// (runKernel in runner mode: image, QEMU, bootimage's test-args, success code and timeout), one
// QEMU per executable, as many at a time as the machine has cores.
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Diagnostic, Profile } from '../shared/api.js';
import type { TestCase, TestExecutable, TestExecutableResult, TestOutcome, TestTargetKind, TestTally } from '../shared/tests.js';
import { tallyOf } from '../shared/tests.js';
import { defaultDiskImageBuilder } from './bootParts.js';
import { cargoInvocation, readCargoOutput, toDiagnostic } from './cargo.js';
import { killTree, spawnTree } from './proc.js';
import type { QemuSession } from './qemu.js';
import { runKernel } from './runner.js';
import { TestLineParser } from './testLines.js';
import type { RustToolchain } from './toolchain.js';

export interface TestRunOptions {
  projectDir: string;
  toolchain: RustToolchain;
  profile?: Profile;
  /** Arguments for `cargo test --no-run` (`--lib`, `--test NAME`, `--features ...`). */
  cargoArgs?: string[];
  /** Only these executables (ids as in TestExecutable.id); added to cargoArgs as `--lib`, `--test NAME`... */
  only?: string[];
  /** Passed to every test executable (appended to QEMU's command line, as bootimage does). */
  exeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  targetDir?: string;
  color?: 'always' | 'never';
  /** At most this many QEMUs at once (default: the machine's cores). */
  jobs?: number;
  signal?: AbortSignal;
  /** cargo's human-readable output, a line at a time. */
  onLine?: (line: string) => void;
  onDiagnostic?: (diagnostic: Diagnostic) => void;
  /** cargo has built them; they run next. */
  onExecutables?: (executables: TestExecutable[]) => void;
  onExecutableStart?: (executable: TestExecutable) => void;
  onSerial?: (executable: TestExecutable, bytes: Buffer) => void;
  onTest?: (executable: TestExecutable, test: TestCase) => void;
  onExecutableEnd?: (result: TestExecutableResult) => void;
  /**
   * An executable timed out: true when the caller keeps its VM paused there (the app's Inspector;
   * the caller ends it later), false to end it as usual. Its result comes at once either way.
   */
  keepTimedOut?: (executable: TestExecutable, session: QemuSession) => boolean;
  /** Replaces the runner in unit tests. */
  runKernel?: typeof runKernel;
}

export interface TestRunResult {
  /** cargo built the executables (false: see `error` and the diagnostics). */
  built: boolean;
  error?: string;
  cancelled: boolean;
  executables: TestExecutableResult[];
  tally: TestTally;
  diagnostics: Diagnostic[];
  /** Building and running, wall time. */
  ms: number;
}

interface CargoTestMessage {
  reason?: string;
  manifest_path?: string;
  message?: Parameters<typeof toDiagnostic>[0];
  target?: { kind?: string[]; name?: string; src_path?: string };
  profile?: { test?: boolean };
  executable?: string | null;
  success?: boolean;
}

const KINDS: TestTargetKind[] = ['lib', 'bin', 'test', 'bench', 'example'];

/** The test executable a cargo `compiler-artifact` message names, if it is one. */
export function testExecutableOf(msg: CargoTestMessage): TestExecutable | undefined {
  if (msg.reason !== 'compiler-artifact' || !msg.executable || !msg.profile?.test) return undefined;
  const kinds = msg.target?.kind ?? [];
  const kind = KINDS.find((k) => kinds.includes(k)) ?? (kinds.some((k) => k.endsWith('lib')) ? 'lib' : undefined);
  if (!kind) return undefined;
  const name = msg.target?.name ?? '';
  return { id: kind === 'lib' ? 'lib' : `${kind}:${name}`, kind, name, srcPath: msg.target?.src_path, path: msg.executable };
}

/** `cargo test` arguments that build only these executables. */
export function cargoArgsFor(ids: string[]): string[] {
  const args: string[] = [];
  for (const id of ids) {
    if (id === 'lib') args.push('--lib');
    else {
      const m = /^(bin|test|bench|example):(.+)$/.exec(id);
      if (!m) throw new Error(`"${id}" is not a test executable id (lib, bin:NAME, test:NAME, bench:NAME, example:NAME)`);
      args.push(`--${m[1]}`, m[2]!);
    }
  }
  return args;
}

const SERIAL_LIMIT = 1 << 20;

/** The last `limit` characters of a stream that arrives a byte at a time (no copy per byte). */
export class SerialTail {
  private chunks: string[] = [];
  private length = 0;
  constructor(private readonly limit: number) {}
  push(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    // Trim only when twice over the limit: each character is copied a bounded number of times.
    if (this.length > 2 * this.limit) {
      const all = this.text();
      this.chunks = [all];
      this.length = all.length;
    }
  }
  text(): string {
    const all = this.chunks.join('');
    return all.length > this.limit ? all.slice(-this.limit) : all;
  }
}

/** Builds and runs the crate's tests. Never throws; `signal` ends cargo and every QEMU. */
export async function runTests(options: TestRunOptions): Promise<TestRunResult> {
  const started = performance.now();
  const projectDir = resolve(options.projectDir);
  const diagnostics: Diagnostic[] = [];
  const result: TestRunResult = { built: false, cancelled: false, executables: [], tally: { passed: 0, failed: 0, timedOut: 0 }, diagnostics, ms: 0 };
  const finish = () => {
    result.tally = tallyOf(result.executables);
    result.cancelled ||= options.signal?.aborted ?? false;
    result.ms = performance.now() - started;
    return result;
  };
  let onlyArgs: string[];
  try {
    onlyArgs = cargoArgsFor(options.only ?? []);
  } catch (error) {
    result.error = (error as Error).message;
    return finish();
  }
  const built = await buildTests(options, projectDir, [...onlyArgs, ...(options.cargoArgs ?? [])], diagnostics);
  if (!built.executables) {
    result.error = built.error;
    return finish();
  }
  result.built = true;
  const executables = built.executables;
  options.onExecutables?.(executables);

  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), CARGO: options.toolchain.cargo, RUSTC: options.toolchain.rustc, CARGO_MANIFEST_DIR: projectDir };
  const slots = new Array<TestExecutableResult | undefined>(executables.length);
  let next = 0;
  const worker = async () => {
    while (next < executables.length && !options.signal?.aborted) {
      const i = next++;
      slots[i] = await runOne(executables[i]!, options, env, projectDir);
      options.onExecutableEnd?.(slots[i]!);
    }
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? availableParallelism(), executables.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  result.executables = slots.filter((r): r is TestExecutableResult => r !== undefined);
  return finish();
}

async function runOne(executable: TestExecutable, options: TestRunOptions, env: NodeJS.ProcessEnv, projectDir: string): Promise<TestExecutableResult> {
  const t0 = performance.now();
  options.onExecutableStart?.(executable);
  const serial = new SerialTail(SERIAL_LIMIT);
  let stderr = '';
  const parser = new TestLineParser({ onTest: (t) => options.onTest?.(executable, t) });
  const run = await (options.runKernel ?? runKernel)({
    kernelPath: executable.path,
    args: options.exeArgs ?? [],
    mode: 'runner',
    cwd: projectDir,
    env,
    manifestPath: join(projectDir, 'Cargo.toml'),
    stdout: (bytes) => {
      const text = bytes.toString('latin1');
      serial.push(text);
      parser.push(text);
      options.onSerial?.(executable, bytes);
    },
    stderr: (text) => {
      stderr += text;
    },
    buildDiskImage: defaultDiskImageBuilder,
    signal: options.signal,
    ...(options.keepTimedOut ? { keepAtTimeout: (session: QemuSession) => options.keepTimedOut!(executable, session) } : {}),
  });
  const kind = run.outcome?.kind;
  const outcome: TestExecutableResult['outcome'] =
    kind === 'stopped' || (options.signal?.aborted && kind !== 'success') ? 'cancelled' : kind === 'timeout' ? 'timed-out' : run.exitCode === 0 && kind === 'success' ? 'passed' : 'failed';
  // A test whose result never came shares its executable's fate.
  for (const t of parser.tests) {
    if (t.outcome === 'running' && outcome !== 'cancelled') {
      t.outcome = outcome as TestOutcome;
      options.onTest?.(executable, t);
    }
  }
  const o = run.outcome;
  const message = outcome === 'passed' ? undefined : (o?.message ?? lastErrorLine(stderr) ?? `the test executable ended with status ${run.exitCode}`);
  return {
    executable,
    outcome,
    ms: performance.now() - t0,
    tests: parser.tests,
    ...(parser.announced !== undefined ? { announced: parser.announced } : {}),
    serial: serial.text(),
    ...(message ? { message } : {}),
    ...(o?.panicMessage && outcome !== 'passed' ? { panicMessage: o.panicMessage } : {}),
    ...(o?.panicLocation && outcome !== 'passed' ? { panicLocation: { ...o.panicLocation, file: resolve(projectDir, o.panicLocation.file) } } : {}),
    ...(o?.frames?.length && outcome !== 'passed' ? { frames: o.frames } : {}),
    ...(o ? { run: o } : {}),
    ...(stderr ? { log: stderr } : {}),
  };
}

function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1)?.replace(/^Error: /, '');
}

/** `cargo test --no-run`: the test executables in the order cargo built them, or why not. */
async function buildTests(
  options: TestRunOptions,
  projectDir: string,
  cargoArgs: string[],
  diagnostics: Diagnostic[],
): Promise<{ executables?: TestExecutable[]; error?: string }> {
  const inv = cargoInvocation({
    projectDir,
    toolchain: options.toolchain,
    subcommand: 'test',
    profile: options.profile,
    env: options.env,
    targetDir: options.targetDir,
    color: options.color ?? 'never',
    extraArgs: ['--no-run', ...cargoArgs],
  });
  const onLine = options.onLine ?? (() => {});
  for (const note of inv.notes) onLine(`bootlab: ${note}`);
  if (options.signal?.aborted) return { error: 'cancelled' };
  let child: ChildProcess;
  try {
    // cargo, rustc and the linker end with Bootlab, even a SIGKILLed one.
    child = spawnTree(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], tie: 'group' });
  } catch (error) {
    return { error: `could not start ${inv.command}: ${(error as Error).message}` };
  }
  const abort = () => killTree(child);
  options.signal?.addEventListener('abort', abort, { once: true });
  let spawnError: string | undefined;
  child.on('error', (e) => (spawnError = e.message));
  const executables: TestExecutable[] = [];
  let success: boolean | undefined;
  const streamsDone = readCargoOutput(child, projectDir, {
    onLine,
    onDiagnostic: (d) => {
      diagnostics.push(d);
      options.onDiagnostic?.(d);
    },
    onMessage: (msg: CargoTestMessage) => {
      if (msg.reason === 'build-finished') success = msg.success;
      else {
        const own = !msg.manifest_path || resolve(msg.manifest_path) === join(projectDir, 'Cargo.toml');
        const exe = own ? testExecutableOf(msg) : undefined;
        if (exe && !executables.some((e) => e.path === exe.path)) executables.push(exe);
      }
    },
  });
  const code = await new Promise<number | null>((r) => child.once('close', r).once('error', () => r(null)));
  await streamsDone;
  options.signal?.removeEventListener('abort', abort);
  if (options.signal?.aborted) {
    killTree(child);
    return { error: 'cancelled' };
  }
  if (spawnError) return { error: `could not start ${inv.command}: ${spawnError}` };
  if (code !== 0 || success === false) {
    const errors = diagnostics.filter((d) => d.level === 'error').length;
    return { error: errors > 0 ? `the tests did not build: ${errors} error${errors === 1 ? '' : 's'}` : `cargo test --no-run exited with status ${code}` };
  }
  return { executables };
}
