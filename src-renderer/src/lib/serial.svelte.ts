// The serial console's model: bytes from the kernel's COM1, kept (up to a limit) so a terminal
// opened later can replay them, and forwarded to the terminal in per-frame batches. It also
// keeps the decoded text for searching and copying.
import { base64ToBytes } from './format.js';
import { Batcher, frameScheduler, type Scheduler } from './schedule.js';

/** Bytes kept for replay and copy. */
export const HISTORY_BYTES = 4 << 20;

export type SerialSink = (bytes: Uint8Array) => void;

export class SerialModel {
  /** Bytes received in this run (for the status line). */
  bytes = $state(0);
  #history: Uint8Array[] = [];
  #historyBytes = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- subscribers, not UI state
  #sinks = new Set<SerialSink>();
  #batch: Batcher<Uint8Array>;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- subscribers, not UI state
  #resetListeners = new Set<() => void>();

  constructor(schedule: Scheduler = frameScheduler) {
    this.#batch = new Batcher((chunks) => {
      const joined = concat(chunks);
      this.bytes += joined.length;
      this.#history.push(joined);
      this.#historyBytes += joined.length;
      while (this.#historyBytes > HISTORY_BYTES && this.#history.length > 1) {
        this.#historyBytes -= this.#history.shift()!.length;
      }
      for (const sink of this.#sinks) sink(joined);
    }, schedule);
  }

  pushBase64(base64: string): void {
    this.#batch.push(base64ToBytes(base64));
  }

  pushBytes(bytes: Uint8Array): void {
    this.#batch.push(bytes);
  }

  flush(): void {
    this.#batch.flush();
  }

  /** Subscribes a terminal; it first receives everything kept so far. */
  attach(sink: SerialSink, onReset?: () => void): () => void {
    for (const chunk of this.#history) sink(chunk);
    this.#sinks.add(sink);
    if (onReset) this.#resetListeners.add(onReset);
    return () => {
      this.#sinks.delete(sink);
      if (onReset) this.#resetListeners.delete(onReset);
    };
  }

  clear(): void {
    this.#batch.clear();
    this.#history = [];
    this.#historyBytes = 0;
    this.bytes = 0;
    for (const l of this.#resetListeners) l();
  }

  /** What the kernel printed, as text (kept history only). */
  text(): string {
    return new TextDecoder().decode(concat(this.#history));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
