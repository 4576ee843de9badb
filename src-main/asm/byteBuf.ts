// Growable byte buffer: section contents, and the encodings of constant lines (lineEncoder.ts).

export class ByteBuf {
  buf = new Uint8Array(256);
  len = 0;
  private grow(need: number): void {
    if (this.len + need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + need) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  /** Makes room for n bytes at the end (their values are the caller's to write); their index. */
  reserve(n: number): number {
    this.grow(n);
    const at = this.len;
    this.len += n;
    return at;
  }
  pushAll(bytes: ArrayLike<number>): void {
    this.grow(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.len++] = bytes[i];
  }
  pushRange(src: Uint8Array, at: number, n: number): void {
    this.grow(n);
    for (let i = 0; i < n; i++) this.buf[this.len++] = src[at + i];
  }
  /** The low n bytes of v (n at most 4), least significant first. */
  pushLE(v: number, n: number): void {
    this.grow(n);
    for (let k = 0; k < n; k++) this.buf[this.len++] = (v >> (8 * k)) & 255;
  }
  zeros(n: number): void {
    this.grow(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
}
