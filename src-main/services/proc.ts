// Child processes: always spawned without a shell (argument arrays), in their own process group
// on POSIX so that Stop can end a whole tree (cargo -> rustc -> linker; QEMU), and with
// `taskkill /T` on Windows. Optionally tied to Bootlab's life, so that even a SIGKILLed Bootlab
// leaves no child behind (childTie.ts).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { tieToOurLife, type TieKind } from './childTie.js';

export interface CaptureResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES...). */
  spawnError?: string;
}

export type CaptureFn = (
  command: string,
  args: string[],
  options?: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
) => Promise<CaptureResult>;

/** Runs a program to completion and collects its output. Never throws. */
export const capture: CaptureFn = (command, args, options = {}) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child: ChildProcess;
    try {
      child = spawnTree(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: null, signal: null, stdout, stderr, spawnError: (error as Error).message });
      return;
    }
    const timer =
      options.timeoutMs !== undefined ? setTimeout(() => killTree(child), options.timeoutMs) : undefined;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let spawnError: string | undefined;
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, spawnError });
    });
  });

export interface SpawnTreeOptions extends SpawnOptions {
  /** End the child (`process`) or its whole process group (`group`) when Bootlab ends, however it ends. */
  tie?: TieKind;
}

/** Spawns without a shell, as the leader of a new process group on POSIX. */
export function spawnTree(command: string, args: string[], options: SpawnTreeOptions = {}): ChildProcess {
  const { tie, ...spawnOptions } = options;
  const tied = tie ? tieToOurLife(command, args, tie, { env: options.env, cwd: typeof options.cwd === 'string' ? options.cwd : undefined }) : { command, args };
  return spawn(tied.command, tied.args, {
    ...spawnOptions,
    shell: false,
    windowsHide: true,
    detached: process.platform !== 'win32',
  });
}

/** Ends a child and everything it started. Safe to call more than once or after exit. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    // The leader is gone, but its group may live on (a linker cargo started).
    if (process.platform !== 'win32') tryKill(-pid, signal);
    return;
  }
  if (process.platform === 'win32') {
    try {
      spawn('taskkill', ['/PID', String(pid), '/T', '/F'], { shell: false, windowsHide: true, stdio: 'ignore' });
    } catch {
      child.kill();
    }
    return;
  }
  if (!tryKill(-pid, signal)) tryKill(pid, signal);
}

function tryKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
}
