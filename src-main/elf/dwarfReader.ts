// A bounds-checked little-endian cursor over one DWARF section. Every read checks its bytes, so a
// corrupted section ends in a DwarfError naming the section and offset, never in a crash or an
// endless loop (every read advances).

export class DwarfError extends Error {}

export class DwarfCursor {
  private readonly view: DataView;
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly section: string,
    offset = 0,
    /** Reads past this offset are errors (a unit's end inside the section). */
    public end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    if (end > bytes.length) this.end = bytes.length;
  }

  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  fail(what: string, at = this.offset): never {
    throw new DwarfError(`${this.section} at offset 0x${at.toString(16)}: ${what}`);
  }

  need(size: number, what: string): void {
    if (size < 0 || this.offset + size > this.end) this.fail(`${what} runs past the end (needs ${size} bytes)`);
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  i8(what = 'byte'): number {
    this.need(1, what);
    return this.view.getInt8(this.offset++);
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  unsigned(size: number, what: string): bigint {
    switch (size) {
      case 1:
        return BigInt(this.u8(what));
      case 2:
        return BigInt(this.u16(what));
      case 4:
        return BigInt(this.u32(what));
      case 8:
        return this.u64(what);
      default:
        return this.fail(`${what} has an unsupported size of ${size} bytes`);
    }
  }

  /** An offset-sized value: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF. */
  offsetSized(is64: boolean, what: string): number {
    const v = is64 ? this.u64(what) : BigInt(this.u32(what));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} 0x${v.toString(16)} is too large`);
    return Number(v);
  }

  uleb(what = 'ULEB128'): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8(what);
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
    }
  }

  /** A ULEB128 that must fit a safe JavaScript number (counts, indexes, lengths). */
  ulebNumber(what = 'ULEB128'): number {
    const at = this.offset;
    const v = this.uleb(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} 0x${v.toString(16)} is too large`, at);
    return Number(v);
  }

  sleb(what = 'SLEB128'): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      b = this.u8(what);
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (shift < 64n && b & 0x40) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  /** A NUL-terminated string. */
  cstring(what = 'string'): string {
    const start = this.offset;
    let i = start;
    while (i < this.end && this.bytes[i] !== 0) i++;
    if (i >= this.end) this.fail(`${what} has no terminating NUL`, start);
    this.offset = i + 1;
    return new TextDecoder().decode(this.bytes.subarray(start, i));
  }

  skip(size: number, what: string): void {
    this.need(size, what);
    this.offset += size;
  }

  /**
   * A unit's initial length: returns the unit's end and whether it is 64-bit DWARF. The end is
   * checked against the section (a length that runs past it is an error).
   */
  unitLength(what: string): { end: number; is64: boolean } {
    const at = this.offset;
    let length = this.u32(`${what} length`);
    let is64 = false;
    if (length === 0xffffffff) {
      const long = this.u64(`${what} 64-bit length`);
      if (long > BigInt(this.end)) this.fail(`${what} length 0x${long.toString(16)} runs past the section's end`, at);
      length = Number(long);
      is64 = true;
    } else if (length >= 0xfffffff0) this.fail(`${what} has a reserved length value 0x${length.toString(16)}`, at);
    const end = this.offset + length;
    if (end > this.end) this.fail(`${what} length 0x${length.toString(16)} runs past the section's end`, at);
    return { end, is64 };
  }
}

/** A NUL-terminated string at `offset` in a string section (.debug_str, .debug_line_str). */
export function stringAt(section: Uint8Array | undefined, name: string, offset: number): string {
  if (!section) throw new DwarfError(`${name} is missing but a string refers to it`);
  if (offset < 0 || offset >= section.length) throw new DwarfError(`${name}: string offset 0x${offset.toString(16)} is outside the section`);
  return new DwarfCursor(section, name, offset).cstring(`${name} string`);
}
