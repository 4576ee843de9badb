// One-instruction steps of a paused VM. QMP and HMP have no "step" command in QEMU 7.2 (HMP's
// `singlestep` only changes translation; cont/stop around it runs an unknown number of
// instructions), so this asks QEMU's built-in gdbstub, the one mechanism whose step is exactly
// one instruction under TCG. No gdb is involved: the stub is started on demand through HMP
// (`gdbserver chardev:ID`) on a chardev that connects to a loopback socket we already listen on,
// like the serial and QMP channels, and only the `s` packet of the remote protocol is spoken.
import { createServer, type Socket } from 'node:net';
import type { QmpClient } from '../qmp.js';

/** The stop reply of a finished step: SIGTRAP. */
const SIGTRAP = '05';
export const STEP_TIMEOUT_MS = 2000;

function checksum(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
  return sum.toString(16).padStart(2, '0');
}

export class StepError extends Error {}

let nextId = 1;

export class GdbStepper {
  private buffer = '';
  private packets: string[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.receive(chunk));
    const gone = () => {
      this.closed = true;
      this.waiter?.();
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  /**
   * Starts QEMU's gdbstub on a socket chardev that connects to us. QEMU pauses the VM when the
   * stub's connection opens (callers pause it first anyway).
   */
  static async attach(qmp: QmpClient, timeoutMs = 5000): Promise<GdbStepper> {
    const server = createServer();
    const connection = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new StepError('cannot listen on loopback for the gdbstub');
    const id = `bl-gdb-${process.pid}-${nextId++}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      await qmp.execute('chardev-add', {
        id,
        backend: { type: 'socket', data: { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(address.port) } }, server: false } },
      });
      const answer = await qmp.hmp(`gdbserver chardev:${id}`);
      if (!/Waiting for gdb connection/i.test(answer)) throw new StepError(`QEMU did not start its gdbstub: ${answer.trim()}`);
      const socket = await Promise.race([
        connection,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StepError(`QEMU's gdbstub did not connect within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return new GdbStepper(socket);
    } finally {
      clearTimeout(timer);
      server.close();
    }
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      // Acknowledgements ('+'/'-') and anything before a packet are skipped.
      const start = this.buffer.indexOf('$');
      if (start < 0) {
        this.buffer = '';
        return;
      }
      const hash = this.buffer.indexOf('#', start);
      if (hash < 0 || hash + 3 > this.buffer.length) {
        this.buffer = this.buffer.slice(start);
        return;
      }
      this.packets.push(this.buffer.slice(start + 1, hash));
      this.buffer = this.buffer.slice(hash + 3);
      this.socket.write('+');
      this.waiter?.();
    }
  }

  private async nextPacket(deadline: number): Promise<string | undefined> {
    while (this.packets.length === 0) {
      if (this.closed) throw new StepError('the gdbstub connection closed (QEMU is gone)');
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.packets.shift();
  }

  /**
   * Executes exactly one instruction of the paused CPU. A stop reply left over from an earlier
   * pause (QEMU sends one, SIGINT, at every stop while the stub is attached) is skipped.
   */
  async step(timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
    if (this.closed) throw new StepError('the gdbstub connection closed (QEMU is gone)');
    this.packets = [];
    this.socket.write(`$s#${checksum('s')}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const packet = await this.nextPacket(deadline);
      if (packet === undefined) {
        // Interrupt the step so that the machine is paused again, not left running.
        this.socket.write('\x03');
        throw new StepError(`the CPU did not complete an instruction within ${timeoutMs} ms (halted with interrupts off?)`);
      }
      if (/^[TS]/.test(packet) && packet.slice(1, 3) === SIGTRAP) return;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
