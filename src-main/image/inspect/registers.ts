// The CPU's state from QEMU's HMP `info registers` text, in any mode: real mode and 32-bit
// protected mode print EAX/EIP/EFL with 8-digit bases, long mode RAX/RIP/RFL with 16 digits and
// `R8 =` padded names. Only the first CPU is read (Bootlab boots one).

export interface SegmentRegister {
  /** ES, CS, SS, DS, FS, GS, LDT or TR. */
  name: string;
  selector: number;
  base: bigint;
  /** The limit as QEMU holds it (already scaled by the granularity bit). */
  limit: number;
  /** The descriptor's attribute dword as QEMU prints it (access byte at bits 8-15, flags at 20-23). */
  attributes: number;
}

export interface TableRegister {
  base: bigint;
  limit: number;
}

export type CpuMode = 'real' | 'virtual-8086' | 'protected' | 'compatibility' | 'long';

export interface CpuRegisters {
  mode: CpuMode;
  /** General registers in QEMU's order (RAX..R15, or EAX..ESP outside long mode). */
  general: { name: string; value: bigint }[];
  /** RIP (EIP outside long mode). */
  rip: bigint;
  rflags: bigint;
  cpl: number;
  /** The CPU sits in HLT. */
  halted: boolean;
  a20: boolean;
  segments: SegmentRegister[];
  gdt: TableRegister;
  idt: TableRegister;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
}

export class RegisterDumpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegisterDumpError';
  }
}

const GENERAL_LONG = ['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
const GENERAL_LEGACY = ['EAX', 'EBX', 'ECX', 'EDX', 'ESI', 'EDI', 'EBP', 'ESP'];
const SEGMENT_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'LDT', 'TR'];

const CR0_PE = 1n;
const EFER_LMA = 1n << 10n;
const RFLAGS_VM = 1n << 17n;
/** The L (64-bit code) bit of a code segment's attribute dword. */
const SEGMENT_L = 1 << 21;

/** The first CPU's section of the dump (QEMU starts each with `CPU#N`). */
function firstCpu(text: string): string {
  const starts = [...text.matchAll(/^CPU#\d+\s*$/gm)].map((m) => m.index ?? 0);
  if (starts.length < 2) return text;
  return text.slice(starts[0], starts[1]);
}

/** Parses `info registers`. Throws RegisterDumpError naming what is missing when the text is not such a dump. */
export function parseInfoRegisters(text: string): CpuRegisters {
  const cpu = firstCpu(text);
  const values = new Map<string, bigint>();
  // `NAME=hex` pairs; QEMU pads short names (`R8 =`, `ES =`): the first hex word is the value.
  for (const m of cpu.matchAll(/(?<![A-Za-z0-9#])([A-Z][A-Z0-9]{0,5}) ?=\s*([0-9a-fA-F]+)\b/g)) {
    if (!values.has(m[1]!)) values.set(m[1]!, BigInt(`0x${m[2]!}`));
  }
  const need = (name: string, alternative?: string): bigint => {
    const v = values.get(name) ?? (alternative ? values.get(alternative) : undefined);
    if (v === undefined) throw new RegisterDumpError(`not an \`info registers\` dump: ${alternative ? `${name}/${alternative}` : name} is missing`);
    return v;
  };
  const rip = need('RIP', 'EIP');
  const long = values.has('RIP');
  const general = (long ? GENERAL_LONG : GENERAL_LEGACY).map((name) => ({ name, value: need(name) }));
  const segments: SegmentRegister[] = [];
  for (const m of cpu.matchAll(/^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-fA-F]{4}) ([0-9a-fA-F]{8,16}) ([0-9a-fA-F]{8}) ([0-9a-fA-F]{8})/gm)) {
    segments.push({ name: m[1]!, selector: parseInt(m[2]!, 16), base: BigInt(`0x${m[3]!}`), limit: parseInt(m[4]!, 16), attributes: parseInt(m[5]!, 16) });
  }
  for (const name of SEGMENT_NAMES) {
    if (!segments.some((s) => s.name === name)) throw new RegisterDumpError(`not an \`info registers\` dump: segment register ${name} is missing`);
  }
  const table = (name: string): TableRegister => {
    const m = new RegExp(`^${name}=\\s+([0-9a-fA-F]{8,16}) ([0-9a-fA-F]{8})`, 'm').exec(cpu);
    if (!m) throw new RegisterDumpError(`not an \`info registers\` dump: ${name} is missing`);
    return { base: BigInt(`0x${m[1]!}`), limit: parseInt(m[2]!, 16) };
  };
  const rflags = need('RFL', 'EFL');
  const cr0 = need('CR0');
  const efer = values.get('EFER') ?? 0n;
  const cs = segments.find((s) => s.name === 'CS')!;
  let mode: CpuMode;
  if ((cr0 & CR0_PE) === 0n) mode = 'real';
  else if ((efer & EFER_LMA) !== 0n) mode = (cs.attributes & SEGMENT_L) !== 0 ? 'long' : 'compatibility';
  else if ((rflags & RFLAGS_VM) !== 0n) mode = 'virtual-8086';
  else mode = 'protected';
  return {
    mode,
    general,
    rip,
    rflags,
    cpl: Number(values.get('CPL') ?? 0n),
    halted: values.get('HLT') === 1n,
    a20: values.get('A20') !== 0n,
    segments,
    gdt: table('GDT'),
    idt: table('IDT'),
    cr0,
    cr2: need('CR2'),
    cr3: need('CR3'),
    cr4: need('CR4'),
    efer,
  };
}
