// Watches a kernel crate for saved changes: src/, tests/, benches/, examples/ and .cargo/
// (recursively), Cargo.toml and build.rs; never target/. fs.watch where the platform delivers
// events, polling (stat every few hundred ms) where it does not or where events are unreliable
// (network drives, WSL's Windows mounts). Bursts (an editor's write + rename, cargo fmt over many
// files) are debounced into one report; an event whose file did not really change (same size and
// modification time) is dropped.
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';

const WATCHED_DIRS = ['src', 'tests', 'benches', 'examples', '.cargo'];
const WATCHED_FILES = ['Cargo.toml', 'build.rs'];

export type WatchMode = 'events' | 'poll';

export interface CrateWatchOptions {
  dir: string;
  /** Called once per burst of changes, with the changed paths relative to `dir`. */
  onChange: (paths: string[]) => void;
  debounceMs?: number;
  pollMs?: number;
  /** Default: events, unless the folder is on a file system where they are unreliable. */
  mode?: WatchMode;
}

export interface CrateWatch {
  mode: WatchMode;
  close(): void;
}

/** True for folders where change events are known to be unreliable. */
export function eventsUnreliable(dir: string, platform = process.platform): boolean {
  if (platform === 'win32') return dir.startsWith('\\\\'); // UNC: a network share
  if (platform !== 'linux') return false;
  if (!/^\/mnt\/[a-z]\//i.test(dir)) return false;
  try {
    return /microsoft/i.test(readFileSync('/proc/version', 'utf8'));
  } catch {
    return false;
  }
}

/** Whether a path (relative to the crate, either separator) is one a change of which matters. */
export function isWatchedPath(rel: string): boolean {
  const parts = rel.split(/[\\/]/).filter(Boolean);
  if (parts.length === 0) return false;
  if (parts.length === 1) return WATCHED_FILES.includes(parts[0]!) || WATCHED_DIRS.includes(parts[0]!);
  return WATCHED_DIRS.includes(parts[0]!);
}

type Stamp = string;

function stampOf(path: string): Stamp | undefined {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Every watched file and folder with its stamp. */
function snapshot(dir: string): Map<string, Stamp> {
  const out = new Map<string, Stamp>();
  const walk = (rel: string, depth: number) => {
    const stamp = stampOf(join(dir, rel));
    if (stamp === undefined) return;
    out.set(rel, stamp);
    if (stamp !== 'dir' || depth > 32) return;
    let entries: string[];
    try {
      entries = readdirSync(join(dir, rel));
    } catch {
      return;
    }
    for (const e of entries) walk(join(rel, e), depth + 1);
  };
  for (const name of [...WATCHED_FILES, ...WATCHED_DIRS]) walk(name, 0);
  return out;
}

export function watchCrate(options: CrateWatchOptions): CrateWatch {
  const { dir } = options;
  const debounceMs = options.debounceMs ?? 150;
  let stamps = snapshot(dir);
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const flush = () => {
    timer = undefined;
    if (closed || pending.size === 0) return;
    const paths = [...pending].sort();
    pending = new Set();
    options.onChange(paths);
  };
  const note = (rel: string) => {
    pending.add(rel);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };
  /** Compares one path (and, for a folder, what is under it) with the last snapshot. */
  const check = (rel: string) => {
    const before = stamps;
    const now = snapshot(dir);
    stamps = now;
    const changed: string[] = [];
    for (const [p, s] of now) if (before.get(p) !== s && s !== 'dir') changed.push(p);
    for (const p of before.keys()) if (!now.has(p)) changed.push(p);
    if (changed.length === 0 && rel && !now.has(rel) && before.has(rel)) changed.push(rel);
    for (const p of changed) note(p.split(sep).join('/'));
  };

  let mode: WatchMode = options.mode ?? (eventsUnreliable(dir) ? 'poll' : 'events');
  const watchers = new Map<string, FSWatcher>();
  let poller: NodeJS.Timeout | undefined;

  const startPolling = () => {
    mode = 'poll';
    for (const w of watchers.values()) w.close();
    watchers.clear();
    poller = setInterval(() => check(''), options.pollMs ?? 400);
    poller.unref?.();
  };
  /** Recursive watchers on the folders that exist now; the crate folder's own watcher adds later ones. */
  const attach = () => {
    for (const name of WATCHED_DIRS) {
      const path = join(dir, name);
      if (watchers.has(name)) continue;
      if (!existsSync(path)) continue;
      const w = watch(path, { recursive: true }, (_event, file) => {
        const rel = file ? join(name, file.toString()) : name;
        if (isWatchedPath(rel)) check(rel);
      });
      w.on('error', () => {
        // The folder went away (renamed, deleted): the crate folder's watcher sees it return.
        w.close();
        watchers.delete(name);
        check(name);
      });
      watchers.set(name, w);
    }
  };

  if (mode === 'events') {
    try {
      const root = watch(dir, (_event, file) => {
        const name = file?.toString();
        if (!name || !isWatchedPath(name)) return;
        if (WATCHED_DIRS.includes(name)) attach();
        check(name);
      });
      root.on('error', () => {
        if (!closed) startPolling();
      });
      watchers.set('', root);
      attach();
    } catch {
      // No change events here (an unsupported file system or platform): poll.
      startPolling();
    }
  } else startPolling();

  return {
    get mode() {
      return mode;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poller) clearInterval(poller);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
