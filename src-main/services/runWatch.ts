// Watches a running kernel for how its run will end, for the CLI and the app alike: the CPU's
// state through QMP (a halted CPU ends the run), a panic in the serial output or on the VGA
// screen (reported as soon as its message is complete; the run goes on until the kernel halts
// or exits), and where the kernel stopped, as a call chain.
import type { CpuState, StackFrame } from '../shared/api.js';
import { qmpStackReader, unwindStack } from './backtrace.js';
import type { CodeLocator } from './codeLocator.js';
import { watchCpuState, type CpuWatch } from './cpuState.js';
import { parsePanic, vgaText, type OutcomeInput, type Panic } from './diagnose.js';
import { parseRegisters } from './qmp.js';
import { VGA_TEXT_ADDRESS, VGA_TEXT_BYTES, type QemuSession } from './qemu.js';

export interface RunWatchOptions {
  session: Pick<QemuSession, 'qmpReady' | 'exit' | 'readMemory'>;
  locator: CodeLocator;
  onCpuState?: (state: CpuState) => void;
  /** A panic's text is complete (once per run). */
  onPanic?: (panic: Panic) => void;
  /**
   * Runs once a halted machine has been read, before QEMU quits: the app keeps the VM paused
   * there for the Inspector until this settles (Stop, the next run).
   */
  holdAtHalt?: () => Promise<void>;
  intervalMs?: number;
}

interface Gathered {
  screen?: Buffer;
  frames: StackFrame[];
}

/** The first panic whose message line is complete (its newline arrived), else undefined. */
export function completePanic(text: string): Panic | undefined {
  const at = text.indexOf('panicked at ');
  if (at < 0) return undefined;
  const rest = text.slice(at).replace(/\r/g, '');
  const firstEnd = rest.indexOf('\n');
  if (firstEnd < 0) return undefined;
  // `panicked at FILE:LINE:COL:` puts the message on the next line: wait for that one too.
  if (/:\d+:\d+:\s*$/.test(rest.slice(0, firstEnd)) && rest.indexOf('\n', firstEnd + 1) < 0) return undefined;
  return parsePanic(rest);
}

export class RunWatch {
  private serialText = '';
  private screen: Buffer | undefined;
  private panicSeen = false;
  private readonly cpu: CpuWatch<Gathered>;

  constructor(private readonly options: RunWatchOptions) {
    const { session, locator } = options;
    this.cpu = watchCpuState<Gathered>({
      qmp: session.qmpReady,
      exited: session.exit,
      intervalMs: options.intervalMs,
      onState: options.onCpuState,
      atHalt: async (registers) => {
        const gathered: Gathered = { frames: [] };
        const reader = qmpStackReader(await session.qmpReady);
        try {
          // RIP is past the HLT: the instruction before it is where the kernel stopped.
          gathered.frames = await unwindStack({ registers, read: reader.read, locator, ripAfterInstruction: true });
        } finally {
          reader.dispose();
        }
        gathered.screen = await session.readMemory(VGA_TEXT_ADDRESS, VGA_TEXT_BYTES).catch(() => undefined);
        if (gathered.screen) this.noteScreen(gathered.screen);
        // Kept here too: a held halt is diagnosed while the watcher still waits for this.
        this.gatheredAtHalt = gathered;
        await options.holdAtHalt?.();
        return gathered;
      },
    });
  }

  /** Serial output as it arrives. */
  noteSerial(text: string): void {
    if (this.serialText.length < 1 << 20) this.serialText += text;
    if (!this.panicSeen) this.checkPanic(this.serialText);
  }

  /** The VGA text screen as it changes. */
  noteScreen(screen: Buffer): void {
    this.screen = screen;
    if (!this.panicSeen) this.checkPanic(`${vgaText(screen)}\n\n`);
  }

  private checkPanic(text: string): void {
    const panic = completePanic(text);
    if (!panic) return;
    this.panicSeen = true;
    this.options.onPanic?.(panic);
  }

  private faultFrames: StackFrame[] | undefined;
  private gatheredAtHalt: Gathered | undefined;

  /**
   * QEMU paused at a guest shutdown (a triple fault under -no-reboot): the CPU still holds the
   * faulting instruction's RIP and stack, so the call chain can be read before QEMU quits.
   */
  async atGuestShutdown(): Promise<void> {
    const qmp = await this.options.session.qmpReady;
    await this.atStop(parseRegisters(await qmp.hmp('info registers')));
  }

  /** A timeout stopped the CPU (test executables): where it was spinning, as a call chain. */
  async atStop(registers: Record<string, bigint>): Promise<void> {
    const qmp = await this.options.session.qmpReady;
    const reader = qmpStackReader(qmp);
    try {
      this.faultFrames = await unwindStack({ registers, read: reader.read, locator: this.options.locator });
    } finally {
      reader.dispose();
    }
  }

  /** The call chain `atStop` read (a timeout, a triple fault, a panic the app paused at). */
  get stopFrames(): StackFrame[] | undefined {
    return this.faultFrames;
  }

  /** After QEMU's exit: what the diagnosis needs beyond the exit itself. */
  finish(): Pick<OutcomeInput, 'halted' | 'screenText' | 'frames'> {
    this.cpu.dispose();
    const halted = this.cpu.halted;
    return {
      screenText: this.screen ? vgaText(this.screen) : undefined,
      frames: this.faultFrames,
      halted: halted ? { rip: halted.registers.RIP !== undefined ? Number(halted.registers.RIP) : undefined, frames: (halted.gathered ?? this.gatheredAtHalt)?.frames ?? [] } : undefined,
    };
  }
}
