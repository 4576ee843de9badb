// Bootlab's temporary folders carry their owner's pid in the name (`bootlab-qemu-<pid>-XXXXXX`,
// `bootlab-runner-<pid>-XXXXXX`, `bootlab-run-<pid>-<run>`), so that the folders a crashed or
// SIGKILLed Bootlab left behind can be removed at the next start without touching those of a
// Bootlab that still runs. A pid that is alive (or has been reused by another process) keeps its
// folders: a false "alive" only delays the sweep, a false "dead" would break a running session.
import { mkdtempSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type OwnedTempKind = 'qemu' | 'runner' | 'run';

const OWNED = /^bootlab-(?:qemu|runner|run)-(\d+)-./;

/** The name prefix of a folder owned by process `pid` (default: this one). */
export function ownedTempPrefix(kind: OwnedTempKind, pid: number = process.pid): string {
  return `bootlab-${kind}-${pid}-`;
}

/** Creates a fresh temporary folder owned by this process. */
export function makeOwnedTempDir(kind: OwnedTempKind, parent: string = tmpdir()): string {
  return mkdtempSync(join(parent, ownedTempPrefix(kind)));
}

/** The owner's pid for one of our temp folders' names, else undefined. */
export function ownerOf(name: string): number | undefined {
  const m = OWNED.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Whether a process with this pid exists (another user's counts: EPERM). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SweepOptions {
  /** The folder to sweep (default: the OS's temp folder). */
  parent?: string;
  isAlive?: (pid: number) => boolean;
}

/**
 * Removes the temp folders of Bootlab processes that no longer run. One directory listing; never
 * throws (a folder that cannot be removed, e.g. another user's, stays).
 * Resolves to the folders removed.
 */
export async function sweepStaleTempDirs(options: SweepOptions = {}): Promise<string[]> {
  const parent = options.parent ?? tmpdir();
  const isAlive = options.isAlive ?? processAlive;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const owner = ownerOf(name);
      if (owner === undefined || owner === process.pid || isAlive(owner)) return;
      const path = join(parent, name);
      try {
        if (!(await lstat(path)).isDirectory()) return;
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // not ours to remove, or gone already
      }
    }),
  );
  return removed;
}
