// Batching: streams (log lines, serial bytes) arrive as many small events; views update once
// per animation frame. Tests pass a synchronous scheduler.
export type Scheduler = (flush: () => void) => void;

export const frameScheduler: Scheduler = (flush) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => flush());
  else setTimeout(flush, 16);
};

export const immediate: Scheduler = (flush) => flush();

/**
 * At most one flush per `minMs`, each on an animation frame: the first change after a quiet
 * spell shows at the next frame, a stream is delivered in fewer, larger pieces.
 */
export function throttled(minMs: number, base: Scheduler = frameScheduler): Scheduler {
  let last = -Infinity;
  return (flush) => {
    const run = () => {
      last = performance.now();
      flush();
    };
    const wait = last + minMs - performance.now();
    if (wait <= 0) base(run);
    else setTimeout(() => base(run), wait);
  };
}

/** Collects items and hands them to `apply` once per scheduled flush. */
export class Batcher<T> {
  #pending: T[] = [];
  #scheduled = false;
  constructor(
    private readonly apply: (items: T[]) => void,
    private readonly schedule: Scheduler = frameScheduler,
  ) {}

  push(item: T): void {
    this.#pending.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const items = this.#pending;
    this.#pending = [];
    this.apply(items);
  }

  clear(): void {
    this.#pending = [];
  }
}
