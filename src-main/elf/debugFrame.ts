// Call frame information (DWARF CFI from `.debug_frame`, or `.eh_frame`): for a code address,
// how to find the caller's frame (the CFA: a register plus an offset) and where the return
// address and saved registers are. This is what unwinds a kernel built without frame pointers.
// Corrupted input ends in a DwarfError, never a crash or a hang.
import { DwarfCursor, DwarfError } from './dwarfReader.js';

export { DwarfError } from './dwarfReader.js';

/** x86-64 DWARF register numbers used by the unwinder. */
export const DW_REG_RBP = 6;
export const DW_REG_RSP = 7;
export const DW_REG_RA = 16;

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same' }
  /** Saved at CFA + offset. */
  | { kind: 'offset'; offset: bigint }
  /** The value is CFA + offset. */
  | { kind: 'val-offset'; offset: bigint }
  | { kind: 'register'; register: number }
  /** A DWARF expression: not evaluated (the unwinder stops there). */
  | { kind: 'expression' };

export interface FrameRow {
  /** CFA = register + offset; undefined when the CFA is a DWARF expression. */
  cfa?: { register: number; offset: bigint };
  rules: Map<number, RegisterRule>;
  returnAddressRegister: number;
}

interface Cie {
  codeAlignment: bigint;
  dataAlignment: bigint;
  returnAddressRegister: number;
  initialInstructions: Uint8Array;
  /** .eh_frame pointer encoding of the FDE's addresses ('R' augmentation). */
  fdeEncoding: number;
  hasAugmentationData: boolean;
  addressSize: number;
}

interface Fde {
  start: bigint;
  end: bigint;
  cie: Cie;
  instructions: Uint8Array;
  /** Offset of the instructions in the section (for error messages). */
  instructionsOffset: number;
}

export interface FrameTable {
  /** The unwind row for `address`, or undefined when no FDE covers it. */
  rowFor(address: bigint): FrameRow | undefined;
  readonly fdeCount: number;
}

const DW_EH_PE_absptr = 0x00;
const DW_EH_PE_omit = 0xff;
const MAX_FDES = 2_000_000;
const ADDRESS_MASK = (1n << 64n) - 1n;

function readEncoded(c: DwarfCursor, encoding: number, sectionAddress: bigint, addressSize: number): bigint {
  if (encoding === DW_EH_PE_omit) return 0n;
  const at = BigInt(c.offset);
  let value: bigint;
  switch (encoding & 0x0f) {
    case 0x00:
      value = c.unsigned(addressSize, 'pointer');
      break;
    case 0x01:
      value = c.uleb('pointer');
      break;
    case 0x02:
      value = BigInt(c.u16('pointer'));
      break;
    case 0x03:
      value = BigInt(c.u32('pointer'));
      break;
    case 0x04:
      value = c.u64('pointer');
      break;
    case 0x09:
      value = c.sleb('pointer');
      break;
    case 0x0a:
      value = BigInt.asIntN(16, BigInt(c.u16('pointer')));
      break;
    case 0x0b:
      value = BigInt(c.i32('pointer'));
      break;
    case 0x0c:
      value = BigInt.asIntN(64, c.u64('pointer'));
      break;
    default:
      return c.fail(`unsupported pointer encoding 0x${encoding.toString(16)}`);
  }
  switch (encoding & 0x70) {
    case 0x00:
      break;
    case 0x10: // pcrel
      value += sectionAddress + at;
      break;
    default:
      return c.fail(`unsupported pointer application 0x${(encoding & 0x70).toString(16)}`);
  }
  return value & ADDRESS_MASK;
}

function readCie(c: DwarfCursor, end: number, ehFrame: boolean): Cie {
  const version = c.u8('CIE version');
  if (version !== 1 && version !== 3 && version !== 4) c.fail(`unsupported CIE version ${version}`);
  const augmentation = c.cstring('CIE augmentation');
  let addressSize = 8;
  if (version === 4) {
    addressSize = c.u8('CIE address size');
    c.u8('CIE segment size');
    if (addressSize !== 4 && addressSize !== 8) c.fail(`unsupported address size ${addressSize}`);
  }
  const codeAlignment = c.uleb('code alignment');
  const dataAlignment = c.sleb('data alignment');
  const returnAddressRegister = version === 1 ? c.u8('return address register') : c.ulebNumber('return address register');
  let fdeEncoding = DW_EH_PE_absptr;
  const hasAugmentationData = augmentation.startsWith('z');
  if (hasAugmentationData) {
    const length = c.ulebNumber('augmentation length');
    const dataEnd = c.offset + length;
    if (dataEnd > end) c.fail('augmentation data runs past the CIE');
    for (const ch of augmentation.slice(1)) {
      if (ch === 'R') fdeEncoding = c.u8('FDE encoding');
      else if (ch === 'L') c.u8('LSDA encoding');
      else if (ch === 'P') readEncoded(c, c.u8('personality encoding'), 0n, addressSize);
      else if (ch === 'S' || ch === 'B') continue;
      else break;
    }
    c.offset = dataEnd;
  } else if (augmentation !== '' && ehFrame) {
    c.fail(`unsupported CIE augmentation "${augmentation}"`);
  }
  return { codeAlignment, dataAlignment, returnAddressRegister, initialInstructions: c.bytes.subarray(c.offset, end), fdeEncoding, hasAugmentationData, addressSize };
}

/**
 * Reads every FDE of a `.debug_frame` (or, with `ehFrame`, an `.eh_frame` at `sectionAddress`).
 * Throws DwarfError on malformed input.
 */
export function readFrameTable(bytes: Uint8Array, options: { ehFrame?: boolean; sectionAddress?: bigint } = {}): FrameTable {
  const ehFrame = options.ehFrame ?? false;
  const name = ehFrame ? '.eh_frame' : '.debug_frame';
  const cies = new Map<number, Cie>();
  const fdes: Fde[] = [];
  const c = new DwarfCursor(bytes, name);
  const cieAt = (offset: number): Cie => {
    const known = cies.get(offset);
    if (known) return known;
    if (offset < 0 || offset >= bytes.length) c.fail(`FDE points to a CIE at 0x${offset.toString(16)}, outside the section`);
    const cc = new DwarfCursor(bytes, name, offset);
    const { end, is64 } = cc.unitLength('CIE');
    cc.end = end;
    const id = is64 ? cc.u64('CIE id') : BigInt(cc.u32('CIE id'));
    const isCie = ehFrame ? id === 0n : id === (is64 ? 0xffffffffffffffffn : 0xffffffffn);
    if (!isCie) cc.fail('an FDE points to something that is not a CIE', offset);
    const cie = readCie(cc, end, ehFrame);
    cies.set(offset, cie);
    return cie;
  };
  while (c.offset < bytes.length) {
    const entryStart = c.offset;
    // .eh_frame ends with a zero terminator.
    if (ehFrame && bytes.length - c.offset >= 4 && c.u32('length') === 0) break;
    c.offset = entryStart;
    const { end, is64 } = c.unitLength('CFI entry');
    const idOffset = c.offset;
    const id = is64 ? c.u64('CIE pointer') : BigInt(c.u32('CIE pointer'));
    const isCie = ehFrame ? id === 0n : id === (is64 ? 0xffffffffffffffffn : 0xffffffffn);
    if (!isCie) {
      if (fdes.length >= MAX_FDES) c.fail(`more than ${MAX_FDES} FDEs`);
      const cieOffset = ehFrame ? idOffset - Number(id) : Number(id);
      const cie = cieAt(cieOffset);
      const fc = new DwarfCursor(bytes, name, c.offset, end);
      const sectionAddress = options.sectionAddress ?? 0n;
      let start: bigint;
      let range: bigint;
      if (ehFrame) {
        start = readEncoded(fc, cie.fdeEncoding, sectionAddress, cie.addressSize);
        range = readEncoded(fc, cie.fdeEncoding & 0x0f, 0n, cie.addressSize);
      } else {
        start = fc.unsigned(cie.addressSize, 'FDE initial location');
        range = fc.unsigned(cie.addressSize, 'FDE address range');
      }
      if (cie.hasAugmentationData) fc.skip(fc.ulebNumber('FDE augmentation length'), 'FDE augmentation data');
      // Discarded functions sit at 0 (or the linker's tombstone): skipped, like in the line table.
      if (start !== 0n && range > 0n && start + range <= ADDRESS_MASK) {
        fdes.push({ start, end: start + range, cie, instructions: bytes.subarray(fc.offset, end), instructionsOffset: fc.offset });
      }
    } else cieAt(entryStart);
    c.offset = end;
  }
  fdes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return {
    fdeCount: fdes.length,
    rowFor(address) {
      let lo = 0;
      let hi = fdes.length - 1;
      let found: Fde | undefined;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (fdes[mid]!.start <= address) {
          found = fdes[mid];
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (!found || address >= found.end) return undefined;
      return executeCfi(found, address, name);
    },
  };
}

/** Runs the CIE's initial instructions, then the FDE's up to `target`. */
function executeCfi(fde: Fde, target: bigint, section: string): FrameRow {
  const { cie } = fde;
  const row: FrameRow = { rules: new Map(), returnAddressRegister: cie.returnAddressRegister };
  let initial: Map<number, RegisterRule> = new Map();
  const stack: { cfa?: FrameRow['cfa']; rules: Map<number, RegisterRule> }[] = [];
  let location = fde.start;
  const run = (bytes: Uint8Array): boolean => {
    const c = new DwarfCursor(bytes, section);
    const advance = (delta: bigint): boolean => {
      location += delta * cie.codeAlignment;
      return location > target;
    };
    while (!c.atEnd) {
      const op = c.u8('CFA opcode');
      const high = op & 0xc0;
      const low = op & 0x3f;
      if (high === 0x40) {
        if (advance(BigInt(low))) return true;
        continue;
      }
      if (high === 0x80) {
        row.rules.set(low, { kind: 'offset', offset: c.uleb('offset') * cie.dataAlignment });
        continue;
      }
      if (high === 0xc0) {
        restore(low);
        continue;
      }
      switch (op) {
        case 0x00: // nop
          break;
        case 0x01: // set_loc
          location = c.unsigned(cie.addressSize, 'set_loc address');
          if (location > target) return true;
          break;
        case 0x02:
          if (advance(BigInt(c.u8('advance_loc1')))) return true;
          break;
        case 0x03:
          if (advance(BigInt(c.u16('advance_loc2')))) return true;
          break;
        case 0x04:
          if (advance(BigInt(c.u32('advance_loc4')))) return true;
          break;
        case 0x05: {
          const reg = c.ulebNumber('register');
          row.rules.set(reg, { kind: 'offset', offset: c.uleb('offset') * cie.dataAlignment });
          break;
        }
        case 0x06:
          restore(c.ulebNumber('register'));
          break;
        case 0x07:
          row.rules.set(c.ulebNumber('register'), { kind: 'undefined' });
          break;
        case 0x08:
          row.rules.set(c.ulebNumber('register'), { kind: 'same' });
          break;
        case 0x09: {
          const reg = c.ulebNumber('register');
          row.rules.set(reg, { kind: 'register', register: c.ulebNumber('register') });
          break;
        }
        case 0x0a:
          if (stack.length > 64) c.fail('remember_state nests too deeply');
          stack.push({ cfa: row.cfa && { ...row.cfa }, rules: new Map(row.rules) });
          break;
        case 0x0b: {
          const saved = stack.pop();
          if (!saved) return c.fail('restore_state without remember_state');
          row.cfa = saved.cfa;
          row.rules = saved.rules;
          break;
        }
        case 0x0c:
          row.cfa = { register: c.ulebNumber('register'), offset: c.uleb('offset') };
          break;
        case 0x0d:
          row.cfa = { register: c.ulebNumber('register'), offset: row.cfa?.offset ?? 0n };
          break;
        case 0x0e:
          row.cfa = { register: row.cfa?.register ?? DW_REG_RSP, offset: c.uleb('offset') };
          break;
        case 0x0f:
          c.skip(c.ulebNumber('expression length'), 'CFA expression');
          row.cfa = undefined;
          break;
        case 0x10:
        case 0x16: {
          const reg = c.ulebNumber('register');
          c.skip(c.ulebNumber('expression length'), 'register expression');
          row.rules.set(reg, { kind: 'expression' });
          break;
        }
        case 0x11: {
          const reg = c.ulebNumber('register');
          row.rules.set(reg, { kind: 'offset', offset: c.sleb('offset') * cie.dataAlignment });
          break;
        }
        case 0x12:
          row.cfa = { register: c.ulebNumber('register'), offset: c.sleb('offset') * cie.dataAlignment };
          break;
        case 0x13:
          row.cfa = { register: row.cfa?.register ?? DW_REG_RSP, offset: c.sleb('offset') * cie.dataAlignment };
          break;
        case 0x14: {
          const reg = c.ulebNumber('register');
          row.rules.set(reg, { kind: 'val-offset', offset: c.uleb('offset') * cie.dataAlignment });
          break;
        }
        case 0x15: {
          const reg = c.ulebNumber('register');
          row.rules.set(reg, { kind: 'val-offset', offset: c.sleb('offset') * cie.dataAlignment });
          break;
        }
        case 0x2e: // GNU_args_size
          c.uleb('args size');
          break;
        case 0x2f: {
          const reg = c.ulebNumber('register');
          row.rules.set(reg, { kind: 'offset', offset: -c.uleb('offset') * cie.dataAlignment });
          break;
        }
        default:
          c.fail(`unknown CFA opcode 0x${op.toString(16)}`);
      }
    }
    return false;
  };
  const restore = (reg: number) => {
    const rule = initial.get(reg);
    if (rule) row.rules.set(reg, rule);
    else row.rules.delete(reg);
  };
  run(cie.initialInstructions);
  initial = new Map(row.rules);
  try {
    run(fde.instructions);
  } catch (error) {
    if (error instanceof DwarfError) throw new DwarfError(`${error.message} (FDE instructions at 0x${fde.instructionsOffset.toString(16)})`);
    throw error;
  }
  return row;
}

/** The same, or the reason it could not be read. */
export function tryReadFrameTable(bytes: Uint8Array, options: { ehFrame?: boolean; sectionAddress?: bigint } = {}): { ok: true; table: FrameTable } | { ok: false; error: string } {
  try {
    return { ok: true, table: readFrameTable(bytes, options) };
  } catch (error) {
    if (error instanceof DwarfError) return { ok: false, error: error.message };
    throw error;
  }
}
