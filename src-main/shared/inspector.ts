// The machine inspector's part of the API contract: pause, resume and step a running VM, and read
// its CPU state, page tables and memory. 64-bit values travel as hex strings ("0x..."): a
// virtual address does not fit a JavaScript number. Requests are validated here (lengths capped,
// addresses canonical) and the validators join ./validate.ts's table.

export interface RegisterView {
  name: string;
  /** Hex, "0x...". */
  value: string;
}

export interface BitView {
  name: string;
  bit: number;
  set: boolean;
  meaning: string;
}

export interface ControlRegisterView extends RegisterView {
  /** Set bit names, highest first: "PG WP ET PE". */
  summary: string;
  bits: BitView[];
}

export interface SegmentView {
  name: string;
  selector: number;
  base: string;
  limit: string;
  attributes: string;
  /** The cached descriptor in words: "code 64-bit, readable, accessed, DPL 0". */
  descriptor: string;
}

export interface GdtEntryView {
  selector: number;
  kind: string;
  description: string;
  base: string;
  limit: string;
  dpl: number;
  present: boolean;
}

export interface IdtEntryView {
  vector: number;
  description: string;
  selector: number;
  offset: string;
  /** The handler's function and line, when the kernel's symbols name it. */
  handler?: string;
  dpl: number;
  ist: number;
}

export interface StackView {
  /** RSP, hex. */
  rsp: string;
  /** The words from RSP to the end of its page (at most 32), each with the code it points into. */
  words: { address: string; value: string; pointsInto?: string }[];
  /** The call chain from the kernel's CFI (innermost first), when it can be unwound. */
  frames: { address: string; location: string }[];
  /** Why the words could not be read. */
  problem?: string;
}

export interface CpuView {
  mode: string;
  cpl: number;
  /** In HLT. */
  halted: boolean;
  general: RegisterView[];
  rip: string;
  /** "function (file:line)" of RIP, when known. */
  ripLocation?: string;
  rflags: ControlRegisterView;
  segments: SegmentView[];
  control: ControlRegisterView[];
  gdt: { base: string; limit: number; entries: GdtEntryView[]; problem?: string };
  idt: { base: string; limit: number; entries: IdtEntryView[]; problem?: string };
  /** Long mode with TR loaded: the stacks of the TSS (RSP0-2, IST1-7), or why it is unreadable. */
  tss?: { base: string; rsp: string[]; ist: string[]; iomapBase: number } | { base: string; problem: string };
  stack?: StackView;
}

export interface MappingView {
  virtualStart: string;
  /** Exclusive. */
  virtualEnd: string;
  physicalStart: string;
  /** "16K", "2M", "1T". */
  size: string;
  /** "4K", "2M", "1G". */
  pageSize: string;
  /** "R-X", "RW-". */
  permissions: string;
  user: boolean;
  global: boolean;
  /** "kernel segment 2 (.text)", "stack (guard page 0x...)", "physical-memory window", ... */
  what: string;
}

export interface SegmentCheckView {
  index: number;
  start: string;
  end: string;
  /** The ELF's permissions, "R-X". */
  expected: string;
  sections: string[];
  ok: boolean;
  /** Each difference in words ("0x200000..0x201000 is RW-, the ELF says R--"). */
  differences: string[];
}

export interface PageTablesView {
  mappings: MappingView[];
  recursive: { index: number; virtualStart: string; virtualEnd: string }[];
  /** Tables that could not be read; why there are no mappings (paging off). */
  problems: string[];
  segmentChecks: SegmentCheckView[];
  /** "elf segments: N/M mapped with the ELF's permissions". */
  summary: string;
}

export type MemorySpace = 'virtual' | 'physical';

export interface MemoryRequest {
  /** "0x..." hex or a decimal string, or a number (below 2^53); in virtual space also a kernel symbol's name. */
  address: string | number;
  length: number;
  space: MemorySpace;
}

export type MemoryView =
  | { address: string; space: MemorySpace; mapped: true; /** base64 */ bytes: string; /** The symbol the request named. */ symbol?: string }
  | { address: string; space: MemorySpace; mapped: false; /** "not mapped: level-2 entry 5 is not present" */ reason: string; level?: number; symbol?: string };

export interface InspectorApi {
  /** Pauses the running VM (QMP stop). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Executes `count` instructions (default 1) one at a time; the VM stays paused. */
  step(count?: number): Promise<void>;
  cpuState(): Promise<CpuView>;
  pageTables(): Promise<PageTablesView>;
  readMemory(request: MemoryRequest): Promise<MemoryView>;
}

export const MAX_READ_BYTES = 64 * 1024;
export const MAX_STEPS = 1000;
/** Physical addresses are below 2^52 on x86-64. */
const PHYSICAL_LIMIT = 1n << 52n;

class InspectorRequestError extends Error {}

/** A kernel symbol's name as typed (demangled path, or raw): what readMemory accepts besides numbers. */
export const SYMBOL_NAME = /^[A-Za-z_$.][\w$.:<>]{0,199}$/;

/** A request's address as a 64-bit value, or an error saying what is wrong. */
export function parseAddress(value: unknown, what: string): bigint {
  let address: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new InspectorRequestError(`${what}: the address must be a non-negative integer`);
    address = BigInt(value);
  } else if (typeof value === 'string' && /^(0x[0-9a-f_]{1,20}|[0-9]{1,20})$/i.test(value.trim())) {
    address = BigInt(value.trim().replace(/_/g, ''));
  } else {
    throw new InspectorRequestError(`${what}: the address must be a number, a hex string like "0xb8000", or (virtual) a kernel symbol's name`);
  }
  if (address > 0xffff_ffff_ffff_ffffn) throw new InspectorRequestError(`${what}: the address 0x${address.toString(16)} is wider than 64 bits`);
  return address;
}

export function isCanonicalAddress(address: bigint): boolean {
  const top = address >> 47n;
  return top === 0n || top === 0x1ffffn;
}

function expectArgs(args: unknown[], max: number, method: string): void {
  if (args.length > max) throw new InspectorRequestError(`${method}: expected at most ${max} argument${max === 1 ? '' : 's'}, got ${args.length}`);
}

export function validateMemoryRequest(value: unknown): MemoryRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InspectorRequestError('readMemory: the request must be an object { address, length, space }');
  const { address, length, space, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new InspectorRequestError(`readMemory: unknown field "${unknown[0]}"`);
  if (space !== 'virtual' && space !== 'physical') throw new InspectorRequestError('readMemory: space must be "virtual" or "physical"');
  if (!Number.isSafeInteger(length) || (length as number) < 1 || (length as number) > MAX_READ_BYTES) throw new InspectorRequestError(`readMemory: length must be 1..${MAX_READ_BYTES}`);
  if (space === 'virtual' && typeof address === 'string' && !/^(0x|[0-9])/i.test(address.trim()) && SYMBOL_NAME.test(address.trim())) {
    // A symbol: resolved (and checked) by the service against the booted kernel.
    return { address: address.trim(), length: length as number, space };
  }
  const at = parseAddress(address, 'readMemory');
  const end = at + BigInt(length as number);
  if (space === 'physical' && end > PHYSICAL_LIMIT) throw new InspectorRequestError('readMemory: a physical address must be below 2^52');
  if (space === 'virtual' && (!isCanonicalAddress(at) || !isCanonicalAddress(end - 1n) || at >> 47n !== (end - 1n) >> 47n)) {
    throw new InspectorRequestError(`readMemory: 0x${at.toString(16)}..0x${end.toString(16)} is not a canonical virtual range (bits 48-63 must copy bit 47)`);
  }
  return { address: `0x${at.toString(16)}`, length: length as number, space };
}

const none = (method: string) => (args: unknown[]) => {
  expectArgs(args, 0, method);
  return [];
};

export const INSPECTOR_VALIDATORS: Record<keyof InspectorApi, (args: unknown[]) => unknown[]> = {
  pause: none('pause'),
  resume: none('resume'),
  step: (args) => {
    expectArgs(args, 1, 'step');
    const count = args[0] ?? 1;
    if (!Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > MAX_STEPS) throw new InspectorRequestError(`step: count must be 1..${MAX_STEPS}`);
    return [count];
  },
  cpuState: none('cpuState'),
  pageTables: none('pageTables'),
  readMemory: (args) => {
    expectArgs(args, 1, 'readMemory');
    return [validateMemoryRequest(args[0])];
  },
};
