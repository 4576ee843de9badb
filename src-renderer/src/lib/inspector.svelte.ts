// The Inspector tab's model: pause, resume and step the running VM, then read its CPU (with the
// stack at RSP), its page tables, and memory at an address the user types. Register values that changed
// since the previous pause or step are remembered for highlighting.
import type { CpuView, MappingView, MemorySpace, MemoryView, PageTablesView, StackView } from '../../../src-main/shared/inspector.js';
import type { ClientApi } from './api.js';

/** What the model needs from the window's session. */
export interface InspectorHost {
  /** A run's VM is running (or booting). */
  readonly running: boolean;
  /** The finished run's VM is kept paused where it ended (a halt, a fault, a timeout). */
  readonly pausedVm: boolean;
  report(error: unknown, kind?: 'error' | 'info'): void;
}

/** RFLAGS.IF */
const RFLAGS_IF = 1n << 9n;

export interface SpaceMark {
  half: 'lower' | 'higher';
  /** Percent of the half's 128 TiB. */
  left: number;
  width: number;
  permissions: string;
  label: string;
}

const HALF = 2 ** 47;

/**
 * The mappings placed to scale on the two halves of the canonical address space (lower:
 * 0..0x7fff_ffff_ffff, higher: 0xffff_8000_0000_0000..). Widths are exact percentages; the view
 * gives tiny runs a minimum width so that a 4 KiB page stays visible.
 */
export function addressSpaceMarks(mappings: MappingView[]): SpaceMark[] {
  return mappings.map((m) => {
    const start = BigInt(m.virtualStart);
    const end = BigInt(m.virtualEnd);
    const higher = start >= 0xffff_8000_0000_0000n;
    const base = higher ? 0xffff_8000_0000_0000n : 0n;
    return {
      half: higher ? 'higher' : 'lower',
      left: (Number(start - base) / HALF) * 100,
      width: (Number(end - start) / HALF) * 100,
      permissions: m.permissions,
      label: `${m.virtualStart}..${m.virtualEnd} ${m.size} ${m.permissions} ${m.what}`,
    };
  });
}

/** Hex and ASCII rows of 16 bytes, as a hex editor shows them. */
export function hexRows(bytes: Uint8Array, base: bigint): { address: string; hex: string; ascii: string }[] {
  const rows: { address: string; hex: string; ascii: string }[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const line = bytes.subarray(at, at + 16);
    rows.push({
      address: `0x${(base + BigInt(at)).toString(16).padStart(8, '0')}`,
      hex: [...line].map((b) => b.toString(16).padStart(2, '0')).join(' '),
      ascii: [...line].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''),
    });
  }
  return rows;
}

/** The loaded bytes as hex, 16 bytes a line (what "Copy as hex" puts on the clipboard). */
export function hexText(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) lines.push([...bytes.subarray(at, at + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
  return lines.join('\n');
}

/** Bytes per read: the first one and each one that scrolling adds. */
export const MEMORY_CHUNK = 4096;
/** Scrolling stops loading here; a new address reads further. */
export const MEMORY_MAX_LOADED = 1 << 20;

/** What the Memory region shows: bytes loaded from `start` on, or why there are none (more). */
export interface MemoryPane {
  start: bigint;
  space: MemorySpace;
  /** The symbol the address was typed as. */
  symbol?: string;
  bytes: Uint8Array;
  /** The first read failed: "0x...: not mapped: level-4 entry 27 is not present". */
  problem?: string;
  /** Why scrolling loads no more (the next page is not mapped, the limit). */
  end?: string;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The values whose change since the last pause or step is highlighted: registers, flags, control registers, selectors. */
function watchedValues(cpu: CpuView): { name: string; value: string }[] {
  return [
    ...cpu.general,
    { name: 'RIP', value: cpu.rip },
    { name: 'RFLAGS', value: cpu.rflags.value },
    ...cpu.control.map((c) => ({ name: c.name, value: c.value })),
    ...cpu.segments.map((s) => ({ name: s.name, value: String(s.selector) })),
  ];
}

function paneOf(view: MemoryView): MemoryPane {
  const base = { start: BigInt(view.address), space: view.space, symbol: view.symbol };
  return view.mapped ? { ...base, bytes: fromBase64(view.bytes) } : { ...base, bytes: new Uint8Array(0), problem: view.reason };
}

export class InspectorModel {
  paused = $state(false);
  /** A request in flight (buttons do not fire twice). */
  busy = $state(false);
  cpu: CpuView | undefined = $state.raw(undefined);
  tables: PageTablesView | undefined = $state.raw(undefined);
  stack: StackView | undefined = $state.raw(undefined);
  memory: MemoryPane | undefined = $state.raw(undefined);
  /** More memory is being read for the scrolled view. */
  loading = $state(false);
  /** Names of the registers whose value differs from the previous snapshot. */
  changed: string[] = $state([]);
  /** Why a kept VM that was let run again stopped by itself (a halt, a triple fault); it is paused there. */
  stoppedBecause: string | undefined = $state(undefined);

  constructor(
    private readonly api: ClientApi,
    private readonly host: InspectorHost,
  ) {}

  /**
   * Follows the service's `vm-state` events (from this window or another): paused or running,
   * and a kept VM let run again that stopped by itself fills the panels as a pause does.
   */
  start(): () => void {
    return this.api.onEvent((event) => {
      if (event.type !== 'vm-state') return;
      this.paused = event.paused;
      if (event.paused && event.reason) void this.#act(() => this.#refresh());
      this.stoppedBecause = event.reason;
    });
  }

  /** A message for the window (the panel's own problems, e.g. no clipboard). */
  report(text: string): void {
    this.host.report(text, 'info');
  }

  /** A finished run's (or timed-out test's) VM is kept paused where it ended. */
  get keptVm(): boolean {
    return this.host.pausedVm;
  }

  /** There is a VM to pause, step or read: the running one, or the one kept where its run ended. */
  get vmAlive(): boolean {
    return this.host.running || this.host.pausedVm;
  }

  get canPause(): boolean {
    return this.vmAlive && !this.paused && !this.busy;
  }

  get canResume(): boolean {
    return this.vmAlive && this.paused && !this.busy;
  }

  /** Why Step would do nothing now, or undefined when it can step. */
  get stepBlocked(): string | undefined {
    if (!this.vmAlive) return 'No virtual machine is running';
    if (this.busy) return 'Reading the machine…';
    // HLT with interrupts off never completes: the service would refuse the step.
    if (this.paused && this.cpu?.halted && (BigInt(this.cpu.rflags.value) & RFLAGS_IF) === 0n) return 'The CPU is halted with interrupts off: no instruction can run';
    return undefined;
  }

  /** The VM is gone: nothing to inspect or control any more (the last panels stay until the next pause). */
  reset(): void {
    this.paused = false;
    this.stoppedBecause = undefined;
    this.changed = [];
  }

  /**
   * The run ended and its VM was kept paused there: fill the panels with that last state, as a
   * pause would (the service answers from the frozen machine).
   */
  adoptPausedAtEnd(): Promise<void> {
    return this.#act(async () => {
      this.paused = true;
      await this.#refresh();
    });
  }

  async #act(action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await action();
    } catch (error) {
      this.host.report(error);
    } finally {
      this.busy = false;
    }
  }

  toggle(): Promise<void> {
    return this.paused ? this.resume() : this.pause();
  }

  pause(): Promise<void> {
    return this.#act(async () => {
      await this.api.pause();
      this.paused = true;
      await this.#refresh();
    });
  }

  resume(): Promise<void> {
    return this.#act(async () => {
      await this.api.resume();
      this.paused = false;
    });
  }

  step(): Promise<void> {
    return this.#act(async () => {
      await this.api.step(1);
      this.paused = true;
      await this.#refresh();
    });
  }

  readMemory(address: string, space: MemorySpace, length = MEMORY_CHUNK): Promise<void> {
    return this.#act(async () => {
      const view = await this.api.readMemory({ address, length, space });
      this.memory = paneOf(view);
    });
  }

  /** The next chunk after what is loaded (the view scrolled near its end). */
  async loadMore(): Promise<void> {
    const pane = this.memory;
    if (!pane || pane.problem || pane.end || this.loading || this.busy) return;
    const next = pane.start + BigInt(pane.bytes.length);
    const limit = pane.space === 'physical' ? 1n << 52n : next < 1n << 47n ? 1n << 47n : 1n << 64n;
    if (pane.bytes.length >= MEMORY_MAX_LOADED || next >= limit) {
      this.memory = { ...pane, end: pane.bytes.length >= MEMORY_MAX_LOADED ? `${MEMORY_MAX_LOADED / 1024} KiB shown: read from a later address to see more` : 'the end of the address range' };
      return;
    }
    this.loading = true;
    try {
      const length = Number(BigInt(MEMORY_CHUNK) < limit - next ? BigInt(MEMORY_CHUNK) : limit - next);
      const view = await this.api.readMemory({ address: `0x${next.toString(16)}`, length, space: pane.space });
      // A new address may have been read meanwhile: only extend the view this read belongs to.
      if (this.memory !== pane) return;
      if (!view.mapped) this.memory = { ...pane, end: view.reason };
      else {
        const more = fromBase64(view.bytes);
        const bytes = new Uint8Array(pane.bytes.length + more.length);
        bytes.set(pane.bytes);
        bytes.set(more, pane.bytes.length);
        this.memory = { ...pane, bytes };
      }
    } catch (error) {
      this.host.report(error);
      if (this.memory === pane) this.memory = { ...pane, end: error instanceof Error ? error.message : String(error) };
    } finally {
      this.loading = false;
    }
  }

  async #refresh(): Promise<void> {
    // A plain record, not reactive state: only the list of changed names is shown.
    const before: Record<string, string> = {};
    if (this.cpu) for (const r of watchedValues(this.cpu)) before[r.name] = r.value;
    // Both at once: the service answers them from one register read and one table walk.
    const [cpu, tables] = await Promise.all([this.api.cpuState(), this.api.pageTables()]);
    const now = watchedValues(cpu);
    this.changed = this.cpu ? now.filter((r) => before[r.name] !== r.value).map((r) => r.name) : [];
    this.cpu = cpu;
    this.tables = tables;
    this.stack = cpu.stack;
  }
}
