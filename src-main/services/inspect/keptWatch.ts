// A kept VM (paused where its run ended, for the Inspector) that the user resumes or resets runs
// again with no run watching it any more. This watches it until it stops by itself again: a halt
// (HLT with interrupts off: the CPU is paused there, as at the end of a run), a triple fault (QEMU
// holds the guest in its `shutdown` state) or a run state QEMU cannot continue from. QEMU's own
// exit is the owner's to notice (session.exit); polling ends there.
import { CPU_POLL_MS, cpuStateFromRegisters } from '../cpuState.js';
import type { QmpClient } from '../qmp.js';

/** QEMU run states the guest does not leave by itself, and what they mean. */
const STOPPED_STATES: Record<string, string> = {
  shutdown: 'the guest shut down (a triple fault?)',
  'guest-panicked': 'the guest reported a panic to QEMU',
  'internal-error': 'QEMU stopped the CPU (internal error)',
  'io-error': 'QEMU stopped the CPU (I/O error)',
};

export interface KeptWatch {
  dispose(): void;
}

export interface KeptWatchOptions {
  qmp: QmpClient;
  /** Settles when QEMU has exited. */
  exited: Promise<unknown>;
  /** The machine stopped by itself and is paused there; called once. */
  onStopped: (reason: string) => void;
  intervalMs?: number;
}

export function watchKeptVm(options: KeptWatchOptions): KeptWatch {
  const { qmp } = options;
  let disposed = false;
  let timer: NodeJS.Timeout | undefined;
  const dispose = () => {
    disposed = true;
    clearTimeout(timer);
  };
  const stopped = (reason: string) => {
    dispose();
    options.onStopped(reason);
  };

  const poll = async () => {
    const status = await qmp.execute<{ status?: string; running?: boolean }>('query-status');
    if (disposed) return;
    const known = status.status ? STOPPED_STATES[status.status] : undefined;
    if (known) return stopped(known);
    // Paused (by a Pause that has not disposed this yet, or by QEMU for a moment): nothing new.
    if (!status.running) return;
    const snapshot = cpuStateFromRegisters(await qmp.hmp('info registers'));
    if (disposed || snapshot?.state !== 'halted') return;
    // Frozen where it halted, as a run's end keeps it.
    await qmp.execute('stop');
    if (!disposed) stopped('the kernel halted (HLT with interrupts disabled)');
  };
  const tick = async () => {
    if (disposed) return;
    try {
      await poll();
    } catch {
      // QEMU is going away (or answered oddly once): try again unless it is gone.
      if (qmp.isClosed) dispose();
    }
    if (!disposed) timer = setTimeout(tick, options.intervalMs ?? CPU_POLL_MS);
  };
  void tick();
  void options.exited.then(dispose, dispose);
  return { dispose };
}
