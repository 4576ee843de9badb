// The QEMU supervisor: builds the command line, starts QEMU without a shell, connects the
// kernel's serial port, the bootloader's host log (debug console, port 0xE9) and QMP over
// loopback TCP (QEMU connects to sockets we already listen on: no Unix sockets, no polling),
// mirrors the VGA text screen, enforces a timeout and ends the whole process tree on Stop. QEMU is
// tied to Bootlab's life (childTie.ts): it ends even when Bootlab is SIGKILLed.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { exited, killTree, spawnTree } from './proc.js';
import { parseRegisters, QmpClient } from './qmp.js';
import { makeOwnedTempDir } from './staleTemp.js';
import { traceStep } from './trace.js';

export const VGA_TEXT_ADDRESS = 0xb8000;
export const VGA_TEXT_BYTES = 4000;
export const DEFAULT_RUN_COMMAND = ['qemu-system-x86_64', '-drive', 'format=raw,file={}'];
/**
 * Once QEMU has exited, the streams it owned are at their end and close at once. Only a stream
 * that something else holds open (a helper QEMU started, still alive) is cut off, this long after.
 */
export const STREAM_END_BOUND_MS = 100;

/** Arguments the app drops from a crate's run/test args because Bootlab owns those channels. */
const OWNED_OPTIONS = new Set(['-serial', '-display', '-monitor', '-qmp', '-nographic', '-debugcon']);

/**
 * Removes `-serial X`, `-display X`, `-monitor X`, `-qmp X`, `-nographic` and `-debugcon X`
 * from a crate's QEMU arguments (the app's own channels replace them); returns the notes.
 */
export function dropOwnedArgs(args: string[]): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.replace(/^--/, '-').split('=')[0]!;
    if (OWNED_OPTIONS.has(name)) {
      if (name === '-nographic' || a.includes('=')) dropped.push(a);
      else {
        dropped.push(`${a} ${args[i + 1] ?? ''}`.trim());
        i++;
      }
    } else kept.push(a);
  }
  return { kept, dropped };
}

/** Whether the given args already contain a QEMU option (`-d`, `-no-reboot`...). */
export function hasOption(args: string[], option: string): boolean {
  return args.some((a) => a === option || a === `-${option}` || a.startsWith(`${option}=`));
}

export interface QemuExit {
  /** QEMU's exit status (null when it was killed by a signal). */
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stopped: boolean;
  /** RIP and other registers read through QMP just before a timeout killed QEMU. */
  registersAtTimeout?: Record<string, bigint>;
  /** QEMU's stderr (its own error messages), at most 64 KiB. */
  stderr: string;
  /** Could not start the program at all. */
  spawnError?: string;
  /** Streams that had not closed STREAM_END_BOUND_MS after QEMU's exit and were cut off (normally none). */
  streamsCutOff: string[];
}

export interface QemuStartOptions {
  /** The QEMU executable (absolute, or a name found on PATH). */
  program: string;
  /** Everything after the program: drive, crate args, extra args. */
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Serial over a loopback socket (the app); otherwise the args decide (e.g. `-serial stdio`). */
  serialSocket?: boolean;
  /** Debug console (port 0xE9) over a loopback socket, as lines. */
  debugconSocket?: boolean;
  /** Debug console to a file instead (the CLI: `-debugcon file:PATH`). */
  debugconFile?: string;
  /** QMP over a loopback socket (stop, cont, reset, memory reads, registers at timeout). */
  qmp?: boolean;
  /** `-d int,cpu_reset -D FILE`: the CPU's exception chain, for triple-fault diagnosis. */
  faultLogFile?: string;
  /** Mirror the display through QMP every this many ms (0: off): the VGA text buffer, or the pixels (`mirror`). */
  vgaIntervalMs?: number;
  /**
   * What the mirror reads: `text` the VGA text buffer at 0xB8000 (`onVga`, the default),
   * `pixels` the display through `screendump` (`onScreenDump`, a PPM), `off` nothing (UEFI has
   * no VGA text buffer). The run may switch it later (`QemuSession.setMirror`).
   */
  mirror?: MirrorMode;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Bytes QEMU writes to stdout (with `-serial stdio`, the kernel's serial output). */
  onStdout?: (bytes: Buffer) => void;
  onStderr?: (text: string) => void;
  onSerial?: (bytes: Buffer) => void;
  onDebugconLine?: (line: string) => void;
  onVga?: (screen: Buffer) => void;
  /** The display as a binary PPM, each time its bytes change (mirror `pixels`). */
  onScreenDump?: (ppm: Buffer) => void;
  /**
   * With the VGA mirror on and -no-reboot, QEMU pauses at a guest shutdown (a triple fault):
   * this reads the stopped machine (the stack, for a backtrace) before QEMU quits.
   */
  atGuestShutdown?: () => Promise<void>;
  /** At a timeout, with the CPU stopped and its registers read (QMP on): read the machine before the kill. */
  atTimeout?: (registers: Record<string, bigint>) => Promise<void>;
  /** After `atTimeout`, before the kill: the app keeps the stopped VM for the Inspector until this settles. */
  holdAtTimeout?: () => Promise<void>;
  /** Called once QEMU is spawned (pid known). */
  onSpawn?: (pid: number) => void;
}

export interface QemuSession {
  readonly child: ChildProcess;
  /** Resolves when QEMU has exited and every stream is drained. */
  readonly exit: Promise<QemuExit>;
  /** Resolves once QMP is usable (rejects when QMP is off or QEMU died first). */
  readonly qmpReady: Promise<QmpClient>;
  readonly argv: string[];
  stop(): void;
  readMemory(address: number, length: number): Promise<Buffer>;
  registers(): Promise<Record<string, bigint>>;
  reset(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Switches what the mirror reads (e.g. to pixels once the loader reports a framebuffer). */
  setMirror(mode: MirrorMode): void;
}

export type MirrorMode = 'text' | 'pixels' | 'off';

interface Listener {
  server: Server;
  port: number;
  connection: Promise<Socket>;
}

function listen(): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    let accept: (s: Socket) => void;
    const connection = new Promise<Socket>((res) => (accept = res));
    server.once('connection', (socket) => {
      accept(socket);
      server.close();
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) {
        reject(new Error('cannot listen on loopback'));
        return;
      }
      resolve({ server, port: address.port, connection });
    });
  });
}

/** `promise`, or a rejection after `ms`; the timer never outlives the answer (it would hold the process open). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

function chardev(id: string, port: number): string {
  return `socket,id=${id},host=127.0.0.1,port=${port}`;
}

/** Starts QEMU. Rejects only when the loopback sockets cannot be opened. */
export async function startQemu(options: QemuStartOptions): Promise<QemuSession> {
  const [serial, debugcon, qmpListener] = await Promise.all([
    options.serialSocket ? listen() : undefined,
    options.debugconSocket ? listen() : undefined,
    options.qmp ? listen() : undefined,
  ]);
  const args = [...options.args];
  if (serial) args.push('-chardev', chardev('bl-serial', serial.port), '-serial', 'chardev:bl-serial');
  if (debugcon) args.push('-chardev', chardev('bl-debugcon', debugcon.port), '-device', 'isa-debugcon,iobase=0xe9,chardev=bl-debugcon');
  else if (options.debugconFile) args.push('-debugcon', `file:${options.debugconFile}`);
  if (qmpListener) args.push('-chardev', chardev('bl-qmp', qmpListener.port), '-mon', 'chardev=bl-qmp,mode=control');
  // Under -no-reboot a triple fault would end QEMU at once, possibly before QMP is even connected
  // (a kernel that faults early, a loaded machine): pause at the shutdown from the start, so the
  // screen and the stack can be read; the QMP handler below then quits.
  const pauseAtShutdown = qmpListener !== undefined && hasOption(args, '-no-reboot') && !hasOption(args, '-no-shutdown') && !hasOption(args, '-action');
  if (pauseAtShutdown) args.push('-action', 'shutdown=pause');
  if (options.faultLogFile && !hasOption(args, '-d') && !hasOption(args, '-D')) {
    args.push('-d', 'int,cpu_reset', '-D', options.faultLogFile);
  }
  // For pmemsave's files; made on the first memory read.
  let tmp: string | undefined;
  const child = spawnTree(options.program, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    tie: 'process',
  });
  let stopped = false;
  let timedOut = false;
  let spawnError: string | undefined;
  let stderr = '';
  let registersAtTimeout: Record<string, bigint> | undefined;
  child.on('error', (e) => (spawnError = e.message));
  traceStep('QEMU spawned');
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // Each stream QEMU owns, by name, settling at its close or end of file.
  const streams = new Map<string, Promise<void>>();
  const openStreams = new Set<string>();
  const track = (name: string, ended: Promise<void>) => {
    openStreams.add(name);
    streams.set(
      name,
      ended.then(() => {
        openStreams.delete(name);
      }),
    );
  };
  const drain = (name: string, stream: NodeJS.ReadableStream | null, onData: (b: Buffer) => void) => {
    if (!stream) return;
    track(
      name,
      new Promise((done) => {
        stream.on('data', (b: Buffer) => onData(b));
        stream.on('end', () => done());
        stream.on('close', () => done());
        stream.on('error', () => done());
      }),
    );
  };
  let firstOutput = true;
  drain('stdout', child.stdout, (b) => {
    if (firstOutput) traceStep('first byte on QEMU stdout');
    firstOutput = false;
    guestOutput();
    options.onStdout?.(b);
  });
  drain('stderr', child.stderr, (b) => {
    const text = b.toString('utf8');
    if (stderr.length < 65536) stderr += text;
    options.onStderr?.(text);
  });

  const processExit = exited(child);
  // Called on the next guest output (serial or debug console): see reset().
  const outputWaiters = new Set<() => void>();
  const guestOutput = () => {
    for (const w of [...outputWaiters]) w();
  };
  const sockets: Socket[] = [];
  const closeListeners = () => {
    for (const l of [serial, debugcon, qmpListener]) l?.server.close();
  };
  processExit.then(closeListeners);

  /** Once QEMU connects to `listener`, hands its socket to `attach`; settles when it closes. */
  const stream = (listener: Listener, attach: (socket: Socket) => void, onEnd: () => void = () => {}) =>
    Promise.race([listener.connection, processExit.then(() => undefined)]).then(
      (socket) =>
        new Promise<void>((done) => {
          if (!socket) return done();
          sockets.push(socket);
          attach(socket);
          const finish = () => {
            onEnd();
            done();
          };
          socket.on('close', finish);
          socket.on('error', finish);
        }),
    );
  if (serial) {
    track(
      'serial socket',
      stream(serial, (socket) => {
        socket.setNoDelay(true);
        socket.on('data', (b: Buffer) => {
          guestOutput();
          options.onSerial?.(b);
        });
      }),
    );
  }
  if (debugcon) {
    let pending = '';
    track(
      'debug console socket',
      stream(
        debugcon,
        (socket) => {
          socket.setEncoding('latin1');
          socket.on('data', (text: string) => {
            guestOutput();
            pending += text;
            let nl: number;
            while ((nl = pending.indexOf('\n')) >= 0) {
              options.onDebugconLine?.(pending.slice(0, nl).replace(/\r$/, ''));
              pending = pending.slice(nl + 1);
            }
          });
        },
        () => {
          if (pending) options.onDebugconLine?.(pending);
          pending = '';
        },
      ),
    );
  }
  const qmpReady: Promise<QmpClient> = qmpListener
    ? Promise.race([
        qmpListener.connection.then(async (socket) => {
          sockets.push(socket);
          traceStep('QMP connected');
          const client = new QmpClient(socket);
          await client.ready;
          traceStep('QMP ready');
          return client;
        }),
        processExit.then(() => {
          throw new Error('QEMU exited before QMP was ready');
        }),
      ])
    : Promise.reject(new Error('QMP is off for this run'));
  qmpReady.catch(() => {});

  const readMemory = async (address: number, length: number): Promise<Buffer> => {
    const qmp = await qmpReady;
    tmp ??= makeOwnedTempDir('qemu');
    const file = join(tmp, `mem-${address.toString(16)}-${length}-${Math.random().toString(36).slice(2)}.bin`);
    await qmp.execute('pmemsave', { val: address, size: length, filename: file });
    try {
      return readFileSync(file);
    } finally {
      rmSync(file, { force: true });
    }
  };

  // The display as QEMU renders it (any mode, any firmware), as a PPM file read back.
  const screendump = async (): Promise<Buffer> => {
    const qmp = await qmpReady;
    tmp ??= makeOwnedTempDir('qemu');
    const file = join(tmp, 'screen.ppm');
    await qmp.execute('screendump', { filename: file, format: 'ppm' });
    try {
      return readFileSync(file);
    } finally {
      rmSync(file, { force: true });
    }
  };

  // The mirror: read the VGA text buffer or the display's pixels a few times a second, send only changes.
  let mirror: MirrorMode = options.mirror ?? 'text';
  let vgaTimer: NodeJS.Timeout | undefined;
  if (options.vgaIntervalMs && (options.onVga || options.onScreenDump) && qmpListener) {
    let last: Buffer | undefined;
    let lastDump: Buffer | undefined;
    let busy = false;
    const readScreen = async () => {
      if (mirror === 'pixels') {
        const dump = await screendump();
        if (!lastDump || !dump.equals(lastDump)) {
          lastDump = dump;
          options.onScreenDump?.(dump);
        }
        return;
      }
      if (mirror !== 'text' || !options.onVga) return;
      const screen = await readMemory(VGA_TEXT_ADDRESS, VGA_TEXT_BYTES);
      if (screen.length === VGA_TEXT_BYTES && (!last || !screen.equals(last))) {
        last = screen;
        options.onVga?.(screen);
      }
    };
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        await readScreen();
      } catch {
        // QEMU is going away; the exit handler stops the timer.
      } finally {
        busy = false;
      }
    };
    qmpReady.then(
      async (qmp) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // The first read one interval on, not at once: QMP is ready while the firmware still
        // starts, so an immediate read shows only SeaBIOS and costs a short run (a test executable)
        // a memory dump while its guest boots. Halts, shutdowns and timeouts read the screen themselves.
        vgaTimer = setInterval(poll, options.vgaIntervalMs);
        // A kernel that triple-faults soon after printing would leave the mirror blank: under
        // -no-reboot QEMU exits at once. So pause at the shutdown instead, read the screen one
        // last time, then quit (same exit status as before).
        if (!pauseAtShutdown) return;
        let handled = false;
        const atShutdown = async () => {
          if (handled) return;
          handled = true;
          // If the read fails the screen is lost; the run's end still stands.
          await Promise.all([readScreen().catch(() => {}), options.atGuestShutdown?.().catch(() => {})]);
          await qmp.execute('quit').catch(() => killTree(child));
        };
        qmp.on('event', (event: { event: string }) => {
          if (event.event === 'SHUTDOWN') void atShutdown();
        });
        // The shutdown may have come before this connection: QEMU is then paused in "shutdown".
        const status = (await qmp.execute('query-status').catch(() => undefined)) as { status?: string } | undefined;
        if (status?.status === 'shutdown') await atShutdown();
      },
      () => {},
    );
  }

  let timeoutTimer: NodeJS.Timeout | undefined;
  if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
    timeoutTimer = setTimeout(async () => {
      timedOut = true;
      if (qmpListener) {
        try {
          const qmp = await within(qmpReady, 1000);
          await qmp.execute('stop').catch(() => {});
          registersAtTimeout = parseRegisters(await within(qmp.hmp('info registers'), 5000));
          // The CPU is stopped: the caller may read the stack (a backtrace) before QEMU is killed.
          if (options.atTimeout) await within(options.atTimeout(registersAtTimeout), 5000).catch(() => {});
          await options.holdAtTimeout?.();
        } catch {
          // no registers then
        }
      }
      killTree(child);
    }, options.timeoutMs);
  }
  const onAbort = () => {
    stopped = true;
    killTree(child);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const exit = (async (): Promise<QemuExit> => {
    const { code, signal } = await processExit;
    traceStep('QEMU exited');
    if (timeoutTimer) clearTimeout(timeoutTimer);
    if (vgaTimer) clearInterval(vgaTimer);
    options.signal?.removeEventListener('abort', onAbort);
    // A killed QEMU can leave helpers in its group; end them too.
    killTree(child);
    // QEMU's end closed its pipes and sockets: the run ends when they have delivered their last
    // bytes, not on a timer. The bound is only for a stream held open by something else.
    await within(Promise.all(streams.values()), STREAM_END_BOUND_MS).catch(() => {});
    const streamsCutOff = [...openStreams];
    traceStep('QEMU streams closed');
    for (const s of sockets) s.destroy();
    closeListeners();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    return { status: code, signal, timedOut, stopped, registersAtTimeout, stderr, spawnError, streamsCutOff };
  })();

  return {
    child,
    exit,
    qmpReady,
    argv: [options.program, ...args],
    stop: onAbort,
    readMemory,
    registers: async () => parseRegisters(await (await qmpReady).hmp('info registers')),
    reset: async () => {
      // With -no-reboot a reset would end QEMU, and SeaBIOS itself resets the machine again
      // after a warm reset. So: allow resets, reset, and restore `shutdown` (a triple fault
      // ends the run) once the guest writes output again, or after a few seconds.
      const qmp = await qmpReady;
      if (!hasOption(args, '-no-reboot')) {
        await qmp.execute('system_reset');
        return;
      }
      await qmp.execute('set-action', { reboot: 'reset' });
      await qmp.execute('system_reset');
      const restore = () => void qmp.execute('set-action', { reboot: 'shutdown' }).catch(() => {});
      const timer = setTimeout(() => {
        outputWaiters.delete(onOutput);
        restore();
      }, 3000);
      const onOutput = () => {
        clearTimeout(timer);
        outputWaiters.delete(onOutput);
        restore();
      };
      outputWaiters.add(onOutput);
    },
    pause: async () => {
      await (await qmpReady).execute('stop');
    },
    setMirror: (mode) => {
      mirror = mode;
    },
    resume: async () => {
      await (await qmpReady).execute('cont');
    },
  };
}
