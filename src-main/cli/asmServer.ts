// The resident assembler behind `bootlab-asm` (native/bootlab-asm): a Makefile starts the
// assembler once per source file, and a Node process costs more to start than NASM takes for a
// whole file, so the client hands each run to this one process instead. It listens on a Unix
// socket in a directory only the user may enter, runs `bootlab asm` for each request with the
// client's arguments, working directory and environment (never its own), streams the output back
// and leaves after `idleMs` without a request. Its assembler keeps its warm code and caches between
// files, which is the other half of the gain.
//
// Protocol (the client's header says the same): the request is fields of a little-endian u32
// length and bytes, ended by the length 0xFFFFFFFF: protocol and build id, working directory,
// argument count, the arguments, then NAME=value environment entries. The answer is frames of a
// kind byte (`1` stdout, `2` stderr, `x` exit status in decimal, last) and a u32 length.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { CliIo } from './command.js';

export interface AsmRequest {
  protocol: string;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

const END = 0xffffffff;
/** A request larger than this is not one a client sends (arguments and environment only). */
const MAX_REQUEST = 16 << 20;

/** The request in `buf`, once all of it has arrived: undefined while incomplete; throws when malformed. */
export function parseRequest(buf: Buffer): AsmRequest | undefined {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (at + 4 > buf.length) return undefined;
    const len = buf.readUInt32LE(at);
    at += 4;
    if (len === END) break;
    if (at + len > buf.length) return undefined;
    fields.push(buf.toString('utf8', at, at + len));
    at += len;
  }
  const argc = Number(fields[2]);
  if (fields.length < 3 || !Number.isInteger(argc) || argc < 0 || 3 + argc > fields.length) throw new Error('malformed request');
  const env: Record<string, string> = {};
  for (const kv of fields.slice(3 + argc)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { protocol: fields[0], cwd: fields[1], argv: fields.slice(3, 3 + argc), env };
}

/** One answer frame. */
export function frame(kind: '1' | '2' | 'x', text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(5);
  head.write(kind, 0, 'latin1');
  head.writeUInt32LE(body.length, 1);
  return Buffer.concat([head, body]);
}

export interface AsmServerOptions {
  /** `bootlab-asm/1 <build id>`: a client of another build is refused (it falls back to running directly). */
  protocol: string;
  /** Leave after this long without a request. */
  idleMs: number;
  /** Runs `bootlab asm ARGV` with `io`; its exit status. */
  run: (argv: string[], io: CliIo) => Promise<number>;
  /** Closes the server before its idle time. */
  signal?: AbortSignal;
}

/** Why a socket directory is not safe to listen in, or undefined when it is (ours, no one else's). */
function unsafeDirectory(dir: string): string | undefined {
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return `${dir} belongs to another user`;
  if ((st.mode & 0o077) !== 0) return `${dir} may be entered by other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Whether a server answers on `socketPath` already. */
function alive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Serves on `socketPath` until idle; resolves when the server has closed (undefined), or at once
 * with the reason it did not start (another server answers there, or the directory is unsafe).
 */
export async function serveAsm(socketPath: string, options: AsmServerOptions): Promise<string | undefined> {
  const dir = path.dirname(socketPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const unsafe = unsafeDirectory(dir);
  if (unsafe) return `not serving: ${unsafe}`;
  if (await alive(socketPath)) return 'another server answers there';
  fs.rmSync(socketPath, { force: true }); // a socket file left by a server that died
  const server = net.createServer((socket) => {
    restartIdle();
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      if (started) return;
      buf = Buffer.concat([buf, chunk]);
      let req: AsmRequest | undefined;
      try {
        if (buf.length > MAX_REQUEST) throw new Error('request too large');
        req = parseRequest(buf);
      } catch (e) {
        started = true;
        socket.end(Buffer.concat([frame('2', `bootlab-asm: ${(e as Error).message}\n`), frame('x', '1')]));
        return;
      }
      if (!req) return;
      started = true;
      if (req.protocol !== options.protocol) {
        // Another build's client: close without an answer, so it assembles directly.
        socket.destroy();
        return;
      }
      void answer(socket, req);
    });
    socket.on('error', () => socket.destroy());
  });
  const answer = async (socket: net.Socket, req: AsmRequest): Promise<void> => {
    const io: CliIo = {
      stdout: (text) => socket.write(frame('1', text)),
      stderr: (text) => socket.write(frame('2', text)),
      cwd: req.cwd,
      env: req.env,
    };
    let status: number;
    try {
      status = await options.run(req.argv, io);
    } catch (e) {
      io.stderr(`bootlab asm: internal error: ${(e as Error).message}\n`);
      status = 1;
    }
    socket.end(frame('x', String(status)));
  };
  let idle: NodeJS.Timeout | undefined;
  const restartIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => server.close(), options.idleMs);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  restartIdle();
  options.signal?.addEventListener('abort', () => server.close());
  await new Promise<void>((resolve) => server.once('close', () => resolve()));
  if (idle) clearTimeout(idle);
  fs.rmSync(socketPath, { force: true });
  return undefined;
}
