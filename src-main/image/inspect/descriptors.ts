// GDT and IDT entries from the tables' raw bytes. In long mode system descriptors (TSS, LDT,
// call gates) and every IDT gate are 16 bytes; in protected mode everything is 8 bytes; in real
// mode the "IDT" is the interrupt vector table of segment:offset pairs.

export type DescriptorKind = 'null' | 'code' | 'data' | 'tss' | 'ldt' | 'gate' | 'reserved';

export interface GdtEntry {
  index: number;
  /** The selector that loads this entry (index * 8, RPL 0). */
  selector: number;
  kind: DescriptorKind;
  present: boolean;
  dpl: number;
  base: bigint;
  /** Byte limit (granularity applied). */
  limit: number;
  /** The 4-bit type field. */
  type: number;
  /** Human-readable: "code 64-bit, readable, accessed". */
  description: string;
  /** 8 or 16. */
  bytes: number;
}

export interface IdtEntry {
  vector: number;
  present: boolean;
  dpl: number;
  /** Interrupt gate, trap gate, task gate, or the IVT's far pointer in real mode. */
  kind: 'interrupt' | 'trap' | 'task' | 'ivt' | 'reserved';
  selector: number;
  offset: bigint;
  /** Long mode: the interrupt stack table slot (0: none). */
  ist: number;
  description: string;
}

const SYSTEM_TYPES_LONG: Record<number, [DescriptorKind, string]> = {
  0x2: ['ldt', 'LDT'],
  0x9: ['tss', '64-bit TSS (available)'],
  0xb: ['tss', '64-bit TSS (busy)'],
  0xc: ['gate', '64-bit call gate'],
  0xe: ['gate', '64-bit interrupt gate'],
  0xf: ['gate', '64-bit trap gate'],
};

const SYSTEM_TYPES_LEGACY: Record<number, [DescriptorKind, string]> = {
  0x1: ['tss', '16-bit TSS (available)'],
  0x2: ['ldt', 'LDT'],
  0x3: ['tss', '16-bit TSS (busy)'],
  0x4: ['gate', '16-bit call gate'],
  0x5: ['gate', 'task gate'],
  0x6: ['gate', '16-bit interrupt gate'],
  0x7: ['gate', '16-bit trap gate'],
  0x9: ['tss', '32-bit TSS (available)'],
  0xb: ['tss', '32-bit TSS (busy)'],
  0xc: ['gate', '32-bit call gate'],
  0xe: ['gate', '32-bit interrupt gate'],
  0xf: ['gate', '32-bit trap gate'],
};

/** The GDT holds at most 8192 entries; the IDT 256. */
const MAX_GDT_ENTRIES = 8192;
const MAX_IDT_ENTRIES = 256;

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
}

function segmentDescription(type: number, flags: number): [DescriptorKind, string] {
  const parts: string[] = [];
  const accessed = (type & 1) !== 0;
  if (type & 8) {
    const width = flags & 0x2 ? '64-bit' : flags & 0x4 ? '32-bit' : '16-bit';
    parts.push(`code ${width}`);
    if (type & 2) parts.push('readable');
    if (type & 4) parts.push('conforming');
    if (accessed) parts.push('accessed');
    return ['code', parts.join(', ')];
  }
  parts.push('data');
  parts.push(type & 2 ? 'writable' : 'read-only');
  if (type & 4) parts.push('expand-down');
  if (accessed) parts.push('accessed');
  return ['data', parts.join(', ')];
}

/**
 * Decodes a GDT from its bytes (`limit + 1` of them, read from the GDTR's base). An entry cut
 * short by the end of the bytes is left out.
 */
export function decodeGdt(bytes: Uint8Array, longMode: boolean): GdtEntry[] {
  const entries: GdtEntry[] = [];
  for (let at = 0; at + 8 <= bytes.length && entries.length < MAX_GDT_ENTRIES; ) {
    const index = at / 8;
    const limitLow = u16(bytes, at);
    const baseLow = bytes[at + 2]! | (bytes[at + 3]! << 8) | (bytes[at + 4]! << 16);
    const access = bytes[at + 5]!;
    const flags = bytes[at + 6]! >> 4;
    const limitHigh = bytes[at + 6]! & 0xf;
    const baseHigh = bytes[at + 7]!;
    const present = (access & 0x80) !== 0;
    const dpl = (access >> 5) & 3;
    const system = (access & 0x10) === 0;
    const type = access & 0xf;
    let base = BigInt(((baseHigh << 24) | baseLow) >>> 0);
    let limit = (limitHigh << 16) | limitLow;
    if (flags & 0x8) limit = limit * 4096 + 4095;
    let size = 8;
    let kind: DescriptorKind;
    let description: string;
    const raw = bytes.subarray(at, at + 8);
    if (raw.every((x) => x === 0)) {
      kind = 'null';
      description = 'null descriptor';
    } else if (!system) {
      [kind, description] = segmentDescription(type, flags);
    } else {
      const known = (longMode ? SYSTEM_TYPES_LONG : SYSTEM_TYPES_LEGACY)[type];
      [kind, description] = known ?? ['reserved', `reserved system type ${type}`];
      if (longMode && known) {
        // The upper half holds bits 32-63 of the base; an entry cut short here is incomplete.
        if (at + 16 > bytes.length) break;
        base |= BigInt(u32(bytes, at + 8)) << 32n;
        size = 16;
      }
    }
    if (!present && kind !== 'null') description += ', not present';
    entries.push({ index, selector: index * 8, kind, present, dpl, base, limit, type, description, bytes: size });
    at += size;
  }
  return entries;
}

/** Decodes an IDT (`limit + 1` bytes from the IDTR's base) for the CPU's mode. */
export function decodeIdt(bytes: Uint8Array, mode: 'real' | 'protected' | 'long'): IdtEntry[] {
  const entries: IdtEntry[] = [];
  if (mode === 'real') {
    for (let at = 0; at + 4 <= bytes.length && entries.length < MAX_IDT_ENTRIES; at += 4) {
      const offset = u16(bytes, at);
      const segment = u16(bytes, at + 2);
      entries.push({ vector: at / 4, present: true, dpl: 0, kind: 'ivt', selector: segment, offset: BigInt(offset), ist: 0, description: `${segment.toString(16).padStart(4, '0')}:${offset.toString(16).padStart(4, '0')}` });
    }
    return entries;
  }
  const size = mode === 'long' ? 16 : 8;
  for (let at = 0; at + size <= bytes.length && entries.length < MAX_IDT_ENTRIES; at += size) {
    const offsetLow = u16(bytes, at);
    const selector = u16(bytes, at + 2);
    const ist = mode === 'long' ? bytes[at + 4]! & 7 : 0;
    const attributes = bytes[at + 5]!;
    const offsetMid = u16(bytes, at + 6);
    const present = (attributes & 0x80) !== 0;
    const dpl = (attributes >> 5) & 3;
    const type = attributes & 0xf;
    let offset = BigInt(((offsetMid << 16) | offsetLow) >>> 0);
    if (mode === 'long') offset |= BigInt(u32(bytes, at + 8)) << 32n;
    let kind: IdtEntry['kind'];
    if (type === 0xe || (mode === 'protected' && type === 0x6)) kind = 'interrupt';
    else if (type === 0xf || (mode === 'protected' && type === 0x7)) kind = 'trap';
    else if (mode === 'protected' && type === 0x5) kind = 'task';
    else kind = 'reserved';
    const parts = [present ? `${kind} gate` : 'not present'];
    if (present && kind === 'reserved') parts[0] = `reserved gate type ${type}`;
    if (ist) parts.push(`IST ${ist}`);
    entries.push({ vector: at / size, present, dpl, kind, selector, offset, ist, description: parts.join(', ') });
  }
  return entries;
}

export interface Tss64 {
  /** Stack pointers for rings 0-2. */
  rsp: bigint[];
  /** Interrupt stack table entries 1-7. */
  ist: bigint[];
  iomapBase: number;
}

/** The 64-bit TSS (104 bytes at TR's base): the stacks the CPU switches to on interrupts. */
export function decodeTss64(bytes: Uint8Array): Tss64 | undefined {
  if (bytes.length < 104) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (offset: number) => view.getBigUint64(offset, true);
  return { rsp: [at(4), at(12), at(20)], ist: [0, 1, 2, 3, 4, 5, 6].map((i) => at(36 + 8 * i)), iomapBase: view.getUint16(102, true) };
}

/**
 * What a segment register's cached descriptor is, from its attributes as QEMU prints them (the
 * descriptor's upper dword masked to 0x00f0ff00: access byte and flags): "code 64-bit, readable,
 * accessed, DPL 0"; all zero is an unusable (null) segment.
 */
export function describeSegmentAttributes(attributes: number, longMode: boolean): string {
  if ((attributes & 0x00f0ff00) === 0) return 'null (unusable)';
  const bytes = new Uint8Array(16);
  bytes[5] = (attributes >> 8) & 0xff;
  bytes[6] = ((attributes >> 20) & 0xf) << 4;
  const [entry] = decodeGdt(bytes, longMode);
  return entry ? `${entry.description}, DPL ${entry.dpl}` : 'unknown descriptor';
}
