// Register file: class, size in bits, encoding number, and REX constraints.

export type RegClass = 'gpr' | 'seg' | 'cr' | 'dr' | 'tr' | 'xmm' | 'ymm' | 'zmm' | 'kreg' | 'st' | 'mmx' | 'tmm' | 'bnd';

export interface Reg {
  name: string;
  cls: RegClass;
  size: number;
  num: number; // 0..15
  rexOnly?: boolean; // spl/bpl/sil/dil and r8..r15: need a REX prefix
  high8?: boolean; // ah/ch/dh/bh: cannot be combined with REX
}

const regs = new Map<string, Reg>();

function add(name: string, cls: RegClass, size: number, num: number, extra: Partial<Reg> = {}): void {
  regs.set(name, { name, cls, size, num, ...extra });
}

['al', 'cl', 'dl', 'bl'].forEach((n, i) => add(n, 'gpr', 8, i));
['ah', 'ch', 'dh', 'bh'].forEach((n, i) => add(n, 'gpr', 8, i + 4, { high8: true }));
['spl', 'bpl', 'sil', 'dil'].forEach((n, i) => add(n, 'gpr', 8, i + 4, { rexOnly: true }));
['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'].forEach((n, i) => add(n, 'gpr', 16, i));
['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].forEach((n, i) => add(n, 'gpr', 32, i));
['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'].forEach((n, i) => add(n, 'gpr', 64, i, { rexOnly: false }));
for (let i = 8; i < 16; i++) {
  add(`r${i}`, 'gpr', 64, i, { rexOnly: true });
  add(`r${i}d`, 'gpr', 32, i, { rexOnly: true });
  add(`r${i}w`, 'gpr', 16, i, { rexOnly: true });
  add(`r${i}b`, 'gpr', 8, i, { rexOnly: true });
  add(`r${i}l`, 'gpr', 8, i, { rexOnly: true });
}
['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((n, i) => add(n, 'seg', 16, i));
// NASM takes every number (cr1, cr5-cr7, dr4, dr5 are reserved, but encodable). cr8-cr15 need
// REX.R, or outside 64-bit mode a LOCK prefix (AMD's alternative); dr8-dr15 only REX.R.
for (let i = 0; i < 16; i++) {
  add(`cr${i}`, 'cr', 32, i);
  add(`dr${i}`, 'dr', 32, i, i >= 8 ? { rexOnly: true } : {});
}
// The 386/486 test registers (`mov tr6, eax`).
for (let i = 0; i < 8; i++) add(`tr${i}`, 'tr', 32, i);
// xmm16-31, ymm16-31 and the zmm registers are AVX-512's (EVEX only); k0-7 its mask registers.
for (let i = 0; i < 32; i++) {
  add(`xmm${i}`, 'xmm', 128, i);
  add(`ymm${i}`, 'ymm', 256, i);
  add(`zmm${i}`, 'zmm', 512, i);
}
for (let i = 0; i < 8; i++) add(`k${i}`, 'kreg', 64, i);
// AMX tile registers (1 KiB each).
for (let i = 0; i < 8; i++) add(`tmm${i}`, 'tmm', 8192, i);
// MPX bound registers (a lower and an upper 64-bit bound each).
for (let i = 0; i < 4; i++) add(`bnd${i}`, 'bnd', 128, i);
for (let i = 0; i < 8; i++) {
  add(`st${i}`, 'st', 80, i);
  add(`mm${i}`, 'mmx', 64, i);
}

export function lookupReg(name: string): Reg | undefined {
  return regs.get(name.toLowerCase());
}

/**
 * 64-bit-only registers (cannot appear in 16/32-bit code; cr8 can, through AMD's LOCK encoding).
 * Of xmm16-31 NASM takes those without bit 3 there (xmm16-23): EVEX's R' and X carry bit 4.
 */
export function isLongOnlyReg(r: Reg): boolean {
  return (r.cls === 'gpr' && (r.size === 64 || r.rexOnly === true)) || (r.cls === 'dr' && r.rexOnly === true) || ((r.cls === 'xmm' || r.cls === 'ymm' || r.cls === 'zmm') && (r.num & 8) !== 0);
}
