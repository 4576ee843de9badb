// Diagnostics shared by all stages. `when` models NASM's timing: preprocessor messages such as
// %error only surface in the final pass, so a pass-1 error suppresses them (NASM-FACTS 2.9).

import { WarningState, warningClass } from './warnings.js';

/**
 * Thrown by a `readFile` callback for a path that exists but must not be read (a device, a FIFO,
 * a directory, a file over the output limit): the message says why and no other path is tried.
 */
export class UnreadableFile extends Error {}

export type Severity = 'error' | 'warning' | 'info';

/** The macro whose body produced a line: NASM follows such a diagnostic with `... from macro `name' defined here`. */
export interface MacroOrigin {
  name: string;
  file: string;
  /** Line of the body inside the definition. */
  line: number;
}

export interface Diagnostic {
  severity: Severity;
  file: string;
  line: number;
  column: number;
  message: string;
  /** Macros being expanded where the message arose, outermost first. */
  fromMacros?: MacroOrigin[];
}

export interface Pos {
  file: string;
  line: number;
  macros?: MacroOrigin[];
}

export class Diags {
  early: Diagnostic[] = [];
  final: Diagnostic[] = [];
  fatal = false;
  /** Position in the preprocessed line stream of whatever is being processed, for NASM's ordering. */
  seq = 0;
  private order = new WeakMap<Diagnostic, number>();

  add(when: 'early' | 'final', severity: Severity, pos: Pos, column: number, message: string): void {
    const d: Diagnostic = { severity, file: pos.file, line: Math.max(1, pos.line | 0), column: Math.max(1, column | 0), message };
    if (pos.macros) d.fromMacros = pos.macros;
    this.order.set(d, this.seq);
    (when === 'early' ? this.early : this.final).push(d);
  }

  /** The preprocessed line a message arose at (its place in the line stream), if known. */
  seqOf(d: Diagnostic): number | undefined {
    return this.order.get(d);
  }

  /** NASM reports in source order within a pass (preprocessor and assembler messages interleaved). */
  sorted(list: Diagnostic[]): Diagnostic[] {
    return list
      .map((d, i) => ({ d, i, k: this.order.get(d) ?? 0 }))
      .sort((a, b) => a.k - b.k || a.i - b.i)
      .map((x) => x.d);
  }

  /**
   * Applies the warning switches: the command line's (`initial`) and `[warning ...]` directives at
   * their place in the line stream, as NASM does in every pass. A disabled class is dropped, a
   * promoted one becomes an error tagged `[-w+error=class]`. Messages of the directives themselves
   * (unknown names, empty stack) belong to the final pass.
   */
  applyWarnings(initial: WarningState, directives: { seq: number; pos: Pos; col: number; value: string }[]): void {
    const events = [...directives].sort((a, b) => a.seq - b.seq);
    for (const when of ['early', 'final'] as const) {
      const state = initial.start();
      const out: Diagnostic[] = [];
      let next = 0;
      const emit = (severity: Severity, pos: Pos, column: number, message: string, seq: number): void => {
        const kind = severity === 'warning' ? state.severity(warningClass(message)) : severity;
        if (kind === 'off') return;
        const d: Diagnostic = { severity: kind, file: pos.file, line: Math.max(1, pos.line | 0), column: Math.max(1, column | 0), message: kind === 'error' && severity === 'warning' ? message.replace(/\[-w\+([a-z0-9-]+)\]$/, '[-w+error=$1]') : message };
        if (pos.macros) d.fromMacros = pos.macros;
        this.order.set(d, seq);
        out.push(d);
      };
      const applyUpTo = (seq: number): void => {
        while (next < events.length && events[next].seq <= seq) {
          const ev = events[next++];
          const word = ev.value.trim().toLowerCase();
          let stackEmpty = false;
          if (word === 'push') state.push();
          else if (word === 'pop') stackEmpty = !state.pop();
          const unknown = state.set(ev.value);
          if (when !== 'final') continue;
          if (stackEmpty) emit('warning', ev.pos, ev.col, 'warning stack empty [-w+warn-stack-empty]', ev.seq);
          if (unknown !== undefined) emit('warning', ev.pos, ev.col, `unknown warning name: ${unknown} [-w+unknown-warning]`, ev.seq);
        }
      };
      for (const { d, k } of this.sorted(this[when]).map((d) => ({ d, k: this.order.get(d) ?? 0 }))) {
        applyUpTo(k);
        if (d.severity !== 'warning') {
          out.push(d);
          continue;
        }
        emit('warning', d.fromMacros ? { file: d.file, line: d.line, macros: d.fromMacros } : d, d.column, d.message, k);
      }
      applyUpTo(Infinity);
      this[when] = out;
    }
  }

  get hasEarlyErrors(): boolean {
    return this.early.some((d) => d.severity === 'error');
  }
}
