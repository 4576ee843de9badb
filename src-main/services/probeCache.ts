// Answers of probe commands (`rustc -vV`, `cargo -V`, `qemu --version`, `cargo metadata`) kept
// in memory and on disk, keyed by everything the answer depends on: the program file (path, size,
// mtime), its arguments and working folder, and the files named by the caller (Cargo.toml and
// Cargo.lock for cargo metadata; rustup's state for a rustup proxy). Every `bootlab runner` that
// cargo starts, and every `bootlab run`, would otherwise pay for the same child processes again.
// Only successful answers are kept; a changed key simply misses.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { defaultCacheDir } from './cacheDir.js';
import { capture, type CaptureFn, type CaptureResult } from './proc.js';

/** The cache file's schema version: a change makes old files miss. */
const SCHEMA = 1;
/** Entries beyond this are dropped, oldest first (probes of toolchains that are long gone). */
const MAX_ENTRIES = 200;

interface CacheFile {
  schema: number;
  entries: Record<string, { at: number; stdout: string; stderr: string }>;
}

/** A file's identity for a key: its size and modification time, or that it is missing. */
export function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${path}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${path}:-`;
  }
}

/**
 * What a rustup proxy's answer depends on besides the proxy file: which toolchain it picks
 * (RUSTUP_TOOLCHAIN, a rust-toolchain file from the working folder upwards, rustup's settings)
 * and what is installed (the toolchains folder changes when one is installed or updated).
 * Undefined when `program` is not a rustup proxy.
 */
export function rustupStamps(program: string, env: NodeJS.ProcessEnv, cwd: string): string[] | undefined {
  const dir = dirname(program);
  const isProxy = existsSync(join(dir, process.platform === 'win32' ? 'rustup.exe' : 'rustup')) && basename(program).replace(/\.exe$/, '') !== 'rustup';
  if (!isProxy) return undefined;
  const rustupHome = env.RUSTUP_HOME || join(env.HOME || env.USERPROFILE || homedir(), '.rustup');
  const stamps = [`RUSTUP_TOOLCHAIN=${env.RUSTUP_TOOLCHAIN ?? ''}`, fileStamp(join(rustupHome, 'settings.toml')), fileStamp(join(rustupHome, 'toolchains'))];
  for (let d = cwd; ; d = dirname(d)) {
    stamps.push(fileStamp(join(d, 'rust-toolchain.toml')), fileStamp(join(d, 'rust-toolchain')));
    if (dirname(d) === d) break;
  }
  return stamps;
}

export interface ProbeCache {
  /** Runs `command args` or answers from the cache. `stamps` are extra key parts (files the answer depends on). */
  capture(command: string, args: string[], options?: Parameters<CaptureFn>[2] & { stamps?: string[] }): Promise<CaptureResult>;
  /** How many answers came from each place (tests count work instead of time). */
  readonly counts: { ran: number; memory: number; disk: number };
}

export function createProbeCache(exec: CaptureFn, cacheFile: string | false): ProbeCache {
  const memory = new Map<string, Promise<CaptureResult>>();
  const counts = { ran: 0, memory: 0, disk: 0 };
  let disk: CacheFile | undefined;

  const loadDisk = (): CacheFile => {
    if (disk) return disk;
    disk = { schema: SCHEMA, entries: {} };
    if (cacheFile) {
      try {
        const parsed = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheFile;
        if (parsed.schema === SCHEMA && parsed.entries && typeof parsed.entries === 'object') disk.entries = parsed.entries;
      } catch {
        // Missing or unreadable: start empty.
      }
    }
    return disk;
  };

  const remember = (key: string, result: CaptureResult) => {
    if (!cacheFile) return;
    // Re-read: another Bootlab process may have added entries meanwhile.
    disk = undefined;
    const file = loadDisk();
    file.entries[key] = { at: Date.now(), stdout: result.stdout, stderr: result.stderr };
    const keys = Object.keys(file.entries);
    if (keys.length > MAX_ENTRIES) {
      keys.sort((a, b) => file.entries[a]!.at - file.entries[b]!.at);
      for (const old of keys.slice(0, keys.length - MAX_ENTRIES)) delete file.entries[old];
    }
    try {
      writeFileAtomic(cacheFile, JSON.stringify(file));
    } catch {
      // A read-only cache folder only costs speed.
    }
  };

  return {
    counts,
    capture(command, args, options = {}) {
      const cwd = options.cwd ?? process.cwd();
      const env = options.env ?? process.env;
      const { stamps = [], ...execOptions } = options;
      // A bare name's file is not known here: always ask.
      if (!isAbsolute(command)) {
        counts.ran++;
        return exec(command, args, execOptions);
      }
      const key = createHash('sha256')
        .update(JSON.stringify([command, args, cwd, fileStamp(command), rustupStamps(command, env, cwd) ?? [], stamps]))
        .digest('hex')
        .slice(0, 32);
      const inMemory = memory.get(key);
      if (inMemory) {
        counts.memory++;
        return inMemory;
      }
      const stored = loadDisk().entries[key];
      if (stored) {
        counts.disk++;
        const answer = Promise.resolve<CaptureResult>({ code: 0, signal: null, stdout: stored.stdout, stderr: stored.stderr });
        memory.set(key, answer);
        return answer;
      }
      counts.ran++;
      const running = exec(command, args, execOptions).then((result) => {
        if (result.code === 0 && !result.spawnError) remember(key, result);
        else memory.delete(key);
        return result;
      });
      memory.set(key, running);
      return running;
    },
  };
}

let processCache: ProbeCache | undefined;

/** This process's probe cache over real child processes, stored in the per-user cache folder. */
export function defaultProbeCache(): ProbeCache {
  processCache ??= createProbeCache(capture, join(defaultCacheDir(), 'probes.json'));
  return processCache;
}
