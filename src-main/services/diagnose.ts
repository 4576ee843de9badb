// How a run ended: exit statuses mapped like `bootimage runner` (BOOT-CONTRACT section 7), the
// CPU exception chain from QEMU's `-d int,cpu_reset` log, kernel panics from serial output, and
// a one-line explanation naming the function the kernel was in.
import type { CpuException, RunOutcome, StackFrame } from '../shared/api.js';
import type { BootimageConfig } from './manifest.js';
import type { QemuExit } from './qemu.js';

export const EXCEPTION_NAMES: Record<number, [string, string]> = {
  0: ['#DE', 'divide error'],
  1: ['#DB', 'debug'],
  2: ['NMI', 'non-maskable interrupt'],
  3: ['#BP', 'breakpoint'],
  4: ['#OF', 'overflow'],
  5: ['#BR', 'bound range exceeded'],
  6: ['#UD', 'invalid opcode'],
  7: ['#NM', 'device not available'],
  8: ['#DF', 'double fault'],
  9: ['#MF', 'coprocessor segment overrun'],
  10: ['#TS', 'invalid TSS'],
  11: ['#NP', 'segment not present'],
  12: ['#SS', 'stack-segment fault'],
  13: ['#GP', 'general protection fault'],
  14: ['#PF', 'page fault'],
  16: ['#MF', 'x87 floating-point error'],
  17: ['#AC', 'alignment check'],
  18: ['#MC', 'machine check'],
  19: ['#XM', 'SIMD floating-point error'],
  20: ['#VE', 'virtualization exception'],
  21: ['#CP', 'control protection'],
};

export function exceptionName(vector: number): string {
  const n = EXCEPTION_NAMES[vector];
  return n ? `${n[0]} ${n[1]}` : `vector ${vector}`;
}

const WITH_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17, 21]);

export interface FaultLog {
  tripleFault: boolean;
  /** The last exception chain (the one that ended in the triple fault, when there was one). */
  chain: (CpuException & { ripBig?: bigint; cr2Big?: bigint })[];
}

/**
 * Parses QEMU's `-d int` log. Exceptions are the `check_exception` lines and the `v=NN` lines
 * that follow them; hardware interrupts ("Servicing hardware INT") and software interrupts
 * (`i=1`) are skipped. A `check_exception old: 0xffffffff` starts a new chain.
 */
export function parseFaultLog(text: string): FaultLog {
  let chain: FaultLog['chain'] = [];
  let tripleFault = false;
  let expectDelivery = false;
  for (const line of text.split('\n')) {
    const check = /^check_exception old: (0x[0-9a-f]+) new (0x[0-9a-f]+)/.exec(line);
    if (check) {
      const old = parseInt(check[1]!, 16);
      const vector = parseInt(check[2]!, 16);
      if (old === 0xffffffff) chain = [];
      chain.push({ vector, name: exceptionName(vector) });
      expectDelivery = true;
      continue;
    }
    if (line.startsWith('Servicing hardware INT')) {
      expectDelivery = false;
      continue;
    }
    const v = /^\s*\d+: v=([0-9a-f]+) e=([0-9a-f]+) i=(\d) cpl=\d IP=[0-9a-f]+:([0-9a-f]+) pc=[0-9a-f]+ SP=[0-9a-f]+:[0-9a-f]+(?: CR2=([0-9a-f]+))?/.exec(line);
    if (v) {
      if (!expectDelivery || v[3] === '1') continue;
      expectDelivery = false;
      const vector = parseInt(v[1]!, 16);
      const ripBig = BigInt(`0x${v[4]!}`);
      let entry = chain[chain.length - 1];
      if (!entry || entry.vector !== vector) {
        // Two faults in a row became a double fault (or the log started mid-chain).
        entry = { vector, name: exceptionName(vector) };
        chain.push(entry);
      }
      if (WITH_ERROR_CODE.has(vector)) entry.errorCode = parseInt(v[2]!, 16);
      entry.ripBig = ripBig;
      entry.rip = Number(ripBig);
      if (vector === 14 && v[5]) {
        entry.cr2Big = BigInt(`0x${v[5]}`);
        entry.cr2 = Number(entry.cr2Big);
      }
      continue;
    }
    if (line.startsWith('Triple fault')) {
      tripleFault = true;
      break;
    }
  }
  return { tripleFault, chain };
}

/** `#PF page fault (error 0x2, CR2=0xdeadbeef) at 0x201234 -> #DF double fault -> triple fault`. */
export function describeChain(chain: CpuException[], tripleFault: boolean, symbolFor?: (rip: number) => string | undefined): string {
  const parts = chain.map((e) => {
    const details: string[] = [];
    if (e.errorCode !== undefined) details.push(`error 0x${e.errorCode.toString(16)}`);
    if (e.cr2 !== undefined) details.push(`CR2=0x${e.cr2.toString(16)}`);
    let s = `${e.name}${details.length ? ` (${details.join(', ')})` : ''}`;
    if (e.rip !== undefined) {
      const sym = symbolFor?.(e.rip);
      s += ` at 0x${e.rip.toString(16)}${sym ? ` in ${sym}` : ''}`;
    }
    return s;
  });
  if (tripleFault) parts.push('triple fault');
  return parts.join(' -> ');
}

/** A panic as `PanicInfo`'s Display writes it: `panicked at FILE:LINE:COL:` then the message. */
export interface Panic {
  /** `panicked at FILE:LINE:COL: MESSAGE` on one line. */
  text: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

/**
 * The first panic in a kernel's output (serial text, or the VGA screen's rows). Understands the
 * Display form since Rust 1.73 (`panicked at src/main.rs:10:5:` and the message on the next
 * line) and the older `panicked at 'message', src/main.rs:10:5`.
 */
export function parsePanic(output: string): Panic | undefined {
  const lines = output.replace(/\r/g, '').split('\n');
  const i = lines.findIndex((l) => l.includes('panicked at '));
  if (i < 0) return undefined;
  const first = lines[i]!.slice(lines[i]!.indexOf('panicked at ')).trim();
  const located = /^panicked at (.+?):(\d+):(\d+):(?:\s*(.*))?$/.exec(first);
  if (located) {
    const message = (located[4] || lines[i + 1]?.trim() || '').trim();
    const [file, line, column] = [located[1]!, Number(located[2]), Number(located[3])];
    return { text: `panicked at ${file}:${line}:${column}${message ? `: ${message}` : ''}`, file, line, column, message };
  }
  const old = /^panicked at '(.*)', (.+?):(\d+):(\d+)$/.exec(first);
  if (old) return { text: first, file: old[2], line: Number(old[3]), column: Number(old[4]), message: old[1]! };
  return { text: first, message: first.slice('panicked at '.length) };
}

/** The panic message in serial output ("panicked at src/main.rs:10:5:\nmessage"), if any. */
export function findPanic(serialText: string): string | undefined {
  return parsePanic(serialText)?.text;
}

/** The VGA text buffer (character, attribute pairs) as rows of text, trailing blanks cut. */
export function vgaText(screen: Uint8Array): string {
  const rows: string[] = [];
  for (let row = 0; row * 160 < screen.length; row++) {
    let text = '';
    for (let i = row * 160; i < Math.min(screen.length, row * 160 + 160); i += 2) {
      const c = screen[i]!;
      text += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ' ';
    }
    rows.push(text.trimEnd());
  }
  return rows.join('\n');
}

export function lastLine(serialText: string): string | undefined {
  const lines = serialText
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  return lines[lines.length - 1];
}

export interface OutcomeInput {
  exit: QemuExit;
  isTest: boolean;
  bootimage: BootimageConfig;
  /** Seconds, for the timeout message. */
  timeoutSeconds?: number;
  serialText: string;
  /** The last VGA text screen (rows), where a kernel may have printed its panic. */
  screenText?: string;
  faultLog?: string;
  /** Names the function containing a (runtime) address. */
  symbolFor?: (address: number) => string | undefined;
  /** The CPU halted for good (the run was ended by Bootlab): where, and the call chain. */
  halted?: { rip?: number; frames: StackFrame[] };
  /** The call chain where a fault or a timeout stopped the kernel, innermost first. */
  frames?: StackFrame[];
}

/** `bootimage runner`'s exit status for a finished QEMU (BOOT-CONTRACT section 7). */
export function runnerExitCode(exit: Pick<QemuExit, 'status' | 'timedOut'>, isTest: boolean, bootimage: BootimageConfig): number {
  if (exit.timedOut) return 1;
  const status = exit.status ?? 1;
  if (!isTest) return status;
  const success = bootimage.testSuccessExitCode;
  if (success !== undefined) {
    if (status === success) return 0;
    if (status === 0) return 1;
  }
  return status;
}

function located(frame: StackFrame | undefined): string {
  return frame?.file !== undefined ? ` (${frame.file}:${frame.line})` : '';
}

/**
 * Everything a person needs to know about how the run ended. One exit-status rule everywhere:
 * `exitCode` is what the command returns (bootimage's status; 1 for a triple fault, a panic or a
 * timeout; 0 for a kernel that halted outside a test), `qemuStatus` is QEMU's own status when
 * QEMU exited by itself, and a stopped run has neither.
 */
export function diagnoseRun(input: OutcomeInput): RunOutcome {
  const { exit, isTest, bootimage } = input;
  const qemuExited = !exit.stopped && !exit.timedOut && !input.halted && exit.status !== null && !exit.spawnError;
  const base = { qemuStatus: qemuExited ? exit.status : undefined, lastSerialLine: lastLine(input.serialText) };
  const panic = parsePanic(input.serialText) ?? (input.screenText ? parsePanic(input.screenText) : undefined);
  const panicFields = panic
    ? { panicMessage: panic.text, panicLocation: panic.file !== undefined ? { file: panic.file, line: panic.line!, column: panic.column } : undefined }
    : {};
  const fault = input.faultLog ? parseFaultLog(input.faultLog) : undefined;
  const symbolFor = input.symbolFor;
  if (exit.spawnError) {
    return { ...base, exitCode: 1, kind: 'error', message: `QEMU could not start: ${exit.spawnError}` };
  }
  if (exit.stopped) return { ...base, kind: 'stopped', message: 'Stopped.', ...panicFields };
  if (exit.timedOut) {
    const rip = exit.registersAtTimeout?.RIP;
    const ripNum = rip !== undefined ? Number(rip) : undefined;
    const symbol = ripNum !== undefined ? symbolFor?.(ripNum) : undefined;
    const where = ripNum !== undefined ? ` RIP was 0x${ripNum.toString(16)}${symbol ? ` in ${symbol}` : ''}.` : '';
    const last = base.lastSerialLine ? ` Last serial line: "${base.lastSerialLine}".` : ' No serial output.';
    return {
      ...base,
      exitCode: 1,
      kind: 'timeout',
      rip: ripNum,
      symbol,
      ...panicFields,
      frames: input.frames ?? [],
      message: `Timed out after ${input.timeoutSeconds ?? '?'} s: the kernel did not exit.${where}${last}`,
    };
  }
  if (fault?.tripleFault) {
    const first = fault.chain.find((e) => e.rip !== undefined);
    const symbol = first?.rip !== undefined ? symbolFor?.(first.rip) : undefined;
    const chain = describeChain(fault.chain, true, symbolFor);
    return {
      ...base,
      exitCode: 1,
      kind: 'triple-fault',
      exceptions: fault.chain.map(({ vector, name, errorCode, cr2, rip }) => ({ vector, name, errorCode, cr2, rip })),
      rip: first?.rip,
      symbol,
      ...panicFields,
      frames: input.frames ?? [],
      message: `Triple fault${symbol ? ` in ${symbol}` : first?.rip !== undefined ? ` at 0x${first.rip.toString(16)}` : ''}: ${chain}`,
    };
  }
  if (input.halted) {
    const frames = input.halted.frames;
    const top = frames[0];
    const rip = input.halted.rip;
    if (panic) {
      // The panic handler halted: the panic is the story, its location the link.
      return { ...base, exitCode: 1, kind: 'failure', rip, symbol: top?.symbol, ...panicFields, frames, message: `Kernel ${panic.text}` };
    }
    const where = top?.symbol ?? (rip !== undefined ? `0x${rip.toString(16)}` : 'an unknown address');
    return {
      ...base,
      // A test that halts never wrote its success code: bootimage would have timed it out.
      exitCode: isTest ? 1 : 0,
      kind: 'halted',
      rip,
      symbol: top?.symbol,
      frames,
      message: `Kernel halted at ${where}${located(top)}`,
    };
  }
  const exitCode = runnerExitCode(exit, isTest, bootimage);
  if (panic) {
    return { ...base, exitCode, kind: 'failure', ...panicFields, message: `Kernel ${panic.text}` };
  }
  const status = exit.status;
  const success = bootimage.testSuccessExitCode;
  if (isTest && success !== undefined && status === success) {
    return { ...base, exitCode, kind: 'success', message: `Test passed (QEMU exit status ${status}).` };
  }
  if (status !== null && status % 2 === 1 && status > 1) {
    const code = (status - 1) / 2;
    const ok = success === undefined ? code === 0x10 : status === success;
    return {
      ...base,
      exitCode,
      kind: ok ? 'success' : 'failure',
      message: `The kernel exited through isa-debug-exit with code 0x${code.toString(16)} (QEMU status ${status}).`,
    };
  }
  if (status === 0) {
    return {
      ...base,
      exitCode,
      kind: 'exited',
      message: isTest && success !== undefined ? 'QEMU exited with status 0 without the test success code (a reset or shutdown?).' : 'QEMU exited.',
    };
  }
  const err = exit.stderr.trim().split('\n').pop();
  return { ...base, exitCode, kind: isTest ? 'failure' : 'exited', message: `QEMU exited with status ${status ?? exit.signal}${err ? `: ${err}` : ''}` };
}
