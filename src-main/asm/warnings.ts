// NASM 2.16.01's warning classes and its rules for switching them (`-w+x`, `-w-x`, `-Wx`,
// `-Wno-x`, `-Werror=x`, `-w*x`, `all`, `none`, `[warning push|pop|±x]`), as in NASM's
// set_warning_status(): a name selects every class or alias it is a `-`-separated prefix of.

const ON = 1;
const ERROR = 2;

/** Every warning class with its default (`err`: on and promoted to an error) and its old names. */
const CLASSES: [name: string, def: 'on' | 'off' | 'err', aliases?: string[]][] = [
  ['db-empty', 'on'],
  ['ea-absolute', 'on'],
  ['ea-dispsize', 'on'],
  ['float-denorm', 'off'],
  ['float-overflow', 'on'],
  ['float-toolong', 'on'],
  ['float-underflow', 'off'],
  ['forward', 'on'],
  ['label-orphan', 'on', ['orphan-labels']],
  ['label-redef', 'off'],
  ['label-redef-late', 'err'],
  ['number-overflow', 'on'],
  ['obsolete-nop', 'on'],
  ['obsolete-removed', 'on'],
  ['obsolete-valid', 'on'],
  ['phase', 'off'],
  ['pp-else-elif', 'on'],
  ['pp-else-else', 'on'],
  ['pp-empty-braces', 'on'],
  ['pp-environment', 'on', ['environment']],
  ['pp-macro-def-case-single', 'on', ['macro-def-case-single']],
  ['pp-macro-def-greedy-single', 'on', ['macro-def-greedy-single']],
  ['pp-macro-def-param-single', 'err', ['macro-def-param-single']],
  ['pp-macro-defaults', 'on', ['macro-defaults']],
  ['pp-macro-params-legacy', 'on', ['macro-params-legacy']],
  ['pp-macro-params-multi', 'on', ['macro-params-multi']],
  ['pp-macro-params-single', 'on', ['macro-params-single']],
  ['pp-macro-redef-multi', 'on'],
  ['pp-open-braces', 'on'],
  ['pp-open-brackets', 'on'],
  ['pp-open-string', 'on'],
  ['pp-rep-negative', 'on', ['negative-rep']],
  ['pp-sel-range', 'on'],
  ['pp-trailing', 'on'],
  ['pragma-bad', 'off', ['bad-pragma']],
  ['pragma-empty', 'off'],
  ['pragma-na', 'off', ['not-my-pragma']],
  ['pragma-unknown', 'off', ['unknown-pragma']],
  ['prefix-bnd', 'on', ['bnd']],
  ['prefix-hle', 'on', ['hle']],
  ['prefix-lock', 'on', ['lock']],
  ['prefix-opsize', 'on'],
  ['prefix-seg', 'on'],
  ['ptr', 'on'],
  ['regsize', 'on'],
  ['unknown-warning', 'off'],
  ['user', 'on'],
  ['warn-stack-empty', 'on'],
  ['zeroing', 'on'],
  ['zext-reloc', 'on'],
  ['other', 'on'],
];

const INDEX = new Map(CLASSES.map(([name], i) => [name, i]));
/** Names a switch can select: every class name and every old alias, with the class each means. */
const SELECTABLE: [string, number][] = CLASSES.flatMap(([name, , aliases], i) => [[name, i] as [string, number], ...(aliases ?? []).map((a) => [a, i] as [string, number])]);
const DEFAULTS = Uint8Array.from(CLASSES, ([, def]) => (def === 'on' ? ON : def === 'err' ? ON | ERROR : 0));

export type WarningSeverity = 'off' | 'warning' | 'error';

export class WarningState {
  private state: Uint8Array;
  private stack: Uint8Array[] = [];
  /** What `[warning *x]` and an unbalanced `[warning pop]` go back to. */
  private initial: Uint8Array;

  constructor() {
    this.state = Uint8Array.from(DEFAULTS);
    this.initial = DEFAULTS;
  }

  /** A copy for one pass: its resets go back to this state (NASM: the state after the command line). */
  start(): WarningState {
    const s = new WarningState();
    s.state = Uint8Array.from(this.state);
    s.initial = Uint8Array.from(this.state);
    return s;
  }

  /**
   * Applies one switch as NASM's set_warning_status() does. Returns the unknown name when nothing
   * matched (NASM then warns `unknown warning name` under -w+unknown-warning, off by default).
   */
  set(text: string): string | undefined {
    let value: string | null = text.trimStart();
    let action: 'off' | 'on' | 'reset' = 'on';
    if (value[0] === '-') {
      action = 'off';
      value = value.slice(1);
    } else if (value[0] === '+') value = value.slice(1);
    else if (value[0] === '*') {
      action = 'reset';
      value = value.slice(1);
    } else if (/^no-/i.test(value)) {
      action = 'off';
      value = value.slice(3);
    } else if (/^none$/i.test(value)) {
      action = 'off';
      value = null;
    }
    let mask = ON;
    if (value !== null && /^error/i.test(value)) {
      if (value[5] === '=') {
        mask = ERROR;
        value = value.slice(6);
      } else if (value.length === 5) {
        mask = ERROR;
        value = null;
      }
    }
    if (value !== null && value.toLowerCase() === 'all') value = null;
    const v = value?.toLowerCase();
    let ok = false;
    for (const [name, i] of SELECTABLE) {
      if (v !== undefined && !(name.startsWith(v) && (name.length === v.length || name[v.length] === '-'))) continue;
      ok = true;
      if (action === 'off') this.state[i] &= ~mask;
      else if (action === 'on') this.state[i] |= mask;
      else this.state[i] = (this.state[i] & ~mask) | (this.initial[i] & mask);
    }
    return ok || value === null ? undefined : value;
  }

  push(): void {
    this.stack.push(Uint8Array.from(this.state));
  }

  /** Restores the last pushed state; false when the stack was empty (NASM then goes back to the start state). */
  pop(): boolean {
    const top = this.stack.pop();
    this.state = Uint8Array.from(top ?? this.initial);
    return top !== undefined;
  }

  severity(cls: string): WarningSeverity {
    const s = this.state[INDEX.get(cls) ?? INDEX.get('other')!];
    return !(s & ON) ? 'off' : s & ERROR ? 'error' : 'warning';
  }
}

/** The class named in a warning message's `[-w+class]` tag, or `other`. */
export function warningClass(message: string): string {
  const m = /\[-w\+([a-z0-9-]+)\]$/.exec(message);
  return m ? m[1] : 'other';
}
