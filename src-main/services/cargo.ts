// Builds a kernel crate with cargo. The crate's own `.cargo/config.toml` decides the target and
// the build-std settings; Bootlab adds only what this machine's toolchain needs (build-std when
// there is no prebuilt target library, an offline source for the library's vendored
// dependencies, ld.lld when there is no rust-lld, RUSTC_BOOTSTRAP for -Z flags on stable).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Diagnostic, Profile } from '../shared/api.js';
import { killTree, spawnTree } from './proc.js';
import { vendoredStdConfigArgs } from './cargoConfig.js';
import { KERNEL_TARGET, type RustToolchain } from './toolchain.js';
import { getPath, parseToml, type TomlTable } from './toml.js';

export interface CrateBuildConfig {
  /** The build target from the crate's cargo config: a triple or an absolute JSON path. */
  target?: string;
  /** The name cargo uses for the target in `[target.NAME]` keys and in target/NAME/. */
  targetName?: string;
  /** The config already asks for build-std (`[unstable] build-std`). */
  configBuildStd: boolean;
}

/** Reads `.cargo/config.toml` (or `.cargo/config`) from the project folder upwards; nearest wins. */
export function readCrateBuildConfig(projectDir: string): CrateBuildConfig {
  const result: CrateBuildConfig = { configBuildStd: false };
  let dir = resolve(projectDir);
  let foundTarget = false;
  for (;;) {
    for (const name of ['config.toml', 'config']) {
      const file = join(dir, '.cargo', name);
      if (!existsSync(file)) continue;
      let table: TomlTable;
      try {
        table = parseToml(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      const target = getPath(table, 'build', 'target');
      if (!foundTarget && typeof target === 'string') {
        foundTarget = true;
        result.target = target.endsWith('.json') && !isAbsolute(target) ? join(dir, target) : target;
        result.targetName = target.endsWith('.json') ? basename(target, '.json') : target;
      }
      if (getPath(table, 'unstable', 'build-std') !== undefined) result.configBuildStd = true;
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return result;
}

/** True when the crate (or its lock file) names registry dependencies. */
export function hasRegistryDependencies(projectDir: string): boolean {
  const lock = join(projectDir, 'Cargo.lock');
  if (existsSync(lock)) {
    try {
      return /^source\s*=\s*"(registry|sparse)\+/m.test(readFileSync(lock, 'utf8'));
    } catch {
      // fall through to the manifest
    }
  }
  try {
    const manifest = parseToml(readFileSync(join(projectDir, 'Cargo.toml'), 'utf8'));
    const tables: TomlTable[] = [];
    for (const key of ['dependencies', 'dev-dependencies', 'build-dependencies']) {
      const t = manifest[key];
      if (t && typeof t === 'object' && !Array.isArray(t)) tables.push(t);
    }
    const targets = manifest.target;
    if (targets && typeof targets === 'object' && !Array.isArray(targets)) {
      for (const t of Object.values(targets)) {
        for (const key of ['dependencies', 'dev-dependencies', 'build-dependencies']) {
          const d = getPath(t as TomlTable, key);
          if (d && typeof d === 'object' && !Array.isArray(d)) tables.push(d);
        }
      }
    }
    return tables.some((t) =>
      Object.values(t).some(
        (dep) =>
          typeof dep === 'string' ||
          (typeof dep === 'object' && !Array.isArray(dep) && dep.path === undefined && dep.git === undefined && dep.workspace !== true),
      ),
    );
  } catch {
    return false;
  }
}

export interface CargoInvocation {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  notes: string[];
}

export interface CargoCommandOptions {
  projectDir: string;
  toolchain: RustToolchain;
  /** `build`, `test`, `run`, `metadata`... */
  subcommand: string;
  profile?: Profile;
  /** Arguments after the subcommand's own (e.g. `--no-run`, `--test NAME`). */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  targetDir?: string;
  messageFormat?: string | null;
  color?: 'always' | 'never' | 'auto';
}

/**
 * The cargo command line for this crate and toolchain. Everything machine-specific travels as
 * `--config`, `-Z` flags and environment, never as a change to the crate.
 */
export function cargoInvocation(options: CargoCommandOptions): CargoInvocation {
  const { toolchain: tc, projectDir } = options;
  const config = readCrateBuildConfig(projectDir);
  const notes: string[] = [];
  const args: string[] = [options.subcommand];
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), RUSTC: tc.rustc };
  if (tc.rustdoc) env.RUSTDOC = tc.rustdoc;
  // The rustup proxy would otherwise pick a toolchain override that differs from RUSTC.
  delete env.RUSTUP_TOOLCHAIN;
  if (options.targetDir) env.CARGO_TARGET_DIR = options.targetDir;
  if (options.messageFormat !== null) args.push(`--message-format=${options.messageFormat ?? 'json-diagnostic-rendered-ansi'}`);
  if (options.color) args.push(`--color=${options.color}`);
  if (options.profile === 'release') args.push('--release');

  let targetName = config.targetName;
  if (!config.target) {
    args.push('--target', KERNEL_TARGET);
    targetName = KERNEL_TARGET;
    notes.push(`the crate's cargo config names no build target: building for ${KERNEL_TARGET}`);
  }
  const jsonTarget = config.target?.endsWith('.json') ?? false;
  const needBuildStd = jsonTarget || targetName !== KERNEL_TARGET || tc.buildMode === 'build-std';
  let unstable = config.configBuildStd;
  if (needBuildStd && !config.configBuildStd) {
    if (!tc.rustSrc) notes.push('build-std is needed but rust-src is not installed');
    args.push('-Zbuild-std=core,compiler_builtins,alloc', '-Zbuild-std-features=compiler-builtins-mem');
    unstable = true;
  }
  if (jsonTarget) {
    args.push('-Zjson-target-spec');
    unstable = true;
  }
  if ((needBuildStd || config.configBuildStd) && tc.vendorDir && !hasRegistryDependencies(projectDir)) {
    // Reuses a source the user's cargo config already defines for that folder (cargo refuses two).
    args.push(...vendoredStdConfigArgs(projectDir, tc.vendorDir, env));
  }
  if (tc.linker && targetName) {
    args.push('--config', `target.${tomlKey(targetName)}.linker=${JSON.stringify(tc.linker)}`);
  }
  if (unstable && !tc.nightly) env.RUSTC_BOOTSTRAP = '1';
  args.push(...(options.extraArgs ?? []));
  return { command: tc.cargo, args, env, cwd: projectDir, notes };
}

function tomlKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

export interface BuildKernelOptions {
  projectDir: string;
  profile: Profile;
  toolchain: RustToolchain;
  signal?: AbortSignal;
  /** Every line of human-readable output (cargo's stderr, rendered compiler messages). */
  onLine?: (line: string) => void;
  onDiagnostic?: (diagnostic: Diagnostic) => void;
  env?: NodeJS.ProcessEnv;
  targetDir?: string;
  color?: 'always' | 'never';
  /** Replaces `spawnTree` in unit tests. */
  spawn?: typeof spawnTree;
}

export interface BuildKernelResult {
  ok: boolean;
  kernelPath?: string;
  diagnostics: Diagnostic[];
  cancelled: boolean;
  exitCode: number | null;
  ms: number;
  /** Cargo did not need to rebuild the kernel. */
  fresh?: boolean;
  /** A one-line reason when !ok. */
  error?: string;
  command: string[];
}

/**
 * Reads a cargo child's output with `--message-format=json...`: stderr lines and non-JSON stdout
 * lines go to `onLine`; a compiler message's rendering goes to `onLine` and the message becomes a
 * diagnostic (file paths relative to its package); every other JSON message goes to `onMessage`.
 * Resolves when both streams have closed.
 */
export function readCargoOutput<M extends { reason?: string; manifest_path?: string; message?: Parameters<typeof toDiagnostic>[0] }>(
  child: ChildProcess,
  projectDir: string,
  handlers: { onLine: (line: string) => void; onDiagnostic: (d: Diagnostic) => void; onMessage: (msg: M) => void },
): Promise<void> {
  const stdoutDone = new Promise<void>((done) => {
    if (!child.stdout) return done();
    createInterface({ input: child.stdout })
      .on('line', (line) => {
        let msg: M;
        try {
          msg = JSON.parse(line) as M;
        } catch {
          handlers.onLine(line);
          return;
        }
        if (msg.reason === 'compiler-message' && msg.message) {
          if (msg.message.rendered) handlers.onLine(msg.message.rendered.replace(/\n$/, ''));
          const base = msg.manifest_path ? dirname(msg.manifest_path) : projectDir;
          const d = toDiagnostic(msg.message, existsSync(base) ? base : projectDir);
          if (d) handlers.onDiagnostic(d);
        } else handlers.onMessage(msg);
      })
      .on('close', () => done());
  });
  const stderrDone = new Promise<void>((done) => {
    if (!child.stderr) return done();
    createInterface({ input: child.stderr })
      .on('line', (line) => handlers.onLine(line))
      .on('close', () => done());
  });
  return Promise.all([stdoutDone, stderrDone]).then(() => undefined);
}

interface CargoMessage {
  reason?: string;
  manifest_path?: string;
  message?: {
    level?: string;
    message?: string;
    rendered?: string | null;
    spans?: { file_name: string; line_start: number; column_start: number; is_primary: boolean }[];
  };
  target?: { kind?: string[]; name?: string; test?: boolean };
  executable?: string | null;
  fresh?: boolean;
  success?: boolean;
  profile?: { test?: boolean };
}

const NOISE = /^(aborting due to|\d+ warnings? emitted|Some errors have detailed explanations|For more information about)/;

/** Turns one rustc JSON diagnostic into the contract's shape (null for summary lines). */
export function toDiagnostic(msg: NonNullable<CargoMessage['message']>, baseDir: string): Diagnostic | null {
  const text = msg.message ?? '';
  if (NOISE.test(text)) return null;
  const raw = msg.level ?? 'error';
  const level: Diagnostic['level'] =
    raw === 'warning' ? 'warning' : raw === 'note' || raw === 'failure-note' ? 'note' : raw === 'help' ? 'help' : 'error';
  const span = msg.spans?.find((s) => s.is_primary) ?? msg.spans?.[0];
  const d: Diagnostic = { level, message: text };
  if (span) {
    d.file = isAbsolute(span.file_name) ? span.file_name : resolve(baseDir, span.file_name);
    d.line = span.line_start;
    d.column = span.column_start;
  }
  if (msg.rendered) d.rendered = msg.rendered;
  return d;
}

/** Builds the kernel. Never throws; cancelling through `signal` kills cargo and its children. */
export async function buildKernel(options: BuildKernelOptions): Promise<BuildKernelResult> {
  const started = performance.now();
  const projectDir = resolve(options.projectDir);
  const manifestPath = join(projectDir, 'Cargo.toml');
  const inv = cargoInvocation({
    projectDir,
    toolchain: options.toolchain,
    subcommand: 'build',
    profile: options.profile,
    env: options.env,
    targetDir: options.targetDir,
    color: options.color ?? 'always',
  });
  const diagnostics: Diagnostic[] = [];
  const onLine = options.onLine ?? (() => {});
  for (const note of inv.notes) onLine(`bootlab: ${note}`);
  const result: BuildKernelResult = {
    ok: false,
    diagnostics,
    cancelled: false,
    exitCode: null,
    ms: 0,
    command: [inv.command, ...inv.args],
  };
  if (options.signal?.aborted) {
    result.cancelled = true;
    result.error = 'cancelled';
    return result;
  }
  let child: ChildProcess;
  try {
    child = (options.spawn ?? spawnTree)(inv.command, inv.args, {
      cwd: inv.cwd,
      env: inv.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // cargo, rustc, build scripts and the linker end with Bootlab, even a SIGKILLed one.
      tie: 'group',
    });
  } catch (error) {
    result.error = `could not start ${inv.command}: ${(error as Error).message}`;
    result.ms = performance.now() - started;
    return result;
  }
  const abort = () => {
    result.cancelled = true;
    killTree(child);
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  let spawnError: string | undefined;
  child.on('error', (e) => (spawnError = e.message));
  const candidates: { path: string; name: string }[] = [];
  let buildSucceeded: boolean | undefined;
  const streamsDone = readCargoOutput(child, projectDir, {
    onLine,
    onDiagnostic: (d) => {
      diagnostics.push(d);
      options.onDiagnostic?.(d);
    },
    onMessage: (msg: CargoMessage) => {
      if (msg.reason === 'compiler-artifact') {
        const own = msg.manifest_path ? resolve(msg.manifest_path) === manifestPath : true;
        if (own && msg.executable && msg.target?.kind?.includes('bin')) {
          candidates.push({ path: msg.executable, name: msg.target.name ?? '' });
          if (msg.fresh !== undefined) result.fresh = msg.fresh;
        }
      } else if (msg.reason === 'build-finished') {
        buildSucceeded = msg.success;
      }
    },
  });
  const exit = await new Promise<number | null>((resolveExit) => {
    child.on('close', (code) => resolveExit(code));
    child.on('error', () => resolveExit(null));
  });
  await streamsDone;
  options.signal?.removeEventListener('abort', abort);
  // Anything the group left behind (a linker) goes too.
  if (result.cancelled) killTree(child);
  result.exitCode = exit;
  result.ms = performance.now() - started;
  if (result.cancelled) {
    result.error = 'cancelled';
    return result;
  }
  if (spawnError) {
    result.error = `could not start ${inv.command}: ${spawnError}`;
    return result;
  }
  if (exit !== 0 || buildSucceeded === false) {
    const errors = diagnostics.filter((d) => d.level === 'error').length;
    result.error = errors > 0 ? `build failed with ${errors} error${errors === 1 ? '' : 's'}` : `cargo exited with status ${exit}`;
    return result;
  }
  const packageName = readPackageName(manifestPath);
  const pick =
    candidates.find((c) => c.name === packageName) ?? candidates.find((c) => c.name.replace(/-/g, '_') === packageName?.replace(/-/g, '_')) ?? candidates[0];
  if (!pick) {
    result.error = 'cargo built no executable (is this a binary crate?)';
    return result;
  }
  result.ok = true;
  result.kernelPath = pick.path;
  return result;
}

function readPackageName(manifestPath: string): string | undefined {
  try {
    const name = getPath(parseToml(readFileSync(manifestPath, 'utf8')), 'package', 'name');
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
