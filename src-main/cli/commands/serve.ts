// `bootlab serve [--port N] [--no-open] [PROJECT_DIR]`: browser mode. Serves the built renderer
// on 127.0.0.1 with the API contract over a token-protected WebSocket, prints exactly one line
// with the URL, opens the default browser (unless --no-open) and runs until interrupted.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand, CliIo } from '../command.js';
import { createBootlabService } from '../../services/app.js';
import { sweepStaleTempDirs } from '../../services/staleTemp.js';
import { rendererIndex, startWebServer, type HostedService } from '../../web/server.js';

export interface ServeOptions {
  port: number;
  open: boolean;
  projectDir?: string;
}

export function parseServeArgs(argv: string[], cwd: string): ServeOptions {
  const options: ServeOptions = { port: 0, open: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-open') options.open = false;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? argv[++i] : arg.slice('--port='.length);
      const port = Number(value);
      if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new UsageError(`--port needs a number from 0 to 65535, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
      }
      options.port = port;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (options.projectDir === undefined) options.projectDir = resolve(cwd, arg);
    else throw new UsageError(`one project directory at most, got ${JSON.stringify(arg)} too`);
  }
  return options;
}

export class UsageError extends Error {}

/** The folder holding Bootlab's package.json, found from this module (source or bundle). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'bootlab') return dir;
      } catch {
        // keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find Bootlab's package.json above ${from}`);
    dir = parent;
  }
}

/** The command that opens a URL in the default browser on each OS, as an argument array. */
export function browserCommand(url: string, platform: NodeJS.Platform): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32.exe', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

function openBrowser(url: string, io: CliIo): void {
  const [command, args] = browserCommand(url, process.platform);
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false });
    child.on('error', (error) => io.stderr(`bootlab serve: could not open a browser (${error.message}); open the URL above yourself\n`));
    child.unref();
  } catch (error) {
    io.stderr(`bootlab serve: could not open a browser (${(error as Error).message})\n`);
  }
}

/** Builds the renderer with Vite when out/renderer is missing (a source checkout). */
async function ensureRenderer(root: string, staticDir: string, io: CliIo): Promise<void> {
  if (existsSync(rendererIndex(staticDir))) return;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error(`the renderer is not built (${staticDir}) and Vite is not installed: run \`npm run build\``);
  io.stderr('bootlab serve: building the renderer first...\n');
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', 'src-renderer/vite.config.ts', '--logLevel', 'warn'], {
      cwd: root,
      // Vite's output goes to stderr: stdout is reserved for the one URL line.
      stdio: ['ignore', 2, 2],
    });
    child.on('error', () => done(1));
    child.on('exit', (status) => done(status ?? 1));
  });
  if (code !== 0 || !existsSync(rendererIndex(staticDir))) throw new Error('building the renderer failed');
}

export interface ServeDeps {
  createService: (options: { resourcesDir: string; env: NodeJS.ProcessEnv }) => HostedService & {
    dispose(): Promise<void>;
    /** What is wrong with the settings file, if anything: one line on stderr (the window shows it too). */
    readonly settingsProblem?: string;
  };
  root: string;
  open: (url: string, io: CliIo) => void;
  /** Resolves when the server should stop (SIGINT/SIGTERM by default). */
  untilStopped: () => Promise<void>;
  /** Called with the running server's URL (tests). */
  onListening?: (url: string) => void;
}

/**
 * The signals that end the server: Ctrl-C, a kill, and the terminal closing (SIGHUP would end
 * Node at once, skipping the cleanup, and QEMU runs in a process group of its own, so it would
 * be left running with no window able to reach it).
 */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function untilSignal(target: Pick<NodeJS.Process, 'on' | 'off'> = process): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      for (const signal of STOP_SIGNALS) target.off(signal, stop);
      done();
    };
    for (const signal of STOP_SIGNALS) target.on(signal, stop);
  });
}

export async function runServe(argv: string[], io: CliIo, deps: ServeDeps): Promise<number> {
  let options: ServeOptions;
  try {
    options = parseServeArgs(argv, io.cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`bootlab serve: ${error.message}\n${serveCommand.usage}\n`);
    return 2;
  }
  const staticDir = join(deps.root, 'out', 'renderer');
  await ensureRenderer(deps.root, staticDir, io);
  const service = deps.createService({ resourcesDir: join(deps.root, 'resources'), env: io.env });
  if (service.settingsProblem) io.stderr(`bootlab serve: ${service.settingsProblem.replace(/\s*\n\s*/g, ' ')}\n`);
  const projectDir = options.projectDir ?? (await service.getSettings()).lastProject;
  try {
    // As the desktop app does: the last project, else (first start) the sample kernel.
    if (projectDir) await service.openProject(projectDir);
    else await service.openSampleProject();
  } catch (error) {
    // The window shows the state; the server still starts so the user can pick another.
    io.stderr(`bootlab serve: ${(error as Error).message}\n`);
  }
  const server = await startWebServer({ service, staticDir, port: options.port });
  // One promise nobody awaited must not end the session (and with it every window's VM, as
  // Node 20 would): say so on stderr, with the stack to report, and keep serving.
  const stray = (reason: unknown) => io.stderr(`bootlab serve: internal error, still running (please report): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
  process.on('unhandledRejection', stray);
  io.stdout(`Bootlab is running at ${server.url}\n`);
  deps.onListening?.(server.url);
  if (options.open) deps.open(server.url, io);
  await deps.untilStopped();
  await server.close();
  await service.dispose();
  process.off('unhandledRejection', stray);
  return 0;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the Bootlab window in your browser (browser mode)',
  usage: [
    'Usage: bootlab serve [--port N] [--no-open] [PROJECT_DIR]',
    '',
    'Serves the Bootlab window on http://127.0.0.1 and prints its URL (with a one-time token).',
    '  --port N     listen on port N (default: a free port)',
    '  --no-open    do not open the default browser',
    '  PROJECT_DIR  the kernel crate to open (default: the last project)',
  ].join('\n'),
  run: (argv, io) => {
    // Folders a crashed Bootlab left behind; runs alongside the start-up.
    void sweepStaleTempDirs();
    return runServe(argv, io, {
      createService: (options) => createBootlabService(options),
      root: packageRoot(),
      open: openBrowser,
      untilStopped: () => untilSignal(),
    });
  },
};
