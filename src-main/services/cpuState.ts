// What the CPU is doing while a kernel runs, polled through QMP: running, idle (HLT with
// interrupts on: an OS waiting for its next interrupt) or halted (HLT with interrupts off, or a
// CPU QEMU stopped for good: the machine can never continue). A halted kernel ends the run: the
// watcher freezes the machine, lets the caller read what it needs (registers are taken here;
// the stack and screen by `atHalt`), then quits QEMU.
import type { CpuState } from '../shared/api.js';
import { parseRegisters, type QmpClient } from './qmp.js';

/** RFLAGS.IF: maskable interrupts are enabled. */
const RFLAGS_IF = 1n << 9n;
/** Run states in which the guest can never run again without a reset. */
const STOPPED_FOR_GOOD = new Set(['internal-error', 'guest-panicked', 'io-error']);

export interface CpuSnapshot {
  state: CpuState;
  registers: Record<string, bigint>;
}

/**
 * The CPU's state from `info registers`: QEMU prints `HLT=1` while the CPU sits in HLT and the
 * flags as `RFL=` (long mode) or `EFL=`. Undefined when the text has neither.
 */
export function cpuStateFromRegisters(text: string): CpuSnapshot | undefined {
  const hlt = /\bHLT=([01])\b/.exec(text);
  const registers = parseRegisters(text);
  const flags = registers.RFL ?? registers.EFL;
  if (!hlt || flags === undefined) return undefined;
  if (hlt[1] === '0') return { state: 'running', registers };
  return { state: (flags & RFLAGS_IF) !== 0n ? 'idle' : 'halted', registers };
}

export interface HaltedAt<T> {
  registers: Record<string, bigint>;
  /** Why: HLT with interrupts off, or QEMU's run state when it stopped the CPU itself. */
  reason: string;
  /** What `atHalt` gathered while the machine was frozen. */
  gathered?: T;
}

export interface CpuWatchOptions<T> {
  qmp: Promise<QmpClient>;
  /** Settles when QEMU has exited: polling ends. */
  exited: Promise<unknown>;
  /** Time between polls; each poll is one `query-status` and one `info registers`. */
  intervalMs?: number;
  onState?: (state: CpuState) => void;
  /** Runs while the halted machine is frozen, before QEMU quits (read the stack, the screen). */
  atHalt?: (registers: Record<string, bigint>) => Promise<T>;
}

export interface CpuWatch<T> {
  /** Set once the watcher saw the CPU halted for good (and ended QEMU). */
  readonly halted: HaltedAt<T> | undefined;
  dispose(): void;
}

export const CPU_POLL_MS = 200;

export function watchCpuState<T = unknown>(options: CpuWatchOptions<T>): CpuWatch<T> {
  let disposed = false;
  let timer: NodeJS.Timeout | undefined;
  let last: CpuState | undefined;
  let halted: HaltedAt<T> | undefined;
  const interval = options.intervalMs ?? CPU_POLL_MS;

  const report = (state: CpuState) => {
    if (state === last) return;
    last = state;
    options.onState?.(state);
  };

  const endRun = async (qmp: QmpClient, registers: Record<string, bigint>, reason: string) => {
    disposed = true;
    // Frozen, the stack and screen stay as they were while the caller reads them.
    await qmp.execute('stop').catch(() => {});
    halted = { registers, reason };
    report('halted');
    if (options.atHalt) {
      try {
        halted.gathered = await options.atHalt(registers);
      } catch {
        // What could not be read is left out; the halt itself stands.
      }
    }
    await qmp.execute('quit').catch(() => {});
  };

  const poll = async (qmp: QmpClient) => {
    const status = await qmp.execute<{ status?: string; running?: boolean }>('query-status');
    if (disposed) return;
    if (status.status && STOPPED_FOR_GOOD.has(status.status)) {
      const registers = parseRegisters(await qmp.hmp('info registers'));
      await endRun(qmp, registers, `QEMU stopped the CPU (${status.status})`);
      return;
    }
    // Paused by the user (or shutting down): the registers say nothing new.
    if (!status.running) return;
    const snapshot = cpuStateFromRegisters(await qmp.hmp('info registers'));
    if (disposed || !snapshot) return;
    if (snapshot.state === 'halted') {
      await endRun(qmp, snapshot.registers, 'HLT with interrupts disabled');
      return;
    }
    report(snapshot.state);
  };

  options.qmp.then(
    (qmp) => {
      const tick = async () => {
        if (disposed) return;
        try {
          await poll(qmp);
        } catch {
          // QEMU is going away (or answered oddly once): try again next time unless it is gone.
          if (qmp.isClosed) disposed = true;
        }
        if (!disposed) timer = setTimeout(tick, interval);
      };
      report('running');
      void tick();
    },
    () => {
      disposed = true;
    },
  );
  void options.exited.then(
    () => {
      disposed = true;
      if (timer) clearTimeout(timer);
    },
    () => {},
  );
  return {
    get halted() {
      return halted;
    },
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
