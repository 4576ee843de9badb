// The Inspector tab's model: pause, resume and step the running VM, then read its CPU (with the
// stack at RSP), its page tables, and memory at an address the user types. Register values that changed
// since the previous pause or step are remembered for highlighting.
import type { CpuView, MappingView, MemorySpace, MemoryView, PageTablesView, StackView } from '../../../src-main/shared/inspector.js';
import type { ClientApi } from './api.js';

/** What the model needs from the window's session. */
export interface InspectorHost {
  readonly running: boolean;
  report(error: unknown, kind?: 'error' | 'info'): void;
}

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

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export class InspectorModel {
  paused = $state(false);
  /** A request in flight (buttons do not fire twice). */
  busy = $state(false);
  cpu: CpuView | undefined = $state.raw(undefined);
  tables: PageTablesView | undefined = $state.raw(undefined);
  stack: StackView | undefined = $state.raw(undefined);
  memory: { view: MemoryView; rows: { address: string; hex: string; ascii: string }[] } | undefined = $state.raw(undefined);
  /** Names of the registers whose value differs from the previous snapshot. */
  changed: string[] = $state([]);

  constructor(
    private readonly api: ClientApi,
    private readonly host: InspectorHost,
  ) {}

  get canControl(): boolean {
    return this.host.running && !this.busy;
  }

  /** The run ended: nothing to inspect or control any more. */
  reset(): void {
    this.paused = false;
    this.changed = [];
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

  readMemory(address: string, space: MemorySpace, length = 256): Promise<void> {
    return this.#act(async () => {
      const view = await this.api.readMemory({ address, length, space });
      this.memory = { view, rows: view.mapped ? hexRows(fromBase64(view.bytes), BigInt(view.address)) : [] };
    });
  }

  async #refresh(): Promise<void> {
    // A plain record, not reactive state: only the list of changed names is shown.
    const before: Record<string, string> = {};
    if (this.cpu) for (const r of [...this.cpu.general, { name: 'RIP', value: this.cpu.rip }, { name: 'RFLAGS', value: this.cpu.rflags.value }]) before[r.name] = r.value;
    // Both at once: the service answers them from one register read and one table walk.
    const [cpu, tables] = await Promise.all([this.api.cpuState(), this.api.pageTables()]);
    const now = [...cpu.general, { name: 'RIP', value: cpu.rip }, { name: 'RFLAGS', value: cpu.rflags.value }];
    this.changed = this.cpu ? now.filter((r) => before[r.name] !== r.value).map((r) => r.name) : [];
    this.cpu = cpu;
    this.tables = tables;
    this.stack = cpu.stack;
  }
}
