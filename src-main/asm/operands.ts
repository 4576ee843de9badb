// Parsed operand forms. Memory operands are reduced once, at parse time, to base/index/scale
// plus a displacement expression, so passes only evaluate the displacement.

import type { Expr } from './expr.js';
import type { Reg } from './registers.js';

export type Operand = RegOp | ImmOp | MemOp | FarOp;

export interface RegOp {
  k: 'reg';
  reg: Reg;
  col: number;
  to?: boolean; // x87 `fadd to st1`: the result goes to st(i) (the DC/DE forms)
  mask?: number; // AVX-512 opmask register `{k1}`..`{k7}`
  zero?: boolean; // AVX-512 zeroing `{z}`
  bcst?: number; // `{1toN}` written on a register (always refused)
  group?: number; // a register set `zmm1+3`: the number after the plus
}

export interface ImmOp {
  k: 'imm';
  expr: Expr;
  size: number; // 0 = not specified
  strict: boolean;
  jmp?: 'short' | 'near' | 'far';
  /** Two of `short`, `near` and `far` were written (no row takes that: NASM's operand-size mismatch). */
  twoDistances?: true;
  col: number;
}

export interface MemOp {
  k: 'mem';
  size: number; // 0 = not specified
  seg?: Reg;
  base?: Reg;
  index?: Reg;
  scale: number;
  disp?: Expr;
  dispSize: number; // forced displacement/address size keyword inside brackets (0 = auto)
  rel?: boolean; // explicit rel (true) / abs (false) / default (undefined)
  nosplit: boolean;
  far: boolean;
  strict: boolean;
  col: number;
  mask?: number; // AVX-512 opmask register (a masked store)
  zero?: boolean;
  bcst?: number; // AVX-512 embedded broadcast `{1toN}`: N elements from one
}

export interface FarOp {
  k: 'far';
  seg: Expr;
  off: Expr;
  size: number;
  col: number;
  farKw?: boolean; // written with `far`: NASM rejects this for a direct seg:off
}

export const SIZE_KEYWORDS: Record<string, number> = {
  byte: 8,
  word: 16,
  dword: 32,
  qword: 64,
  tword: 80,
  oword: 128,
  yword: 256,
  zword: 512,
};

/** NASM's prefix slots: an instruction has at most one prefix of each. */
const PREFIX_SLOTS: Record<string, string> = {
  a16: 'asize', a32: 'asize', a64: 'asize', asp: 'asize', o16: 'osize', o32: 'osize', o64: 'osize', osp: 'osize', lock: 'lock', wait: 'wait',
  rep: 'rep', repe: 'rep', repz: 'rep', repne: 'rep', repnz: 'rep', xacquire: 'rep', xrelease: 'rep', bnd: 'rep', nobnd: 'rep',
  cs: 'seg', ds: 'seg', es: 'seg', ss: 'seg', fs: 'seg', gs: 'seg', '{rex}': 'rex', '{evex}': 'rex', '{vex}': 'rex', '{vex2}': 'rex', '{vex3}': 'rex',
};
export const prefixSlot = (p: string): string => PREFIX_SLOTS[p] ?? p;
