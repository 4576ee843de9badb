// The build log: append-only lines with ANSI colours turned into classed spans (ansi_up with
// classes) when they come on screen. `$state.raw` and per-frame batches keep
// 100,000 lines cheap: the array is replaced, never deeply proxied.
import { AnsiUp } from 'ansi_up';
import { Batcher, frameScheduler, type Scheduler } from './schedule.js';

export type LogSource = 'cargo' | 'bootlab' | 'qemu';

export interface LogLine {
  id: number;
  source: LogSource;
  /** Plain text (search, copy). */
  text: string;
  /** As received, with ANSI escapes; turned into HTML only when the line is on screen. */
  raw: string;
}

/** Lines beyond this are dropped from the top. */
export const MAX_LINES = 250_000;

const ANSI_PATTERN = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** The place of a compiler message's `--> FILE:LINE:COL` line, to open in the editor. */
export function arrowLocation(text: string): { file: string; line: number; column: number } | undefined {
  const m = /^\s*-->\s+(.+?):(\d+):(\d+)\s*$/.exec(text);
  return m ? { file: m[1]!, line: Number(m[2]), column: Number(m[3]) } : undefined;
}

export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI_PATTERN, '') : text;
}

const converter = new AnsiUp();
converter.use_classes = true;
converter.escape_html = true;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Escaped HTML with `ansi-*` classes for one line. Each line starts from plain colours (cargo
 * and rustc reset at the end of every line), so lines convert independently and lazily: the
 * virtual list converts only the lines it shows.
 */
export function lineHtml(line: LogLine): string {
  if (!line.raw.includes('\x1b')) return escapeHtml(line.raw);
  return converter.ansi_to_html(`\x1b[0m${line.raw}\x1b[0m`);
}

export class BuildLogModel {
  lines: LogLine[] = $state.raw([]);
  #nextId = 0;
  #batch: Batcher<LogLine[]>;

  constructor(schedule: Scheduler = frameScheduler) {
    this.#batch = new Batcher((chunks) => {
      const added = chunks.length === 1 ? chunks[0] : chunks.flat();
      const total = this.lines.length + added.length;
      const next = total > MAX_LINES ? this.lines.slice(Math.min(this.lines.length, total - MAX_LINES)) : this.lines.slice();
      const skip = Math.max(0, added.length - MAX_LINES);
      for (let i = skip; i < added.length; i++) next.push(added[i]);
      this.lines = next;
    }, schedule);
  }

  /** Appends text; a trailing newline is optional, several lines at once are split. */
  append(text: string, source: LogSource = 'bootlab'): void {
    const parts = text.replace(/\r\n/g, '\n').split('\n');
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    const lines: LogLine[] = [];
    for (const part of parts) {
      // A carriage return rewrites the line (cargo's progress bar): keep what came last.
      const line = part.includes('\r') ? part.slice(part.lastIndexOf('\r') + 1) : part;
      lines.push({ id: this.#nextId++, source, text: stripAnsi(line), raw: line });
    }
    this.#batch.push(lines);
  }

  flush(): void {
    this.#batch.flush();
  }

  clear(): void {
    this.#batch.clear();
    this.lines = [];
  }

  /** The whole log as plain text (copy). */
  text(): string {
    return this.lines.map((l) => l.text).join('\n');
  }
}
