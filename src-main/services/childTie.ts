// Ties a child's life to Bootlab's, however Bootlab ends. Graceful ends (Ctrl-C, SIGTERM, SIGHUP,
// Stop) already kill the child's process group; this covers SIGKILL, a crash or an out-of-memory
// kill, after which nothing of ours runs any more. Children run in process groups of their own
// (see proc.ts), so the terminal's signals do not reach them either.
//
// The tie costs no process of its own (QEMU) or one tiny C program (cargo), never a Node process:
// - Linux, a single program (QEMU): `setpriv --pdeathsig KILL -- PROGRAM ARGS`. setpriv
//   (util-linux 2.33+) sets PR_SET_PDEATHSIG and execs the program in place, so the child's pid is
//   QEMU's own and it stays our direct child. The kernel keeps the setting across exec (the
//   program is not set-uid) and sends SIGKILL when the thread that spawned it ends: Node spawns
//   on its main thread, so that is when Bootlab ends.
// - Linux, a process tree (cargo -> rustc, build scripts, the linker):
//   `setpriv --pdeathsig TERM -- timeout 0 PROGRAM ARGS`. GNU timeout with a zero duration never
//   times out, but a signal it receives is sent on to its whole process group (the group of the
//   spawned child), so cargo and every process cargo started end together.
// - Where setpriv (or GNU timeout, for trees) is missing, the child runs untied, as before.
// - macOS has no parent-death signal and QEMU has no option to quit when its chardev sockets or
//   stdin close (it ignores SIGPIPE too), so there a SIGKILLed Bootlab still leaves its children
//   running; Windows would need a job object, which Node does not expose. Both run untied; their
//   stale temp folders are still swept at the next start (staleTemp.ts).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** `process`: the child alone (it starts no processes that matter). `group`: its whole process group. */
export type TieKind = 'process' | 'group';

export interface TiedCommand {
  command: string;
  args: string[];
  /** How the child is tied: `none` when this platform or machine offers no way. */
  tie: 'pdeathsig' | 'pdeathsig-group' | 'none';
}

/** The helper programs found on this machine (undefined: missing or unusable). */
export interface TieTools {
  setpriv?: string;
  timeout?: string;
}

// System tools only: a `setpriv` or `timeout` earlier on the user's PATH is not asked.
const SYSTEM_DIRS = ['/usr/bin', '/bin'];

const probed = new Map<string, string | undefined>();

/** A system tool that passes `works`, looked for once per process. */
function probe(name: string, works: (path: string) => boolean): string | undefined {
  if (!probed.has(name)) {
    const path = SYSTEM_DIRS.map((d) => join(d, name)).find(isExecutableFile);
    probed.set(name, path && works(path) ? path : undefined);
  }
  return probed.get(name);
}

/**
 * Finds setpriv with --pdeathsig and (for process groups) GNU timeout; each is probed once per
 * process, only when first needed (a tiny run of about 2 ms each).
 */
export function detectTieTools(platform: NodeJS.Platform = process.platform, kind: TieKind = 'group'): TieTools {
  if (platform !== 'linux') return {};
  // Options are parsed in order: an unknown --pdeathsig fails before --help can succeed.
  const setpriv = probe('setpriv', (path) => spawnSync(path, ['--pdeathsig', 'KILL', '--help'], { stdio: 'ignore', timeout: 5000 }).status === 0);
  if (!setpriv || kind === 'process') return { setpriv };
  // BusyBox's timeout does not pass signals on to the process group; GNU's does.
  const timeout = probe('timeout', (path) => {
    const version = spawnSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return version.status === 0 && /GNU coreutils/.test(version.stdout);
  });
  return { setpriv, timeout };
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `spawn` would find `command` (PATH from the child's environment, as Node uses it), or
 * undefined. A wrapped program that does not exist would fail inside setpriv with exit status 127
 * instead of Node's ENOENT error, so only programs found here are wrapped.
 */
export function resolveProgram(command: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    return isExecutableFile(path) ? path : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = resolve(cwd, dir, command);
    if (isExecutableFile(path)) return path;
  }
  return undefined;
}

/** The command line that runs `command args` tied to this process's life (or unchanged). */
export function tieToOurLife(
  command: string,
  args: string[],
  kind: TieKind,
  options: { env?: NodeJS.ProcessEnv; cwd?: string; tools?: TieTools } = {},
): TiedCommand {
  const tools = options.tools ?? detectTieTools(process.platform, kind);
  if (!tools.setpriv || (kind === 'group' && !tools.timeout)) return { command, args, tie: 'none' };
  const program = resolveProgram(command, options.env ?? process.env, options.cwd ?? process.cwd());
  if (!program) return { command, args, tie: 'none' };
  if (kind === 'process') return { command: tools.setpriv, args: ['--pdeathsig', 'KILL', '--', program, ...args], tie: 'pdeathsig' };
  // TERM, not KILL: timeout must live to pass the signal on (it exits once the program has).
  return { command: tools.setpriv, args: ['--pdeathsig', 'TERM', '--', tools.timeout!, '0', program, ...args], tie: 'pdeathsig-group' };
}
