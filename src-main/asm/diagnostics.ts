// Diagnostics shared by all stages. `when` models NASM's timing: preprocessor messages such as
// %error only surface in the final pass, so a pass-1 error suppresses them (NASM-FACTS 2.9).

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface Pos {
  file: string;
  line: number;
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
    this.order.set(d, this.seq);
    (when === 'early' ? this.early : this.final).push(d);
  }

  /** NASM reports in source order within a pass (preprocessor and assembler messages interleaved). */
  sorted(list: Diagnostic[]): Diagnostic[] {
    return list
      .map((d, i) => ({ d, i, k: this.order.get(d) ?? 0 }))
      .sort((a, b) => a.k - b.k || a.i - b.i)
      .map((x) => x.d);
  }

  get hasEarlyErrors(): boolean {
    return this.early.some((d) => d.severity === 'error');
  }
}
