// A QMP client over a TCP socket. QEMU connects to us (we listen on loopback first and pass
// `-chardev socket,host=127.0.0.1,port=N` + `-mon chardev=...,mode=control`), which works the
// same on Windows, macOS and Linux and needs no polling for QEMU to be ready.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class QmpClient extends EventEmitter {
  private buffer = '';
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private closed = false;
  readonly ready: Promise<void>;

  constructor(private readonly socket: Socket) {
    super();
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    let greeted: () => void;
    let failed: (e: Error) => void;
    const greeting = new Promise<void>((res, rej) => {
      greeted = res;
      failed = rej;
    });
    let sawGreeting = false;
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (!sawGreeting && 'QMP' in msg) {
          sawGreeting = true;
          greeted();
          continue;
        }
        this.dispatch(msg);
      }
    });
    const onGone = () => {
      this.closed = true;
      failed(new QmpError('QEMU closed the QMP connection'));
      for (const p of this.pending.values()) p.reject(new QmpError('QEMU closed the QMP connection'));
      this.pending.clear();
      this.emit('close');
    };
    socket.on('close', onGone);
    socket.on('error', () => {});
    this.ready = greeting.then(() => this.execute('qmp_capabilities').then(() => undefined));
    this.ready.catch(() => {});
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private dispatch(msg: Record<string, unknown>): void {
    if (typeof msg.event === 'string') {
      this.emit('event', msg as unknown as QmpEvent);
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    if (!id) return;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if ('error' in msg) {
      const e = msg.error as { desc?: string; class?: string };
      p.reject(new QmpError(e.desc ?? e.class ?? 'QMP error'));
    } else p.resolve(msg.return);
  }

  /** Runs one QMP command and resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new QmpError('QEMU is not running'));
    const id = `b${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const message = JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id });
      this.socket.write(`${message}\n`);
    });
  }

  /** A human monitor command (`info registers`, `xp /4wx 0xb8000`...); resolves with its text. */
  hmp(commandLine: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** Parses `info registers` (or a `-d cpu_reset` dump): RIP, CR2, CR3, general registers. */
export function parseRegisters(text: string): Record<string, bigint> {
  const regs: Record<string, bigint> = {};
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9]{1,3})=([0-9a-fA-F]{4,16})\b/g)) {
    const name = m[1]!;
    if (!(name in regs)) regs[name] = BigInt(`0x${m[2]!}`);
  }
  // Outside long mode QEMU prints EIP; callers always look for RIP.
  if (regs.RIP === undefined && regs.EIP !== undefined) regs.RIP = regs.EIP;
  return regs;
}
