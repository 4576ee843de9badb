// Reads what Bootlab needs from a kernel's Cargo.toml: the package name, the boot-info features
// (DESIGN "Decisions": --features flag, else the resolved features of a `bootloader` 0.9.x
// dependency, else `[package.metadata.bootlab] features`, else none), the raw
// `[package.metadata.bootloader]` table and the `[package.metadata.bootimage]` keys.
// Source: `cargo metadata --format-version 1 --offline`; when cargo cannot answer offline (a
// registry dependency not in the local cache), the manifest itself is read, and the version of
// a `bootloader` path dependency is read from that dependency's own manifest.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defaultProbeCache, fileStamp } from './probeCache.js';
import type { CaptureFn } from './proc.js';
import type { RustToolchain } from './toolchain.js';
import { getPath, parseToml, type TomlTable, type TomlValue } from './toml.js';

export interface BootimageConfig {
  runCommand?: string[];
  runArgs?: string[];
  testArgs?: string[];
  testSuccessExitCode?: number;
  /** Seconds. */
  testTimeout?: number;
  testNoReboot?: boolean;
}

export type FeatureSource = 'flag' | 'bootloader-dependency' | 'bootlab-metadata' | 'none';

export interface KernelManifest {
  packageName: string;
  manifestPath: string;
  /** cargo's target directory for the workspace (when cargo metadata answered). */
  targetDirectory?: string;
  features: string[];
  featureSource: FeatureSource;
  /** `[package.metadata.bootloader]`, raw: the image builder validates it (BOOT-CONTRACT 6). */
  bootloaderMetadata: Record<string, unknown>;
  bootimage: BootimageConfig;
  /** `[package.metadata.bootlab] ramdisk`, made absolute: a bootloader_api 0.11 kernel's ramdisk. */
  ramdisk?: string;
  /** Why the manifest was read without cargo, when it was. */
  notes: string[];
}

export interface ReadManifestOptions {
  /** The `--features` flag: wins over everything else when given. */
  features?: string[];
  toolchain?: Pick<RustToolchain, 'cargo' | 'rustc' | 'vendorDir'>;
  /**
   * Finds a cargo when `toolchain` is not given, called only when cargo's answer matters (the
   * manifest names a `bootloader` dependency): a run without it stays fast.
   */
  findToolchain?: () => Promise<Pick<RustToolchain, 'cargo' | 'rustc'> | undefined>;
  /** Skip cargo metadata and read Cargo.toml directly (faster; no resolved features). */
  noCargo?: boolean;
  env?: NodeJS.ProcessEnv;
  exec?: CaptureFn;
}

export class ManifestError extends Error {}

interface MetadataPackage {
  id: string;
  name: string;
  version: string;
  manifest_path: string;
  metadata: Record<string, unknown> | null;
}
interface Metadata {
  packages: MetadataPackage[];
  resolve: { root: string | null; nodes: { id: string; deps: { name: string; pkg: string }[]; features: string[] }[] } | null;
  target_directory: string;
}

const BOOTIMAGE_KEYS = ['run-command', 'run-args', 'test-args', 'test-success-exit-code', 'test-timeout', 'test-no-reboot'];

/** Validates `[package.metadata.bootimage]` with bootimage's rules: wrong types and unknown keys are errors. */
export function parseBootimageConfig(raw: unknown): BootimageConfig {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ManifestError('[package.metadata.bootimage] must be a table');
  const table = raw as Record<string, unknown>;
  const out: BootimageConfig = {};
  const strings = (key: string): string[] => {
    const v = table[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new ManifestError(`[package.metadata.bootimage] ${key} must be an array of strings`);
    }
    return v as string[];
  };
  const integer = (key: string): number => {
    const v = table[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ManifestError(`[package.metadata.bootimage] ${key} must be an integer`);
    return v;
  };
  for (const key of Object.keys(table)) {
    if (!BOOTIMAGE_KEYS.includes(key)) throw new ManifestError(`[package.metadata.bootimage] unknown key \`${key}\``);
  }
  if ('run-command' in table) out.runCommand = strings('run-command');
  if ('run-args' in table) out.runArgs = strings('run-args');
  if ('test-args' in table) out.testArgs = strings('test-args');
  if ('test-success-exit-code' in table) out.testSuccessExitCode = integer('test-success-exit-code');
  if ('test-timeout' in table) out.testTimeout = integer('test-timeout');
  if ('test-no-reboot' in table) {
    if (typeof table['test-no-reboot'] !== 'boolean') throw new ManifestError('[package.metadata.bootimage] test-no-reboot must be a boolean');
    out.testNoReboot = table['test-no-reboot'] as boolean;
  }
  return out;
}

function bootlabFeatures(metadata: unknown): string[] | undefined {
  const f = getPath(metadata as TomlTable, 'bootlab', 'features');
  if (f === undefined) return undefined;
  if (!Array.isArray(f) || !f.every((x) => typeof x === 'string')) {
    throw new ManifestError('[package.metadata.bootlab] features must be an array of strings');
  }
  return f as string[];
}

/** `[package.metadata.bootlab] ramdisk`: a path relative to Cargo.toml, like cargo's own paths. */
function bootlabRamdisk(metadata: unknown, manifestPath: string): { ramdisk?: string } {
  const value = getPath(metadata as TomlTable, 'bootlab', 'ramdisk');
  if (value === undefined) return {};
  if (typeof value !== 'string' || value === '') {
    throw new ManifestError(`${manifestPath}: [package.metadata.bootlab] ramdisk must be a file path (a string), not ${JSON.stringify(value)}`);
  }
  return { ramdisk: resolve(dirname(manifestPath), value) };
}

const cache = new Map<string, { key: string; value: KernelManifest }>();

function cacheKey(manifestPath: string, options: ReadManifestOptions): string {
  const stamp = (p: string) => {
    try {
      return String(statSync(p).mtimeMs);
    } catch {
      return '-';
    }
  };
  return [stamp(manifestPath), stamp(join(dirname(manifestPath), 'Cargo.lock')), options.noCargo ? 1 : 0, options.toolchain?.cargo ?? (options.findToolchain ? 'found' : '')].join('|');
}

/** Reads a kernel manifest. Throws ManifestError with a readable message. */
export async function readKernelManifest(manifestPath: string, options: ReadManifestOptions = {}): Promise<KernelManifest> {
  manifestPath = resolve(manifestPath);
  const key = cacheKey(manifestPath, options);
  const cached = cache.get(manifestPath);
  let base: KernelManifest;
  if (cached && cached.key === key) {
    base = cached.value;
  } else {
    base = await readUncached(manifestPath, options);
    cache.set(manifestPath, { key, value: base });
  }
  if (options.features) {
    return { ...base, features: [...options.features], featureSource: 'flag' };
  }
  return { ...base, features: [...base.features] };
}

async function readUncached(manifestPath: string, options: ReadManifestOptions): Promise<KernelManifest> {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read ${manifestPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const notes: string[] = [];
  let toolchain = options.toolchain;
  if (!toolchain && !options.noCargo && options.findToolchain && namesBootloaderDependency(text)) {
    toolchain = await options.findToolchain();
    if (!toolchain) notes.push('no cargo was found to resolve the bootloader dependency; read Cargo.toml directly');
  }
  if (!options.noCargo && toolchain) {
    // cargo metadata's answer depends on the manifest and the lock file (and cargo itself).
    const stamps = [fileStamp(manifestPath), fileStamp(join(dirname(manifestPath), 'Cargo.lock'))];
    const exec: CaptureFn = options.exec ?? ((command, args, o) => defaultProbeCache().capture(command, args, { ...o, stamps }));
    const dir = dirname(manifestPath);
    const args = ['metadata', '--format-version', '1', '--offline', '--manifest-path', manifestPath];
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), RUSTC: toolchain.rustc };
    delete env.RUSTUP_TOOLCHAIN;
    const out = await exec(toolchain.cargo, args, { cwd: dir, env, timeoutMs: 60_000 });
    if (out.code === 0) {
      try {
        return fromMetadata(JSON.parse(out.stdout) as Metadata, manifestPath);
      } catch (error) {
        if (error instanceof ManifestError) throw error;
        notes.push(`cargo metadata gave unreadable output: ${(error as Error).message}`);
      }
    } else {
      const reason = out.stderr.split('\n').find((l) => /error/i.test(l)) ?? out.spawnError ?? `status ${out.code}`;
      if (/failed to parse manifest|could not parse|invalid/i.test(out.stderr)) {
        throw new ManifestError(`${manifestPath}: ${out.stderr.trim()}`);
      }
      notes.push(`cargo metadata failed (${reason.trim()}); read Cargo.toml directly`);
    }
  }
  return fromToml(text, manifestPath, notes);
}

function fromMetadata(meta: Metadata, manifestPath: string): KernelManifest {
  const pkg = meta.packages.find((p) => resolve(p.manifest_path) === manifestPath);
  if (!pkg) throw new ManifestError(`${manifestPath} is not a package (a virtual workspace manifest?)`);
  const metadata = (pkg.metadata ?? {}) as Record<string, unknown>;
  let features: string[] = [];
  let featureSource: FeatureSource = 'none';
  const node = meta.resolve?.nodes.find((n) => n.id === pkg.id);
  const bootloaderDep = node?.deps
    .map((d) => meta.packages.find((p) => p.id === d.pkg))
    .find((p) => p?.name === 'bootloader' && p.version.startsWith('0.9.'));
  if (bootloaderDep) {
    features = meta.resolve?.nodes.find((n) => n.id === bootloaderDep.id)?.features ?? [];
    featureSource = 'bootloader-dependency';
  } else {
    const own = bootlabFeatures(metadata);
    if (own) {
      features = own;
      featureSource = 'bootlab-metadata';
    }
  }
  return {
    packageName: pkg.name,
    manifestPath,
    targetDirectory: meta.target_directory,
    features: [...features].sort(),
    featureSource,
    bootloaderMetadata: objectOrEmpty(metadata.bootloader, 'bootloader'),
    bootimage: parseBootimageConfig(metadata.bootimage),
    ...bootlabRamdisk(metadata, manifestPath),
    notes: [],
  };
}

function fromToml(text: string, manifestPath: string, notes: string[]): KernelManifest {
  const toml = parseToml(text);
  const name = getPath(toml, 'package', 'name');
  if (typeof name !== 'string') throw new ManifestError(`${manifestPath} has no [package] name`);
  const metadata = (getPath(toml, 'package', 'metadata') ?? {}) as Record<string, unknown>;
  let features: string[] = [];
  let featureSource: FeatureSource = 'none';
  const dep = getPath(toml, 'dependencies', 'bootloader');
  const version = bootloaderVersion(dep, manifestPath, notes);
  if (typeof version === 'string' && /^[=^~]?\s*0\.9(\.|$)/.test(version)) {
    const f = typeof dep === 'object' ? getPath(dep as TomlTable, 'features') : undefined;
    features = Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
    featureSource = 'bootloader-dependency';
  } else {
    const own = bootlabFeatures(metadata);
    if (own) {
      features = own;
      featureSource = 'bootlab-metadata';
    }
  }
  return {
    packageName: name,
    manifestPath,
    features: [...features].sort(),
    featureSource,
    bootloaderMetadata: objectOrEmpty(metadata.bootloader, 'bootloader'),
    bootimage: parseBootimageConfig(metadata.bootimage),
    ...bootlabRamdisk(metadata, manifestPath),
    notes,
  };
}

/** True when the manifest names a `bootloader` dependency anywhere cargo would resolve one. */
function namesBootloaderDependency(text: string): boolean {
  let toml: TomlTable;
  try {
    toml = parseToml(text);
  } catch {
    return true; // cargo gives the better error
  }
  if (getPath(toml, 'dependencies', 'bootloader') !== undefined) return true;
  const targets = getPath(toml, 'target');
  if (!targets || typeof targets !== 'object' || Array.isArray(targets)) return false;
  return Object.values(targets).some((t) => getPath(t as TomlTable, 'dependencies', 'bootloader') !== undefined);
}

/**
 * The version requirement of the `bootloader` dependency as Cargo.toml states it; for a path
 * dependency without one, the version in that dependency's own Cargo.toml. A git dependency
 * without a version cannot be read without cargo: a note says so.
 */
function bootloaderVersion(dep: TomlValue | undefined, manifestPath: string, notes: string[]): string | undefined {
  if (typeof dep === 'string') return dep;
  if (!dep || typeof dep !== 'object' || Array.isArray(dep)) return undefined;
  const table = dep as TomlTable;
  if (typeof table.version === 'string') return table.version;
  if (typeof table.path === 'string') {
    const own = join(resolve(dirname(manifestPath), table.path), 'Cargo.toml');
    try {
      const version = getPath(parseToml(readFileSync(own, 'utf8')), 'package', 'version');
      if (typeof version === 'string') return `=${version}`;
      notes.push(`${own} states no plain package version; the bootloader dependency's features were not used`);
    } catch (error) {
      notes.push(`cannot read the bootloader dependency's manifest ${own} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); its features were not used`);
    }
    return undefined;
  }
  if (typeof table.git === 'string') {
    notes.push(`the bootloader dependency comes from git without a version; its features were not used (cargo could not be asked)`);
  }
  return undefined;
}

function objectOrEmpty(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ManifestError(`[package.metadata.${name}] must be a table`);
  return { ...(value as Record<string, unknown>) };
}

/** Finds the Cargo.toml for a project folder or any file inside it, from there upwards. */
export function findManifestUpwards(start: string, exists: (p: string) => boolean): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, 'Cargo.toml');
    if (exists(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
