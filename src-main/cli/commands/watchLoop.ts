// `--watch` for `bootlab run` and `bootlab test`: runs the action, and on every saved change of
// the crate stops what is running (cargo, QEMU) and runs it again, saying what triggered it.
// Ends on Ctrl-C (the command's signal) with the last run's status.
import type { CliIo } from '../command.js';
import { watchCrate } from '../../services/crateWatch.js';

export type WatchedAction = (signal: AbortSignal) => Promise<number>;

function describeChange(paths: string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

export async function watchLoop(io: CliIo, command: string, dir: string, action: WatchedAction): Promise<number> {
  let changed: string[] | undefined;
  let wake: (() => void) | undefined;
  let current: AbortController | undefined;
  const watcher = watchCrate({
    dir,
    onChange: (paths) => {
      changed = [...new Set([...(changed ?? []), ...paths])];
      if (current && !current.signal.aborted) {
        io.stderr(`bootlab ${command}: ${describeChange(paths)} changed: stopping this run\n`);
        current.abort();
      }
      wake?.();
    },
  });
  const ended = () => io.signal?.aborted ?? false;
  const onEnd = () => {
    current?.abort();
    wake?.();
  };
  io.signal?.addEventListener('abort', onEnd, { once: true });
  io.stderr(`bootlab ${command}: watching ${dir} (${watcher.mode === 'poll' ? 'polling' : 'change events'}); Ctrl-C ends\n`);
  let status = 0;
  let run = 0;
  let trigger: string[] | undefined;
  try {
    while (!ended()) {
      run++;
      io.stderr(trigger ? `bootlab ${command}: run ${run}, after a change to ${describeChange(trigger)}\n` : `bootlab ${command}: run ${run}\n`);
      changed = undefined;
      current = new AbortController();
      status = await action(current.signal);
      current = undefined;
      if (ended()) break;
      if (!changed) {
        io.stderr(`bootlab ${command}: waiting for changes\n`);
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      trigger = changed;
    }
  } finally {
    io.signal?.removeEventListener('abort', onEnd);
    watcher.close();
  }
  return status;
}
