// NASM 2.16.01's number-overflow warnings on instruction fields (displacements and sign-extended
// byte immediates). They never change the bytes; only which `... exceeds bounds` lines appear,
// and how often, which NASM's regression tests compare.

const NUMBER_OVERFLOW = '[-w+number-overflow]';

/** Does `n` fit `bytes` bytes either as signed or as unsigned (NASM's "general" check)? */
function overflowsGeneral(n: bigint, bytes: number): boolean {
  if (bytes >= 8) return false;
  const lim = 1n << BigInt(bytes * 8);
  return n < -lim || n >= lim;
}

function overflowsSigned(n: bigint, bytes: number): boolean {
  if (bytes >= 8) return false;
  const lim = 1n << BigInt(bytes * 8 - 1);
  return n < -lim || n >= lim;
}

function dataName(bytes: number): string {
  return bytes === 1 ? 'byte' : bytes === 2 ? 'word' : bytes === 4 ? 'dword' : 'qword';
}

/**
 * Warnings for a constant displacement of `dispBytes` bytes in an address of `asize` bits, in a
 * `bits`-bit mode. NASM checks twice: first that the value fits the address size and keeps its
 * meaning when cut to the field (`[rax+0xffffffff]` as disp8 -1 does not), then, when writing the
 * field, that it fits the field: signed when the field is narrower than both the address and the
 * mode, either way otherwise. So one value can warn twice.
 */
export function displacementWarnings(value: bigint, dispBytes: number, asize: number, bits: number): string[] {
  if (dispBytes === 0) return [];
  const n = BigInt.asIntN(64, value);
  const msg = `${dataName(dispBytes)} data exceeds bounds ${NUMBER_OVERFLOW}`;
  const out: string[] = [];
  if (overflowsGeneral(n, asize / 8) || BigInt.asIntN(asize, n) !== BigInt.asIntN(dispBytes * 8, n)) out.push(msg);
  const signed = asize / 8 > dispBytes && dispBytes < bits / 8;
  if (signed ? overflowsSigned(n, dispBytes) : overflowsGeneral(n, dispBytes)) out.push(msg);
  return out;
}

/**
 * The warning for a sign-extended byte immediate (`6A ib`, `83 /0 ib`, `6B /r ib`): the value must
 * be a byte once wrapped to the operand size `opBits` (64 with REX.W, 16/32 with an operand-size
 * prefix, else the mode). NASM names the size the value would have had without `byte`.
 */
export function signedByteWarning(value: bigint, opBits: number, explicitByte: boolean): string | undefined {
  const uv = BigInt.asUintN(64, value);
  const um = 1n << BigInt(opBits);
  const wraps = uv > 127n && uv < (1n << 64n) - 128n && (uv < um - 128n || uv > um - 1n);
  if (!wraps) return undefined;
  const name = explicitByte ? 'signed byte' : opBits === 16 ? 'word' : opBits === 32 ? 'dword' : 'signed dword';
  return `${name} value exceeds bounds ${NUMBER_OVERFLOW}`;
}

/** A RIP-relative displacement to a label of the same section: NASM checks it as a signed field. */
export function relativeWarning(rel: bigint, bytes: number): string | undefined {
  return overflowsSigned(BigInt.asIntN(64, rel), bytes) ? `${dataName(bytes)} data exceeds bounds ${NUMBER_OVERFLOW}` : undefined;
}

/** A moffs address field (`A0`-`A3`): NASM checks it as data of the address size. */
export function addressWarning(value: bigint, bytes: number): string | undefined {
  return overflowsGeneral(BigInt.asIntN(64, value), bytes) ? `${dataName(bytes)} data exceeds bounds ${NUMBER_OVERFLOW}` : undefined;
}
