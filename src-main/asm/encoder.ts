// Encoder: walks the instruction table (table.ts) for one instruction and produces bytes plus
// fix-ups for values that depend on the final section layout. It never re-parses text.

import { evaluate, NotSimpleError, type Expr, type Value } from './expr.js';
import { addressWarning, displacementWarnings, relativeWarning, signedByteWarning } from './overflow.js';
import type { Insn } from './parser.js';
import { prefixSlot, type ImmOp, type MemOp, type Operand, type RegOp } from './operands.js';
import { isLongOnlyReg, type Reg } from './registers.js';
import { EVEX_MNEMONICS, evexRows, RAW_ROWS, SIZE_FLAGGED_MEMORY, UNSIGNED_IMM8_MNEMONICS } from './table.js';

// ---------- compiled table ----------

type PatT =
  | 'reg' | 'rm' | 'mem' | 'fixed' | 'sreg' | 'creg' | 'dreg' | 'treg' | 'xmm' | 'xmmrm' | 'ymm' | 'ymmrm' | 'zmm' | 'zmmrm' | 'kreg' | 'fpu' | 'fputo' | 'mmx' | 'mmxrm'
  | 'imm' | 'sb' | 'sd' | 'ud' | 'one' | 'far' | 'mfar' | 'mo' | 'rmreg' | 'vsib' | 'tmm' | 'bnd' | 'msib';

interface Pat {
  t: PatT;
  size: number;
  fixed?: string;
  vvvv?: boolean; // a register in VEX.vvvv
  opt?: boolean; // may be left out: then the first operand is used (NASM's `vaddps xmm1, xmm2`)
  is4?: boolean; // a register in bits 7:4 of the trailing immediate
  bcst?: number; // AVX-512: memory may be a broadcast `{1toN}` of elements of this many bits
  er?: boolean; // AVX-512: `{rn-sae}`..`{rz-sae}` (and `{sae}`) may follow this operand
  sae?: boolean; // AVX-512: `{sae}` may follow this operand
  vsib?: 'xmm' | 'ymm' | 'zmm'; // VSIB memory: the index register's class (size: element bits)
  rs4?: boolean; // a register set of four (`zmm1+3`), or its first register alone
}

/** VEX/XOP/EVEX prefix fields of a row (Intel's VEX.L.pp.mmmmm.W). */
interface Vex {
  l: 0 | 1 | 2; // 2: 512 bits (EVEX)
  pp: number; // 0: none, 1: 66, 2: F3, 3: F2
  mm: number; // 1: 0F, 2: 0F38, 3: 0F3A; AMD XOP maps 8, 9, 10
  w: 0 | 1;
  xop?: boolean; // AMD's XOP prefix (8F): the layout of the 3-byte VEX
  evex?: boolean; // AVX-512's EVEX prefix (62)
}

interface Row {
  mn: string;
  pats: Pat[];
  osize: 0 | 16 | 32 | 64 | -64; // -64: o64nw
  asize: 0 | 16 | 32 | 64;
  mand: number[]; // mandatory prefixes
  opcode: number[];
  suffix: number[];
  plusR: boolean;
  modrm: 'none' | 'r' | 'rr' | number;
  imms: ('ib' | 'iw' | 'id' | 'iq')[];
  rel: '' | 'rb' | 'rw' | 'rd';
  far: boolean; // ow sel
  mo: boolean;
  flags: Set<string>;
  long: boolean;
  nolong: boolean;
  level: number; // minimum `cpu` level (see cpuLevel in parser.ts)
  regIdx: number;
  rmIdx: number;
  plusIdx: number;
  immIdx: number[];
  relIdx: number;
  vex?: Vex;
  vIdx: number; // operand in VEX.vvvv (-1: none)
  disp8?: number; // EVEX disp8*N from the row's `nN` flag (one-element tuple types)
  is4Idx: number;
}

function compilePat(p: string): Pat {
  // AVX-512 operand attributes after a slash: `zmm/m512/b32/er`, `vxmm*/er`, `zmm/sae`.
  const attr = /^(.+)\/(b16|b32|b64|er|sae|rs4)$/.exec(p);
  if (attr) {
    const base = compilePat(attr[1]);
    if (attr[2] === 'er' || attr[2] === 'sae' || attr[2] === 'rs4') return { ...base, [attr[2]]: true };
    return { ...base, bcst: +attr[2].slice(1) };
  }
  // VSIB memory: `vm32x` is dword elements with an xmm index.
  const vm = /^vm(32|64)([xyz])$/.exec(p);
  if (vm) return { t: 'vsib', size: +vm[1], vsib: `${vm[2]}mm` as Pat['vsib'] };
  if (p.endsWith('*')) return { ...compilePat(p.slice(0, -1)), opt: true };
  if (/^v(xmm|ymm|zmm|kreg|tmm|r32|r64)$/.test(p)) return { ...compilePat(p.slice(1)), vvvv: true };
  if (p.startsWith('is4')) return { ...compilePat(p.slice(3)), is4: true };
  const fixedRegs = ['al', 'ax', 'eax', 'rax', 'cl', 'cx', 'ecx', 'rcx', 'dx', 'edx', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', 'st0', 'xmm0'];
  if (fixedRegs.includes(p)) return { t: 'fixed', size: 0, fixed: p };
  let m: RegExpExecArray | null;
  if ((m = /^~r(\d+)$/.exec(p))) return { t: 'rmreg', size: +m[1] };
  if ((m = /^r(\d+)$/.exec(p))) return { t: 'reg', size: +m[1] };
  if ((m = /^rm(\d+)$/.exec(p))) return { t: 'rm', size: +m[1] };
  if ((m = /^m(\d+)$/.exec(p))) return { t: 'mem', size: +m[1] };
  if (p === 'm') return { t: 'mem', size: 0 };
  if ((m = /^imm(\d*)$/.exec(p))) return { t: 'imm', size: m[1] ? +m[1] : 0 };
  if ((m = /^sb(\d+)$/.exec(p))) return { t: 'sb', size: +m[1] };
  if (p === 'sd64') return { t: 'sd', size: 64 };
  if (p === 'ud64') return { t: 'ud', size: 64 };
  if (p === 'one') return { t: 'one', size: 0 };
  if ((m = /^far(\d+)$/.exec(p))) return { t: 'far', size: +m[1] };
  if (p === 'mfar') return { t: 'mfar', size: 0 };
  if (p === 'mo') return { t: 'mo', size: 0 };
  if (p === 'msib') return { t: 'msib', size: 0 };
  if ((m = /^xmm\/m(\d+)$/.exec(p))) return { t: 'xmmrm', size: +m[1] };
  if ((m = /^ymm\/m(\d+)$/.exec(p))) return { t: 'ymmrm', size: +m[1] };
  if ((m = /^zmm\/m(\d+)$/.exec(p))) return { t: 'zmmrm', size: +m[1] };
  if ((m = /^mmx\/m(\d+)$/.exec(p))) return { t: 'mmxrm', size: +m[1] };
  if (p === 'to fpu') return { t: 'fputo', size: 0 };
  if (p === 'xmm' || p === 'ymm' || p === 'zmm' || p === 'kreg' || p === 'tmm' || p === 'bnd' || p === 'sreg' || p === 'creg' || p === 'dreg' || p === 'treg' || p === 'fpu' || p === 'mmx') return { t: p, size: 0 };
  throw new Error(`bad operand pattern ${p}`);
}

/** One table row, plus its short form when an operand may be left out (`vaddps xmm1, xmm2`). */
function compileRows(r: [string, string, string, string?]): Row[] {
  const pats = r[1] ? r[1].split(',').map(compilePat) : [];
  const rows = [compileRow(r, pats)];
  const opt = pats.findIndex((p) => p.opt);
  if (opt >= 0) {
    // The first operand stands in for the one left out: in VEX.vvvv, or in ModRM.rm (EVEX shifts by an immediate).
    const short = compileRow(r, pats.filter((_, i) => i !== opt));
    if (pats[opt].vvvv) short.vIdx = 0;
    else short.rmIdx = 0;
    rows.push(short);
  }
  return rows;
}

const VEX_PP: Record<string, number> = { '66': 1, F3: 2, F2: 3 };
const VEX_MAP: Record<string, number> = { '0F': 1, '0F38': 2, '0F3A': 3 };

function compileRow(r: [string, string, string, string?], pats: Pat[]): Row {
  const [mn, , enc, fl] = r;
  const row: Row = {
    mn, pats, osize: 0, asize: 0, mand: [], opcode: [], suffix: [], plusR: false, modrm: 'none', imms: [], rel: '', far: false, mo: false,
    flags: new Set((fl ?? '').split(/\s+/).filter(Boolean)), long: false, nolong: false, level: 0, regIdx: -1, rmIdx: -1, plusIdx: -1, immIdx: [], relIdx: -1,
    vIdx: pats.findIndex((p) => p.vvvv), is4Idx: pats.findIndex((p) => p.is4),
  };
  for (const tok of enc.split(/\s+/)) {
    const vex = /^(VEX|XOP|EVEX)\.(128|256|512|LIG|LZ)(?:\.(66|F2|F3))?\.(0F|0F38|0F3A|08|09|0A)\.(W0|W1|WIG)$/.exec(tok);
    if (vex) {
      const xop = vex[1] === 'XOP';
      const l = vex[2] === '512' ? 2 : vex[2] === '256' ? 1 : 0;
      row.vex = { l, pp: VEX_PP[vex[3]] ?? 0, mm: xop ? parseInt(vex[4], 16) : VEX_MAP[vex[4]], w: vex[5] === 'W1' ? 1 : 0, xop, evex: vex[1] === 'EVEX' };
    }
    else if (tok === 'is4') continue; // the register operand marked is4 supplies the byte
    else if (tok === 'o16') row.osize = 16;
    else if (tok === 'o32') row.osize = 32;
    else if (tok === 'o64') row.osize = 64;
    else if (tok === 'o64nw') row.osize = -64;
    else if (tok === 'a16') row.asize = 16;
    else if (tok === 'a32') row.asize = 32;
    else if (tok === 'a64') row.asize = 64;
    else if (/^[0-9A-F]{2}\+r$/.test(tok)) {
      row.opcode.push(parseInt(tok.slice(0, 2), 16));
      row.plusR = true;
    } else if (/^[0-9A-F]{2}$/.test(tok) && row.modrm !== 'none') {
      row.suffix.push(parseInt(tok, 16)); // an opcode byte after ModRM (SSE compare predicates)
    } else if (/^[0-9A-F]{2}$/.test(tok)) {
      const b = parseInt(tok, 16);
      // A leading 66/F2/F3 of a longer opcode is a mandatory prefix: REX goes after it (`o64 pause` is F3 48 90).
      if (!row.vex && row.opcode.length === 0 && (((b === 0x66 || b === 0xf2 || b === 0xf3) && (enc.includes('0F') || enc === 'F3 90')) || (b === 0x9b && enc.split(/\s+/).length > 1))) row.mand.push(b);
      else row.opcode.push(b);
    } else if (tok === '/r') row.modrm = 'r';
    else if (tok === '/rr') row.modrm = 'rr';
    else if (/^\/[0-7]$/.test(tok)) row.modrm = +tok[1];
    else if (tok === 'ib' || tok === 'iw' || tok === 'id' || tok === 'iq') row.imms.push(tok);
    else if (tok === 'rb' || tok === 'rw' || tok === 'rd') row.rel = tok;
    else if (tok === 'ow') row.far = true;
    else if (tok === 'sel') row.far = true;
    else if (tok === 'mo') row.mo = true;
    else throw new Error(`bad encoding token ${tok} in ${mn}`);
  }
  for (const f of row.flags) if (/^n\d+$/.test(f)) row.disp8 = +f.slice(1);
  row.long = row.flags.has('long') || row.osize === 64 || row.asize === 64;
  row.nolong = row.flags.has('nolong');
  // Which operand feeds which field.
  const isRegField = (p: Pat): boolean =>
    !p.vvvv && !p.is4 && (p.t === 'reg' || p.t === 'sreg' || p.t === 'creg' || p.t === 'dreg' || p.t === 'treg' || p.t === 'xmm' || p.t === 'ymm' || p.t === 'zmm' || p.t === 'kreg' || p.t === 'tmm' || p.t === 'bnd' || p.t === 'mmx');
  const isRmField = (p: Pat): boolean =>
    p.t === 'rm' || p.t === 'mem' || p.t === 'xmmrm' || p.t === 'ymmrm' || p.t === 'zmmrm' || p.t === 'mmxrm' || p.t === 'rmreg' || p.t === 'mfar' || p.t === 'mo' || p.t === 'vsib' || p.t === 'msib';
  pats.forEach((p, i) => {
    if (isRmField(p) && row.rmIdx < 0) row.rmIdx = i;
    if (p.t === 'imm' || p.t === 'sb' || p.t === 'sd' || p.t === 'ud') {
      if (row.rel) row.relIdx = i;
      else row.immIdx.push(i);
    }
    if (p.t === 'far') row.relIdx = i;
  });
  pats.forEach((p, i) => {
    if (isRegField(p) && row.regIdx < 0 && (row.modrm === 'r' || row.modrm === 'rr')) row.regIdx = i;
  });
  if (row.modrm === 'r' && row.rmIdx < 0) {
    // Two register patterns: the one not used for reg goes to rm.
    row.rmIdx = pats.findIndex((p, i) => i !== row.regIdx && (isRegField(p) || p.t === 'rmreg'));
  }
  if (typeof row.modrm === 'number' && row.rmIdx < 0) row.rmIdx = pats.findIndex((p) => isRegField(p) || p.t === 'rm');
  if (row.plusR) row.plusIdx = pats.findIndex((p) => p.t === 'reg' || p.t === 'fpu' || p.t === 'fputo');
  row.level = rowLevel(row);
  return row;
}

// CPU level per mnemonic where the generic rules below do not decide it.
const LEVELS: Record<string, number> = {
  pusha: 1, popa: 1, pushaw: 1, popaw: 1, enter: 1, leave: 1, bound: 1, insb: 1, insw: 1, outsb: 1, outsw: 1,
  arpl: 2, clts: 2, lar: 2, lsl: 2, lgdt: 2, lidt: 2, sgdt: 2, sidt: 2, lldt: 2, sldt: 2, ltr: 2, str: 2, lmsw: 2, smsw: 2, verr: 2, verw: 2,
  ffreep: 2,
  fcos: 3, fsin: 3, fsincos: 3, fprem1: 3, fucom: 3, fucomp: 3, fucompp: 3, int1: 3, icebp: 3,
  bswap: 4, xadd: 4, invlpg: 4, invd: 4, wbinvd: 4,
  cpuid: 5, rdtsc: 5, rdmsr: 5, wrmsr: 5, cmpxchg: 5, cmpxchg8b: 5, rsm: 5, emms: 5,
  rdpmc: 6, sysenter: 6, sysexit: 6, fcomi: 6, fcomip: 6, fucomi: 6, fucomip: 6, fxsave: 6, fxrstor: 6, nop: 0,
  cvtdq2pd: 8, cvtdq2ps: 8, cvtps2pd: 8, cvtss2sd: 8, cvttps2dq: 8, cvtpd2ps: 8, cvtsd2ss: 8, cvtps2dq: 8, cvtpd2dq: 8, cvttpd2dq: 8,
  sfence: 7, ldmxcsr: 7, stmxcsr: 7, prefetchnta: 7, prefetcht0: 7, prefetcht1: 7, prefetcht2: 7,
  lfence: 8, mfence: 8, clflush: 8, pause: 8, movnti: 8, fisttp: 9, monitor: 9, mwait: 9,
  haddps: 9, hsubps: 9, haddpd: 9, hsubpd: 9, addsubps: 9, addsubpd: 9, movddup: 9, movshdup: 9, movsldup: 9, lddqu: 9,
  swapgs: 10, rdtscp: 10, cmpxchg16b: 10, fxsave64: 10, fxrstor64: 10,
  xgetbv: 11, xsetbv: 11, xsave: 11, xrstor: 11, popcnt: 11, movbe: 11, tzcnt: 13, rdrand: 13,
  rdseed: 13, invpcid: 13, rdfsbase: 12, rdgsbase: 12, wrfsbase: 12, wrgsbase: 12, xsaveopt: 13, clflushopt: 13, clwb: 13,
  xstore: 5, xcryptecb: 5, xcryptcbc: 5, xcryptctr: 5, xcryptcfb: 5, xcryptofb: 5, montmul: 5, xsha1: 5, xsha256: 5, skinit: 10,
  invlpga: 10, prefetchwt1: 14, clzero: 14, umonitor: 14, movdir64b: 14, rdpid: 14, // NASM: x64, and no `cpu` level at all
  // Refused at `cpu sandybridge`, admitted at `cpu ivybridge` (which NASM 2.16.01 makes its top level).
  xsaveopt64: 14, xsavec: 14, xsaves: 14, xrstors: 14, xsavec64: 14, xsaves64: 14, xrstors64: 14, xabort: 14, xbegin: 14,
  bb0_reset: 5, bb1_reset: 5, cpu_read: 5, cpu_write: 5, dmint: 6, rdm: 6, loadall: 3, loadall286: 2, smi: 3, smint: 6, smintold: 4,
  rdshr: 6, wrshr: 6, rsdc: 4, svdc: 4, rsldt: 4, svldt: 4, rsts: 4, svts: 4, ibts: 3, xbts: 3, cmpxchg486: 4, umov: 3, jmpe: 14,
  prefetch: 5, prefetchw: 5, getsec: 7, // AMD's (3DNow!): NASM's `cpu pentium`
  ud2a: 1, int01: 3, int03: 0, femms: 5,
  clac: 14, stac: 14, endbr64: 14, endbr32: 14, xtest: 14, xend: 14, serialize: 14, wbnoinvd: 14, rdpkru: 14, wrpkru: 14,
  encls: 14, enclu: 14, enclv: 14, pconfig: 14, xsusldtrk: 14, xresldtrk: 14, uiret: 14, clui: 14, stui: 14, testui: 14,
  fsetpm: 2, fcmovb: 6, fcmove: 6, fcmovbe: 6, fcmovu: 6, fcmovnb: 6, fcmovne: 6, fcmovnbe: 6, fcmovnu: 6,
  // AES-NI and CLMUL are Westmere additions (ranked with Sandy Bridge here: `cpu westmere` is `cpu nehalem` in parser.ts).
  aesenc: 12, aesenclast: 12, aesdec: 12, aesdeclast: 12, aesimc: 12, aeskeygenassist: 12,
  pclmulqdq: 12, pclmullqlqdq: 12, pclmulhqlqdq: 12, pclmullqhqdq: 12, pclmulhqhqdq: 12,
  // NASM 2.16.01 accepts SHA only without a `cpu` limit (or `cpu default`/`any`).
  sha1rnds4: 14, sha1nexte: 14, sha1msg1: 14, sha1msg2: 14, sha256rnds2: 14, sha256msg1: 14, sha256msg2: 14,
};

// Levels NASM assigns regardless of operand size (observed with the `cpu` directive).
const MMX_KATMAI = new Set([
  'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pavgb', 'pavgw', 'psadbw', 'pmulhuw', 'pshufw', 'pextrw', 'pinsrw', 'pmovmskb', 'movntq', 'maskmovq',
  'cvtpi2ps', 'cvtps2pi', 'cvttps2pi',
]);
const MMX_SSE2 = new Set(['paddq', 'psubq', 'pmuludq', 'cvtpi2pd', 'cvtpd2pi', 'cvttpd2pi', 'movq2dq', 'movdq2q']);

const EXACT_LEVELS: Record<string, number> = {
  crc32: 0, pause: 0, retd: 0, retfd: 0, retnd: 0, ud0: 1, ud1: 1, ud2: 1, ud2b: 1, lzcnt: 6, syscall: 6, sysret: 6,
};

function rowLevel(row: Row): number {
  if (row.flags.has('anycpu')) return 0;
  // NASM: no `cpu` level below `default` (AVX-512 and its opmask instructions included).
  if (row.flags.has('future') || row.vex?.evex || row.pats.some((p) => p.t === 'kreg')) return 14;
  // AVX: Sandy Bridge; AVX2, FMA, BMI: Haswell. NASM gives AMD's LWP the 386 level of its 32-bit
  // registers and TBM no level below `cpu default`.
  if (row.vex?.xop) return /lwp/.test(row.mn) ? 3 : 14;
  if (row.vex) return row.flags.has('avx2') ? 13 : 12;
  const exact = EXACT_LEVELS[row.mn];
  if (exact !== undefined) return exact;
  if ((row.mn === 'nop' && row.pats.length) || row.mn.startsWith('hint_nop')) return 6;
  if ((row.mn === 'fnstsw' || row.mn === 'fstsw') && row.pats[0]?.t === 'fixed') return 2; // the `ax` form
  let level = 0;
  const byName = LEVELS[row.mn];
  if (byName !== undefined) level = byName;
  else if (/^cmov/.test(row.mn)) level = 6;
  // MMX on mm registers: Pentium MMX; the SSE additions to it (pavgb mm, ...) a Katmai, paddq mm an SSE2 part.
  else if (row.pats.some((p) => p.t === 'mmx' || p.t === 'mmxrm')) level = MMX_SSE2.has(row.mn) ? 8 : MMX_KATMAI.has(row.mn) ? 7 : 5;
  else if (row.pats.some((p) => p.t === 'xmm' || p.t === 'xmmrm')) level = row.mand.some((b) => b === 0x66 || b === 0xf2) || /^(movq|movd|p)/.test(row.mn) ? 8 : 7;
  else if (row.opcode[0] === 0x0f && row.opcode.length > 1) level = row.opcode[1] === 0x00 || row.opcode[1] === 0x01 ? 2 : 3;
  // 186 additions: immediate push, shifts by an immediate, three-operand imul.
  if ((row.opcode[0] === 0x6a || row.opcode[0] === 0x68) && row.mn === 'push') level = Math.max(level, 1);
  if ((row.opcode[0] === 0xc0 || row.opcode[0] === 0xc1) && row.imms.length) level = Math.max(level, 1);
  if ((row.opcode[0] === 0x69 || row.opcode[0] === 0x6b) && row.mn === 'imul') level = Math.max(level, 1);
  // 32-bit operands or registers need a 386; 64-bit ones an x86-64.
  if (row.osize === 32 || row.asize === 32 || row.pats.some((p) => p.size === 32 && (p.t === 'reg' || p.t === 'rm' || p.t === 'rmreg' || p.t === 'imm' || p.t === 'sb')) || row.pats.some((p) => p.fixed === 'eax' || p.fixed === 'ecx' || p.fixed === 'fs' || p.fixed === 'gs' || p.t === 'creg' || p.t === 'dreg' || p.t === 'treg')) level = Math.max(level, 3);
  if (row.long || row.osize === -64) level = Math.max(level, 10);
  return level;
}

// The table's rows grouped by mnemonic, compiled on a mnemonic's first use: a one-line file
// compiles a handful of rows instead of all of them (start-up of `bootlab asm`).
const RAW_BY_MNEMONIC = new Map<string, (typeof RAW_ROWS)[number][]>();
for (const r of RAW_ROWS) {
  const list = RAW_BY_MNEMONIC.get(r[0]);
  if (list) list.push(r);
  else RAW_BY_MNEMONIC.set(r[0], [r]);
}
const COMPILED = new Map<string, Row[]>();
// The EVEX rows come after all others; they are generated when a mnemonic that has some is first used.
const EVEX_NAMES = new Set(EVEX_MNEMONICS.split(/\s+/).filter(Boolean));
let evexLoaded = false;

function loadEvexRows(): void {
  evexLoaded = true;
  for (const r of evexRows()) {
    const list = RAW_BY_MNEMONIC.get(r[0]);
    if (list) list.push(r);
    else RAW_BY_MNEMONIC.set(r[0], [r]);
  }
}

function rowsOf(mn: string): Row[] | undefined {
  let rows = COMPILED.get(mn);
  if (!rows) {
    if (!evexLoaded && EVEX_NAMES.has(mn)) loadEvexRows();
    const raw = RAW_BY_MNEMONIC.get(mn);
    if (!raw) return undefined;
    rows = raw.flatMap(compileRows);
    COMPILED.set(mn, rows);
  }
  return rows;
}

export const MNEMONICS: Set<string> = new Set([...RAW_BY_MNEMONIC.keys(), ...EVEX_NAMES]);
/** Branches that only have a short form (loop, jcxz): their size never changes. */
export function isShortOnly(mn: string): boolean {
  return rowsOf(mn)?.every((r) => r.flags.has('shortonly')) ?? false;
}
/** Mnemonics whose size can depend on a jump distance. */
export function hasShortForm(mn: string): boolean {
  return rowsOf(mn)?.some((r) => r.flags.has('short') || r.flags.has('shortonly')) ?? false;
}
/** Every mnemonic's rows, compiled (tests walk the whole table). */
export function tableRows(): ReadonlyMap<string, readonly Row[]> {
  if (!evexLoaded) loadEvexRows();
  for (const mn of RAW_BY_MNEMONIC.keys()) rowsOf(mn);
  return COMPILED;
}
export type { Row };

// ---------- encoding ----------

export interface EncodeEnv {
  bits: 16 | 32 | 64;
  seg: number; // current section index
  off: number; // section-relative offset of the instruction
  eval(e: Expr): Value;
  o0: boolean;
  /** -O1: immediates are shrunk, but jumps stay near unless written `short`. */
  o1?: boolean;
  defaultRel: boolean;
  final: boolean;
  cpu?: number; // `cpu` level in effect (undefined: any)
  /** Address size forced by an `a16`/`a32` prefix (also written inside the brackets), when not the mode's. */
  addrOverride?: 16 | 32;
  /** When given, filled with the operand-value fields written as they are (see NumberField). */
  fields?: NumberField[];
}

/**
 * A displacement or immediate written unchanged from operand `op`'s value (no scaling, no fix-up):
 * lineShape.ts re-uses an encoding for other values of that operand by rewriting these bytes.
 */
export interface NumberField {
  at: number;
  size: number;
  op: number;
  value: bigint;
}

/** A field whose final value adds section base addresses known only after layout. */
export interface Fix {
  at: number;
  size: number;
  plus: number; // section index whose vstart is added (-1 none)
  minus: number; // section index whose vstart is subtracted (-1 none)
  raw?: bigint; // unrelocated target of a relative field (shown in listings)
}

export interface Encoded {
  bytes: number[];
  fixes: Fix[];
  warnings: string[];
  /** Jump-range check deferred to the final pass: [byte index, displacement] */
  shortCheck?: number;
  /** Bytes depend on the instruction's own address (relative branch or RIP-relative operand). */
  pcrel?: boolean;
  /**
   * How many pieces NASM writes the instruction in (each prefix, the VEX/REX prefix, the opcode,
   * ModRM with SIB, the displacement, each immediate...): in [ABSOLUTE] space each is an error.
   */
  pieces: number;
}

export class EncodeError extends Error {
  /** NASM reports this one already in pass 1 (effective-address errors), where it stops assembly. */
  early = false;
  /** Warnings NASM prints after this error (from the same operand). */
  warningsAfter?: string[];
}

function eaError(msg: string): EncodeError {
  const e = new EncodeError(msg);
  e.early = true;
  return e;
}

interface OpVal {
  v?: Value; // immediate / far offset value
  segv?: Value; // far segment value
  disp?: Value; // memory displacement value
}

/**
 * `lea reg, number`: NASM's `reg,imm` forms of LEA encode the number as an absolute address, as
 * `lea reg, [number]` but with any size keyword on it ignored; its RIP-relative warning comes twice.
 */
function encodeLeaImm(insn: Insn, env: EncodeEnv): Encoded {
  const imm = insn.ops[1] as ImmOp;
  const mem: MemOp = { k: 'mem', size: 0, scale: 1, disp: imm.expr, dispSize: 0, nosplit: false, far: false, strict: false, col: imm.col };
  const enc = encode({ ...insn, ops: [insn.ops[0], mem, ...insn.ops.slice(2)] }, env);
  const rip = enc.warnings.indexOf('absolute address can not be RIP-relative [-w+ea-absolute]');
  if (rip < 0) return enc;
  return { ...enc, warnings: [...enc.warnings.slice(0, rip + 1), ...enc.warnings.slice(rip)] };
}

/** NASM's overflow warnings for a constant displacement (see overflow.ts). */
function warnDisp(d: Value, size: number, asize: number, bits: number, warnings: string[]): void {
  if (size === 0 || d.unk || d.seg >= 0 || d.minus !== undefined) return;
  warnings.push(...displacementWarnings(d.n, size, asize, bits));
}

/**
 * `[byte 5]`, or `[word x]` in a 32-bit address: NASM warns once while sizing the instruction and
 * once while writing it (after its prefixes' warnings, so that copy goes to `late`).
 */
function warnAbsoluteDispSize(m: MemOp, asize: number, warnings: string[], late: string[]): void {
  const sized = m.dispSize === 8 || (m.dispSize > 8 && m.dispSize !== (asize !== 16 ? 32 : 16));
  if (!sized) return;
  warnings.push('displacement size ignored on absolute address [-w+ea-dispsize]');
  late.push('displacement size ignored on absolute address [-w+ea-dispsize]');
}

/** `[word x]` in 64-bit mode, `[qword x]` outside it: the error, then the warning NASM gives for the same size. */
function absoluteSizeError(): EncodeError {
  const e = eaError('impossible combination of address sizes');
  e.warningsAfter = ['displacement size ignored on absolute address [-w+ea-dispsize]'];
  return e;
}

function fitsS8(n: bigint): boolean {
  return n >= -128n && n <= 127n;
}

function immFlags(v: Value, size: number, kind: 'sb' | 'sd' | 'ud'): boolean {
  if (v.unk) return true; // optimistic in early passes
  if (v.seg >= 0 || v.minus !== undefined || v.basesDropped) return false; // relocatable: never shrunk
  const n = v.n;
  if (kind === 'sb') {
    if (size === 16) return fitsS8(BigInt.asIntN(16, n));
    if (size === 32) return fitsS8(BigInt.asIntN(32, n));
    // 64-bit operations take a 32-bit immediate: NASM tests its 32-bit truncation, whatever the
    // value (0xFFFFFFFF is -1, 0x100000001 is 1, with a warning).
    return fitsS8(BigInt.asIntN(32, n));
  }
  if (kind === 'sd') return n >= -0x80000000n && n <= 0x7fffffffn;
  return n >= 0n && n <= 0xffffffffn;
}

function regOf(op: Operand): Reg | undefined {
  return op.k === 'reg' ? op.reg : undefined;
}

type MatchRes = 'ok' | 'fail' | { miss: number };

function matchOp(p: Pat, op: Operand, val: OpVal, row: Row, env: EncodeEnv, forcedMemSize: number, firstOp?: Operand): MatchRes {
  const r = regOf(op);
  // `to st1` only fits the x87 rows written for it; opmasks and zeroing only EVEX rows, on the destination.
  if ((op.k === 'reg' && op.to === true) !== (p.t === 'fputo')) return 'fail';
  if ((op.k === 'reg' || op.k === 'mem') && (op.mask !== undefined || op.zero === true) && (!row.vex?.evex || op !== firstOp || row.flags.has('nomask'))) return 'fail';
  // `zmm1+3` only where a register set of four is taken (`zmm10+0` is zmm10).
  if (op.k === 'reg' && op.group && !(p.rs4 && op.group === 3)) return 'fail';
  // No zeroing into an opmask register or with a gather (`noz`).
  if (op === firstOp && op.k === 'reg' && op.zero && (p.t === 'kreg' || row.flags.has('noz'))) return 'fail';
  if (op.k === 'mem') {
    if (op.zero && !row.flags.has('memz')) return 'fail';
    // A vector index only in VSIB operands; a broadcast only where the row allows one, of N
    // elements of the row's element size filling the vector (`dword [rax]{1to16}` for zmm).
    if ((op.index !== undefined && op.index.cls !== 'gpr') !== (p.t === 'vsib')) return 'fail';
    if (op.bcst !== undefined) {
      if (!p.bcst || op.bcst * p.bcst !== p.size || (op.size !== 0 && op.size !== p.bcst) || op.far) return 'fail';
      return 'ok';
    }
  }
  switch (p.t) {
    case 'reg':
      return r && r.cls === 'gpr' && r.size === p.size ? 'ok' : 'fail';
    case 'rmreg':
      return r && r.cls === 'gpr' && r.size === p.size ? 'ok' : 'fail';
    case 'fixed':
      return r && r.name === p.fixed ? 'ok' : 'fail';
    case 'sreg':
      return r && r.cls === 'seg' ? 'ok' : 'fail';
    case 'creg':
      return r && r.cls === 'cr' ? 'ok' : 'fail';
    case 'dreg':
      return r && r.cls === 'dr' ? 'ok' : 'fail';
    case 'treg':
      return r && r.cls === 'tr' ? 'ok' : 'fail';
    case 'xmm':
    case 'ymm':
    case 'zmm':
      // xmm16-31 and ymm16-31 exist only with EVEX (and NASM refuses them in `lowregs` rows).
      return r && r.cls === p.t && (r.num < 16 || (row.vex?.evex === true && !row.flags.has('lowregs'))) ? 'ok' : 'fail';
    case 'mmx':
      return r && r.cls === 'mmx' ? 'ok' : 'fail';
    case 'kreg':
    case 'tmm':
    case 'bnd':
      return r && r.cls === p.t ? 'ok' : 'fail';
    case 'msib':
      return op.k === 'mem' && !op.far && op.size === 0 ? 'ok' : 'fail';
    case 'fpu':
    case 'fputo':
      return r && r.cls === 'st' ? 'ok' : 'fail';
    case 'rm':
      if (r) return r.cls === 'gpr' && r.size === p.size ? 'ok' : 'fail';
      return memSize(op, p.size, forcedMemSize);
    case 'mem':
      if (op.k !== 'mem' || op.far) return 'fail';
      if (p.size === 0) {
        // An address of no particular size takes no size keyword (NASM: mismatch in operand sizes), but for `lea`.
        if (op.size !== 0 && !ANY_SIZE_MEMORY.test(row.mn)) return 'fail';
        return row.flags.has('unsized') && forcedMemSize !== 0 ? 'fail' : 'ok';
      }
      return memSize(op, p.size, forcedMemSize);
    case 'xmmrm':
    case 'ymmrm':
    case 'zmmrm':
    case 'mmxrm':
      if (r) return r.cls === p.t.slice(0, 3) && (r.num < 16 || row.vex?.evex === true) ? 'ok' : 'fail';
      if (op.k !== 'mem' || op.far) return 'fail';
      return op.size === 0 || op.size === p.size ? 'ok' : 'fail';
    case 'mfar':
      return op.k === 'mem' && op.far ? 'ok' : 'fail';
    case 'vsib':
      // The size keyword names the element (`qword [rax+ymm1]` for vgatherdpd), not the index.
      return op.k === 'mem' && op.index?.cls === p.vsib && (op.size === 0 || op.size === 32 || op.size === 64) ? 'ok' : 'fail';
    case 'mo': {
      if (op.k !== 'mem' || op.far || op.base || op.index) return 'fail';
      if (env.bits === 64) {
        // moffs needs a 64-bit `qword` address or an `a32` one (`67 A0 disp32`), never RIP-relative.
        const a32 = env.addrOverride === 32 && (op.dispSize === 0 || op.dispSize === 32);
        const fsgs = op.seg !== undefined && (op.seg.name === 'fs' || op.seg.name === 'gs');
        if (!((op.dispSize === 64 && !env.addrOverride) || a32) || op.rel === true || (op.rel === undefined && env.defaultRel && !fsgs)) return 'fail';
      } else if (op.dispSize === 64) return 'fail';
      // `[byte x]` is a ModRM operand with the size ignored (NASM: 8B 06 disp16, not A1).
      if (op.dispSize === 8) return 'fail';
      return 'ok';
    }
    case 'imm':
    case 'sb':
    case 'sd':
    case 'ud': {
      if (op.k !== 'imm') return 'fail';
      // `near`/`short` only on branch rows (`push near 5` matches nothing).
      if (op.jmp !== undefined && !row.rel) return 'fail';
      // NASM's rows for SSE4a's bit-field immediates take no size keyword at all.
      if (op.size !== 0 && row.flags.has('unsizedimm')) return 'fail';
      if (op.size !== 0 && op.size !== (unsizedImmediateKeyword(row) ?? op.size)) return 'fail';
      // `add sp, byte -0x10`: an explicit byte immediate takes the sign-extended imm8 form at any -O level.
      if (p.t === 'sb' && p.size !== 8 && op.size === 8 && row.mn !== 'push') return 'ok';
      let osz = op.size;
      if (osz === 0 && row.flags.has('dflt')) osz = env.bits;
      const keywordSize = row.flags.has('sximm') ? 64 : p.size;
      if (keywordSize !== 0 && osz !== 0 && osz !== keywordSize) return 'fail';
      if (p.size === 0 && row.flags.has('pushbyte')) return 'fail';
      if (row.flags.has('pushbyte') || (p.t === 'imm' && p.size === 8 && row.mn === 'push')) return op.size === 8 ? 'ok' : 'fail';
      if (p.t === 'imm') return 'ok';
      if (op.strict || env.o0) return 'fail';
      // -O1 keeps sign-extended imm8 forms but not the mov-r64 dword forms.
      if (env.o1 && p.t !== 'sb') return 'fail';
      return immFlags(val.v!, p.size, p.t) ? 'ok' : 'fail';
    }
    case 'one':
      return op.k === 'imm' && !val.v!.unk && val.v!.seg < 0 && val.v!.minus === undefined && val.v!.n === 1n && (op.size === 0 || op.size === 8) ? 'ok' : 'fail';
    case 'far': {
      if (op.k !== 'far') return 'fail';
      let osz = op.size;
      if (osz === 0) osz = env.bits === 64 ? 32 : env.bits;
      return osz === p.size ? 'ok' : 'fail';
    }
  }
}

function memSize(op: Operand, size: number, forced: number): MatchRes {
  if (op.k !== 'mem' || op.far) return 'fail';
  const s = op.size || forced;
  if (s === size) return 'ok';
  if (s === 0) return { miss: size };
  return 'fail';
}

/** Unsized memory borrows its size from a register/sized immediate of the same size (NASM's SM rows). */
function anchored(row: Row, ops: Operand[], size: number): boolean {
  if (row.flags.has('unsizedok')) return true;
  if (row.flags.has('nosm')) return false;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const p = row.pats[i];
    if (op.k === 'reg' && (p.t === 'reg' || p.t === 'fixed' || p.t === 'rm') && op.reg.cls === 'gpr' && op.reg.size === size) return true;
    if (op.k === 'reg' && p.t === 'sreg' && size === 16) return true;
    if (op.k === 'reg' && (p.t === 'xmm' || p.t === 'ymm' || p.t === 'zmm')) return true;
    if (op.k === 'imm' && op.size === size) return true;
    if (op.k === 'imm' && op.size === 8 && size === 8) return true;
  }
  return false;
}

export function encode(insn: Insn, env: EncodeEnv): Encoded {
  if (insn.mn === 'lea' && insn.ops[1]?.k === 'imm') return encodeLeaImm(insn, env);
  const rows = rowsOf(insn.mn);
  if (!insn.mn) return prefixOnly(insn, env.bits);
  if (!rows) throw new EncodeError('parser: instruction expected');
  const ops = insn.ops;
  // Most instructions have no prefixes: every prefix search below is skipped for them.
  const prefixed = insn.prefixes.length > 0;
  const aPrefix = prefixed ? insn.prefixes.find((p) => p === 'a16' || p === 'a32' || p === 'asp') : undefined;
  // `asp` is the other address size of the mode (32 in 16- and 64-bit code, 16 in 32-bit code).
  const otherSize = aPrefix === 'asp' ? (env.bits === 32 ? 16 : 32) : aPrefix === 'a16' ? 16 : 32;
  if (aPrefix && aPrefix !== `a${env.bits}` && !env.addrOverride) env = { ...env, addrOverride: otherSize };
  // NASM checks effective addresses first (and already in pass 1); the second message only
  // comes when an instruction form matched (`mov eax, [rdi]` in 32-bit mode, not `inc qword [rdi]`).
  const prefixAsize = addressPrefixError(insn, ops, env.bits);
  if (prefixAsize) throw eaError(prefixAsize);
  const badEA = hasBadAddressSizes(ops, env.bits);
  const eaFailure = (matched: boolean): EncodeError =>
    eaError(matched ? `impossible combination of address sizes\ninvalid ${env.bits}-bit effective address` : 'impossible combination of address sizes');
  const vals: OpVal[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if ((op.k === 'far' && op.farKw) || (op.k === 'imm' && op.twoDistances)) throw new EncodeError('mismatch in operand sizes');
    // Only JMP and CALL take a `seg:off` immediate or `far` on one (NASM checks this before the mode).
    if (op.k === 'far' && insn.mn !== 'jmp' && insn.mn !== 'call') throw new EncodeError('invalid segment override');
    if (op.k === 'imm' && op.jmp === 'far' && insn.mn !== 'jmp' && insn.mn !== 'call') throw new EncodeError('invalid use of FAR operand specifier');
    if (op.k === 'imm' && op.jmp === 'far' && env.bits === 64) throw new EncodeError('instruction not supported in 64-bit mode');
  }
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op.k === 'imm') {
      vals[i] = { v: operandValue(env, op.expr, false) };
      // `jmp far x` needs x's segment: a label's is a relocation bin cannot write, a number has none.
      if (op.jmp === 'far') {
        const v = vals[i].v!;
        throw new EncodeError(v.unk || v.seg >= 0 || v.minus !== undefined ? 'binary output format does not support segment base references' : 'value referenced by FAR is not relocatable');
      }
    }
    else if (op.k === 'far') vals[i] = { v: env.eval(op.off), segv: env.eval(op.seg) };
    else if (op.k === 'mem') vals[i] = { disp: op.disp ? operandValue(env, op.disp, true) : undefined };
    else vals[i] = NO_VAL;
  }
  if (badEA && env.bits !== 64 && ops.some((op) => op.k === 'reg' && op.reg.cls === 'gpr' && op.reg.size === 64)) throw eaFailure(false);
  if (!badEA && env.bits !== 64 && ops.some((op) => op.k === 'reg' && isLongOnlyReg(op.reg))) {
    // Any row using these registers is 64-bit only. NASM names the mode (or the operands) only where
    // a row would take these operands in 64-bit mode (`push rax`); elsewhere (`lldt rax`, `add eax,
    // rbx`) no row matches at all.
    const env64: EncodeEnv = { ...env, bits: 64 };
    let any = rows.some((row) => row.pats.length === ops.length && row.pats.every((p, i) => matchOp(p, ops[i], vals[i], row, env64, 0, ops[0]) === 'ok'));
    // ... or would but for an immediate's size keyword (`add rax, dword 5`): NASM's size mismatch first.
    if (!any && immediateSizeRefused(rows, ops, vals, env64)) throw new EncodeError('mismatch in operand sizes');
    const wide = ops.some((op) => op.k === 'reg' && op.reg.cls === 'gpr' && op.reg.size === 64);
    // Rows NASM takes in every mode despite a 64-bit register (`vpmovmskb rdx, ymm3`).
    const extended = ops.some((op) => op.k === 'reg' && (op.reg.num & 8) !== 0);
    const anyMode = (row: Row): boolean => !extended && row.flags.has('anymode') && row.pats.length === ops.length && row.pats.every((p, i) => matchOp(p, ops[i], vals[i], row, env, 0, ops[0]) === 'ok');
    if (rows.some(anyMode)) any = false;
    // NASM names the mode for 64-bit registers (a final-pass error) and the operands for the other
    // REX-only ones (r8d, sil, xmm8), already in pass 1.
    if (any) throw wide ? new EncodeError(`instruction not supported in ${env.bits}-bit mode`) : eaError('invalid operands in non-64-bit mode');
  }

  if (ops.some((op) => op.k === 'reg' && op.bcst !== undefined)) throw new EncodeError('broadcast not permitted on this operand');
  // Register sets: four registers where a row takes a set, none elsewhere (NASM reports these in pass 1).
  ops.forEach((op, i) => {
    if (op.k !== 'reg' || !op.group) return;
    const set = rows.some((r) => r.pats[i]?.rs4);
    if (set ? op.group !== 3 : op.group !== 1 && op.group !== 3) throw eaError('invalid register set size');
    if (!set) throw eaError('register set not valid for operand');
  });
  // AVX-512 decorators: a mask only on an EVEX instruction's destination, zeroing only into a register.
  const decorated = (op: Operand): boolean => (op.k === 'reg' || op.k === 'mem') && (op.mask !== undefined || op.zero === true);
  if (ops.some((op, i) => decorated(op) && (i > 0 || !rows.some((r) => r.vex?.evex && !r.flags.has('nomask'))))) throw new EncodeError('mask not permitted on this operand');
  // `{rex}`, `{vex}`, `{vex2}`, `{vex3}`, `{evex}`: only rows of that encoding (NASM's encoding choice).
  const encoding = prefixed ? insn.prefixes.find((p) => p.startsWith('{')) : undefined;
  let wrongEncoding = false;
  let badMode = false;
  let badCpu = false;
  let badDecorator = false;
  let sizeAmbiguous = false;
  let needsVexPrefix = false;
  let jumpKeywordMiss = false;
  // Rows that fit but for a decorator: NASM's most specific complaint wins (see decoratorReason).
  const withDecorators = ops.some((op) => (op.k === 'reg' || op.k === 'mem') && (op.mask !== undefined || op.zero === true || op.bcst !== undefined));
  let decoratorMiss = 0;
  const missSizes = new MissSizes();
  const candidates = candidateRows(rows, ops);
  const tryRows = (forced: number): Row | undefined => {
    for (const row of candidates) {
      if (jumpKeywordsRefused(row, ops)) {
        jumpKeywordMiss = true;
        continue;
      }
      let ok = true;
      let miss = 0;
      for (let i = 0; i < ops.length; i++) {
        const m = matchOp(row.pats[i], ops[i], vals[i], row, env, forced, ops[0]);
        if (m === 'fail') {
          ok = false;
          break;
        }
        if (m !== 'ok') miss = m.miss;
      }
      if (!ok) {
        if (withDecorators) decoratorMiss = Math.max(decoratorMiss, decoratorReason(row, ops, (bare) => row.pats.every((p, i) => matchOp(p, bare[i], vals[i], row, env, forced, bare[0]) !== 'fail')));
        continue;
      }
      // `{rn-sae}`..`{rz-sae}` and `{sae}` only after the operand the row allows them on.
      if (insn.er !== undefined) {
        const p = row.pats[insn.erOp ?? -1];
        // Rounding and {sae} are for register operands only.
        if (!p || !(insn.er === 'sae' ? p.sae : p.er) || ops.some((o) => o.k === 'mem')) {
          badDecorator = true;
          continue;
        }
      }
      // NASM refuses an unsized memory operand where the vector length is not implied (`vcvtpd2ps xmm29, [rax]`).
      if (row.flags.has('memsized') && ops.some((o) => o.k === 'mem' && o.size === 0 && o.bcst === undefined)) {
        sizeAmbiguous = true;
        continue;
      }
      // `sizedonly` rows need an explicit size (NASM: `movd mm0, [rax]` stays the 32-bit load).
      if (miss && row.flags.has('sizedonly')) continue;
      if (miss && !anchored(row, ops, miss)) {
        if (!wrongMode(row, env.bits)) missSizes.add(miss);
        continue;
      }
      if (wrongMode(row, env.bits)) {
        badMode = true;
        continue;
      }
      // Rows NASM takes only when a `{vex}` prefix asks for them (AVX-IFMA's VEX forms); below their
      // cpu level NASM calls them not encodable with it.
      const unsizedMem = row.flags.has('sizedmem') && ops.some((o) => o.k === 'mem' && o.size === 0);
      // Without an EVEX form to fall back on (AVX-VNNI-INT8, AVX-NE-CONVERT), `{vex}` rows fail as
      // others do: on a missing size or the cpu level.
      if (encoding === '{vex}' && row.flags.has('vexprefix') && !rows.some((r) => r.vex?.evex)) {
        if (unsizedMem) {
          missSizes.add(128);
          continue;
        }
        if (env.cpu !== undefined && row.level > env.cpu) {
          badCpu = true;
          continue;
        }
      }
      if (row.flags.has('vexprefix') && (encoding !== '{vex}' || unsizedMem || (env.cpu !== undefined && row.level > env.cpu))) {
        if (encoding) wrongEncoding = true;
        else needsVexPrefix = true;
        continue;
      }
      if (env.cpu !== undefined && row.level > env.cpu) {
        badCpu = true;
        continue;
      }
      if (row.flags.has('pre386') && (env.cpu === undefined || env.cpu >= 3)) continue;
      if (row.flags.has('noeaxeax') && env.bits === 64 && ops.every((o) => o.k === 'reg' && o.reg.name === 'eax')) continue;
      if (!jumpOk(row, ops, vals, env)) continue;
      if (encoding && !encodingFits(encoding, row)) {
        wrongEncoding = true;
        continue;
      }
      // An HLE store needs a ModRM operand: `xrelease mov [x], eax` is 89 /r, not the moffs form.
      if (row.mo && insn.prefixes.some((p) => p === 'xacquire' || p === 'xrelease')) continue;
      return row;
    }
    return undefined;
  };
  let row = tryRows(0);
  if (!row && missSizes.size === 1 && !badMode) {
    const [s] = [...missSizes];
    missSizes.clear();
    row = tryRows(s);
    if (row && !badEA) return emit(row, insn, vals, env, s);
  }
  if (badEA) throw eaFailure(row !== undefined);
  if (!row && wrongEncoding) throw new EncodeError(`instruction not encodable with ${encoding} prefix`);
  if (!row && needsVexPrefix && (badCpu || !rows.some((r) => r.vex?.evex))) throw new EncodeError('instruction not encodable without explicit prefix');
  if (!row) vsibErrors(candidates, ops, env.bits);
  if (!row) {
    // A distance or size keyword no jump form takes comes first in NASM (its operand flags never match).
    if (jumpKeywordMiss && !badMode && !badCpu) throw new EncodeError('mismatch in operand sizes');
    if (badCpu && missSizes.size === 0) throw new EncodeError('no instruction for this cpu level');
    if (badMode) {
      throw new EncodeError(`instruction not supported in ${env.bits}-bit mode`);
    }
    // NASM takes `{z}` on a store's memory operand (and encodes it); elsewhere a zeroed memory operand is refused.
    if (decoratorMiss) throw new EncodeError(DECORATOR_ERRORS[decoratorMiss]);
    if (badDecorator || (ops[0]?.k === 'mem' && ops[0].zero)) throw new EncodeError('unsupported mode decorator for instruction');
    if (sizeKeywordConflicts(candidates, ops, vals, env) || immediateSizeRefused(candidates, ops, vals, env) || farMemoryRefused(candidates, ops, vals, env)) throw new EncodeError('mismatch in operand sizes');
    if (unusableSizeWithImmediate(insn.mn, ops)) throw new EncodeError('operation size not specified');
    if (missSizes.size > 0 || sizeAmbiguous) throw new EncodeError('operation size not specified');
    if (badCpu) throw new EncodeError('no instruction for this cpu level');
    throw new EncodeError('invalid combination of opcode and operands');
  }
  return emit(row, insn, vals, env, 0);
}

/**
 * An operand's value, with NASM's messages for section bases it cannot relocate: in an address,
 * an impossible multiplier or several bases; in an immediate, an invalid operand type, except one
 * base taken several times (`a*2`), which NASM drops, keeping the offsets.
 */
function operandValue(env: EncodeEnv, e: Expr, address: boolean): Value {
  try {
    return env.eval(e);
  } catch (x) {
    if (!(x instanceof NotSimpleError)) throw x;
    if (address) throw new EncodeError(`invalid effective address: ${x.reason === 'twoBases' ? 'multiple base segments' : 'impossible segment base multiplier'}`);
    if (x.reason !== 'multiplier') throw new EncodeError('invalid operand type');
    return { n: x.n, seg: -1, unk: false, basesDropped: true };
  }
}

/** A 64-bit-only row outside 64-bit mode, or a legacy-only row inside it. */
function wrongMode(row: Row, bits: number): boolean {
  return (row.long && bits !== 64) || (row.nolong && bits === 64);
}

/** Near branches and returns: the ones MPX's `bnd` prefix applies to. */
const BND_BRANCHES = /^(?:call|jmp|ret[nwdq]?|j(?!mp|cxz|ecxz|rcxz)[a-z]+)$/;

/** table.ts's SIZE_FLAGGED_MEMORY (plain data there, for the build-time table). */
const SIZE_FLAGGED = new Set(SIZE_FLAGGED_MEMORY);
const UNSIGNED_IMM8 = new Set(UNSIGNED_IMM8_MNEMONICS);

/** Unsized memory operands that take any size keyword (NASM's ANYSIZE rows). */
const ANY_SIZE_MEMORY = /^lea$/;
/** Integer instructions NASM writes as size-matched `mem,regN` rows (its SM flag): memory takes the register's size. */
const SIZE_MATCHED = /^(?:mov|add|adc|sub|sbb|and|or|xor|cmp|test|xchg|imul|shld|shrd|xadd|cmpxchg|cmov[a-z]+|btc?|btr|bts|bs[fr]|lar|lsl|movnti)$/;

/**
 * NASM's "mismatch in operand sizes": a size keyword on memory or an immediate is all that keeps a
 * row from matching, and that row has the operand's size from elsewhere: it takes an address of no
 * particular size, or a general or segment register of that size (NASM's size-matched rows, `mov
 * al, word [bx]`). Rows whose memory has a size of its own (`fld word [bx]`) stay "invalid
 * combination"; rows flagged `smem` are NASM's size-flagged ones among those (`movzx ax, word [bx]`).
 */
function sizeKeywordConflicts(candidates: Row[], ops: Operand[], vals: OpVal[], env: EncodeEnv): boolean {
  const sized = ops.map((o) => (o.k === 'mem' || o.k === 'imm') && o.size !== 0);
  if (!sized.includes(true)) return false;
  const bare = ops.map((o, i) => (sized[i] ? { ...o, size: 0 } : o)) as Operand[];
  // The size an operand gives the others: a general or segment register's, or memory or an immediate written with a size (`mov byte [bx], word 5`).
  const given = ops.map((o) => (o.k === 'reg' && o.reg.cls === 'gpr' ? o.reg.size : o.k === 'reg' && o.reg.cls === 'seg' ? 16 : o.k === 'mem' || o.k === 'imm' ? o.size : 0));
  // Only the classic integer rows take their memory's size from a sibling (NASM's SM); newer ones (popcnt, movbe, BMI, VMX) name a sized r/m, and a fixed `cl` names nothing.
  const fromOthers = (row: Row, i: number, size: number): boolean =>
    SIZE_MATCHED.test(row.mn) && given.some((g, j) => j !== i && g !== 0 && row.pats[j].t !== 'fixed' && (size === 0 || g === size));
  const flagSized = (row: Row, p: Pat): boolean => row.flags.has('smem') || (SIZE_FLAGGED.has(row.mn) && (p.t === 'mem' || p.t === 'rm' || p.t === 'mmxrm' || p.t === 'xmmrm'));
  const available = (row: Row): boolean => (env.cpu === undefined || row.level <= env.cpu) && !wrongMode(row, env.bits);
  return candidates.some(
    (row) =>
      available(row) &&
      row.pats.every((p, i) => matchOp(p, bare[i], vals[i], row, env, 0, bare[0]) !== 'fail') &&
      row.pats.every((p, i) => !sized[i] || (ops[i] as { size: number }).size === p.size || flagSized(row, p) || (p.t === 'mem' && p.size === 0) || fromOthers(row, i, p.size)),
  );
}

/**
 * Rows whose NASM template takes an immediate of no size (`imm` where others say `imm8`), with the
 * one size keyword such an immediate may carry (its SB/SW flag; 0: none). Any other keyword is
 * NASM's size mismatch there (immediateSizeRefused); on a sized template it is no match at all.
 */
const UNSIZED_IMMEDIATE_KEYWORD: Record<string, number> = {
  int: 8, in: 8, out: 8, aam: 8, aad: 8, hreset: 8, xabort: 8, pextrw: 8, pinsrw: 8, pshufd: 8, pshufhw: 8, pshuflw: 8, pslldq: 8, psrldq: 8,
  ret: 16, retn: 16, retw: 16, retd: 16, retq: 16, retf: 16, retfw: 16, retfd: 16, retfq: 16, retnw: 16, retnd: 16, retnq: 16,
  // (Also those whose immediate takes its size from the other operands, NASM's SM2: none either.)
  enter: 0, palignr: 0, pshufw: 0, shld: 0, shrd: 0,
};
/** MMX and SSE2 shifts by an immediate: none on the MMX form, a byte on the SSE2 one. */
const PACKED_SHIFT = /^ps(?:ll|rl|ra)[wdq]$/;

function unsizedImmediateKeyword(row: Row): number | undefined {
  const k = UNSIZED_IMMEDIATE_KEYWORD[row.mn];
  if (k !== undefined) return k;
  if (PACKED_SHIFT.test(row.mn) && row.pats[1]?.t === 'imm') return row.pats[0].t === 'mmx' ? 0 : 8;
  return undefined;
}

/** Whether NASM's template for the row's immediate has no size of its own (the keyword rules above, sximm, unsizedimm). */
function hasUnsizedImmediate(row: Row): boolean {
  return unsizedImmediateKeyword(row) !== undefined || row.flags.has('sximm') || row.flags.has('unsizedimm');
}

/**
 * `far` on memory where no row takes a far pointer (`lgdt far [bx]`): NASM treats the keyword like
 * a size, so a row whose memory operand has no size of its own (NASM's `mem`: size 0 or unsizedok)
 * and takes the bare operand makes it a size mismatch (on sized rows, `push far [bx]`, no match).
 */
function farMemoryRefused(candidates: Row[], ops: Operand[], vals: OpVal[], env: EncodeEnv): boolean {
  const farAt = ops.findIndex((o) => o.k === 'mem' && o.far);
  if (farAt < 0) return false;
  const bare = ops.map((o, i) => (i === farAt ? { ...o, far: false } : o)) as Operand[];
  return candidates.some(
    (row) =>
      row.pats.length === ops.length &&
      (row.flags.has('unsizedok') || row.pats[farAt].size === 0) &&
      row.pats.every((p, i) => matchOp(p, bare[i], vals[i], row, env, 0, bare[0]) !== 'fail'),
  );
}

/**
 * An immediate written with a size its row's NASM template (of no size) does not take, where the
 * bare value fits (`int word 3`, `ret qword 4`, `enter word 4, 0`): NASM's size mismatch, which it
 * reports before the mode (`aam word 10` in 64-bit mode).
 */
function immediateSizeRefused(candidates: Row[], ops: Operand[], vals: OpVal[], env: EncodeEnv): boolean {
  const keyworded = (o: Operand): boolean => o.k === 'imm' && (o.size !== 0 || o.jmp !== undefined);
  if (!ops.some(keyworded)) return false;
  const bare = ops.map((o) => (keyworded(o) ? { ...o, size: 0, jmp: undefined } : o)) as Operand[];
  return candidates.some(
    (row) =>
      hasUnsizedImmediate(row) &&
      (env.cpu === undefined || row.level <= env.cpu) &&
      row.pats.length === ops.length &&
      row.pats.every((p, i) => matchOp(p, bare[i], vals[i], row, env, 0, bare[0]) === 'ok'),
  );
}

/** Integer instructions with NASM's `mem,imm` rows where neither operand has a size of its own. */
const UNSIZED_MEM_IMM = /^(?:mov|add|adc|sub|sbb|and|or|xor|cmp|test)$/;

/**
 * `mov tword [bx], 7`: memory of a size no integer row has, with an immediate of no size. NASM's
 * unsized `mem,imm` rows then find no size at all: "operation size not specified".
 */
function unusableSizeWithImmediate(mn: string, ops: Operand[]): boolean {
  const [m, i] = ops;
  return ops.length === 2 && UNSIZED_MEM_IMM.test(mn) && m.k === 'mem' && m.size > 64 && i.k === 'imm' && i.size === 0;
}

/** The distinct operand sizes rows wanted of unsized memory: a list, since it rarely holds more than one. */
class MissSizes {
  private list: number[] | undefined;
  get size(): number {
    return this.list?.length ?? 0;
  }
  add(n: number): void {
    if (!this.list) this.list = [n];
    else if (!this.list.includes(n)) this.list.push(n);
  }
  clear(): void {
    this.list = undefined;
  }
  [Symbol.iterator](): Iterator<number> {
    return (this.list ?? []).values();
  }
}

/** Register operands have no value to evaluate: one shared empty record (read only). */
const NO_VAL: OpVal = Object.freeze({}) as OpVal;

/** An effective address mixing register sizes, or of a size the mode cannot use (NASM checks these first). */
function hasBadAddressSizes(ops: Operand[], bits: number): boolean {
  for (const op of ops) {
    if (op.k !== 'mem') continue;
    const index = op.index?.cls === 'gpr' ? op.index : undefined;
    const rs = op.base?.size ?? index?.size ?? 0;
    if ((rs === 64 && bits !== 64) || (rs === 16 && bits === 64) || (op.base !== undefined && index !== undefined && op.base.size !== index.size)) return true;
  }
  return false;
}

/**
 * An address-size prefix no address of the instruction can have, or two addresses of different sizes
 * (NASM's add_asp): `a16` in 64-bit mode, `a64` outside it, `a16 mov eax, [eax]`, `bt [esi], [bx]`. Then the effective address is judged at the mode's
 * own size, and a prefix that mode cannot write is named (`a16 nop` in 64-bit mode).
 */
function addressPrefixError(insn: Insn, ops: Operand[], bits: number): string | undefined {
  const prefix = insn.prefixes.find((p) => p === 'a16' || p === 'a32' || p === 'a64' || p === 'asp');
  // Without a prefix only two memory operands can disagree (one alone is hasBadAddressSizes's).
  if (prefix === undefined && ops.filter((o) => o.k === 'mem').length < 2) return undefined;
  let valid = bits === 64 ? 64 | 32 : 32 | 16;
  if (prefix === 'asp') valid &= bits === 32 ? 16 : 32;
  else if (prefix !== undefined) valid &= Number(prefix.slice(1));
  let registersFit = true;
  for (const op of ops) {
    if (op.k !== 'mem') continue;
    const index = op.index?.cls === 'gpr' ? op.index : undefined;
    const regs = [op.base, index].filter((r): r is Reg => r !== undefined);
    if (regs.length === 0) {
      if ((bits !== 64 && op.dispSize > 8) || (bits === 64 && op.dispSize === 16)) valid &= op.dispSize;
    }
    for (const r of regs) {
      valid &= r.size;
      // (32-bit addressing takes 16-bit registers too, NASM's recovery reads them at their own size.)
      if (r.size !== bits && !(bits === 32 && r.size === 16)) registersFit = false;
    }
  }
  if (valid & bits || valid & (bits === 32 ? 16 : 32)) return undefined;
  if (prefix === undefined) return 'impossible combination of address sizes';
  const then = !registersFit
    ? `invalid ${bits}-bit effective address`
    : prefix === 'a16' && bits === 64
      ? '16-bit addressing is not supported in 64-bit mode'
      : prefix === 'a64' && bits !== 64
        ? '64-bit addressing is only supported in 64-bit mode'
        : undefined;
  return then ? `impossible combination of address sizes\n${then}` : 'impossible combination of address sizes';
}

function vsibErrors(candidates: Row[], ops: Operand[], bits: number): void {
  ops.forEach((op, i) => {
    if (op.k === 'mem' && op.index !== undefined && op.index.cls !== 'gpr' && !candidates.some((r) => r.pats[i].t === 'vsib')) throw eaError(`invalid ${bits}-bit effective address`);
  });
}

// Why a row that fits without its decorators refuses them, in NASM's order of preference (the
// highest over all rows is reported): broadcast not here < broadcast count < mask < decorator.
const BR_NOT_HERE = 1;
const BR_NUM = 2;
const MASK_NOT_HERE = 3;
const DECO_NOT_HERE = 4;
const DECORATOR_ERRORS = ['', 'broadcast not permitted on this operand', 'mismatch in the number of broadcasting elements', 'mask not permitted on this operand', 'unsupported mode decorator for instruction'];

function decoratorReason(row: Row, ops: Operand[], fitsBare: (bare: Operand[]) => boolean): number {
  // NASM matches a VEX row's register operands by type only (xmm17 fits one), so its decorator complaint comes first.
  const low = (r: Reg): Reg => (!row.vex?.evex && r.num >= 16 ? { ...r, num: r.num & 15 } : r);
  const bare = ops.map((op): Operand => (op.k === 'reg' ? { ...op, reg: low(op.reg), mask: undefined, zero: undefined, bcst: undefined } : op.k === 'mem' ? { ...op, mask: undefined, zero: undefined, bcst: undefined } : op));
  if (row.pats.length !== ops.length || !fitsBare(bare)) return 0;
  let reason = 0;
  const first = ops[0];
  if (first && (first.k === 'reg' || first.k === 'mem') && (first.mask !== undefined || first.zero)) {
    if (!row.vex?.evex || row.flags.has('nomask')) reason = MASK_NOT_HERE;
    else if (first.zero && (row.pats[0].t === 'kreg' || row.flags.has('noz') || (first.k === 'mem' && !row.flags.has('memz')))) reason = DECO_NOT_HERE;
  }
  ops.forEach((op, i) => {
    if (op.k !== 'mem' || op.bcst === undefined) return;
    const p = row.pats[i];
    reason = Math.max(reason, !p.bcst ? BR_NOT_HERE : op.bcst * p.bcst !== p.size ? BR_NUM : 0);
  });
  return reason;
}

// Rows that can possibly match the given operand kinds (register, memory, immediate, far), in
// table order, per mnemonic. Values, register classes and sizes are checked per instruction.
const CANDIDATES = new Map<Row[], Map<number, Row[]>>();
const KIND_CODE: Record<Operand['k'], number> = { reg: 1, mem: 2, imm: 3, far: 4 };

function couldMatch(p: Pat, op: Operand): boolean {
  switch (p.t) {
    case 'reg':
    case 'rmreg':
    case 'fixed':
    case 'sreg':
    case 'creg':
    case 'dreg':
    case 'treg':
    case 'xmm':
    case 'ymm':
    case 'zmm':
    case 'kreg':
    case 'tmm':
    case 'bnd':
    case 'mmx':
    case 'fpu':
    case 'fputo':
      return op.k === 'reg';
    case 'rm':
    case 'xmmrm':
    case 'ymmrm':
    case 'zmmrm':
    case 'mmxrm':
      return op.k === 'reg' || op.k === 'mem';
    case 'mem':
    case 'mfar':
    case 'mo':
    case 'vsib':
    case 'msib':
      return op.k === 'mem';
    case 'far':
      return op.k === 'far';
    default:
      return op.k === 'imm';
  }
}

function candidateRows(rows: Row[], ops: Operand[]): Row[] {
  let key = 0;
  for (let i = 0; i < ops.length; i++) key = key * 5 + KIND_CODE[ops[i].k];
  let byKinds = CANDIDATES.get(rows);
  if (!byKinds) CANDIDATES.set(rows, (byKinds = new Map()));
  let list = byKinds.get(key);
  if (!list) {
    list = rows.filter((r) => r.pats.length === ops.length && r.pats.every((p, i) => couldMatch(p, ops[i])));
    byKinds.set(key, list);
  }
  return list;
}

/** Jcc (not JMP, JMPE or the CX-conditional forms, which are short-only rows). */
const CONDITIONAL_JUMP = /^j(?!mp)/;

/**
 * Distance and size keywords a relative-jump row cannot take, whatever the distance: `short` with a
 * size (`jmp word short x`), any of them on LOOP/JCXZ (which NASM writes without), `near` or a size
 * on the short form. NASM calls these a mismatch in operand sizes.
 */
function jumpKeywordsRefused(row: Row, ops: Operand[]): boolean {
  if (!row.rel) return false;
  const op = ops[row.relIdx];
  if (op?.k !== 'imm') return false;
  if (row.flags.has('nodistance')) return op.jmp !== undefined;
  // The 8086 form of a far conditional jump (Jcc over a JMP) only for a bare target.
  if (row.flags.has('pre386')) return op.jmp !== undefined || op.size !== 0 || op.strict;
  if (row.flags.has('shortonly')) return op.jmp !== undefined || op.size !== 0;
  if (row.flags.has('short')) return op.jmp === 'near' || op.jmp === 'far' || (op.jmp === 'short' && op.size !== 0);
  // Near forms: never `short` or a byte; a conditional jump takes a size only after `near`.
  return op.jmp === 'short' || op.size === 8 || (op.size !== 0 && op.jmp !== 'near' && CONDITIONAL_JUMP.test(row.mn));
}

/** Decides whether a short-jump row applies, mirroring NASM's jmp_match. */
function jumpOk(row: Row, ops: Operand[], vals: OpVal[], env: EncodeEnv): boolean {
  // Keywords a row cannot take were refused before (jumpKeywordsRefused): here only the distance.
  if (row.flags.has('pre386')) return ops[0].k === 'imm';
  if (!row.flags.has('short')) return true;
  const op = ops[0];
  if (op.k !== 'imm') return false;
  if (op.jmp === 'short') return true;
  if (op.size !== 0 || op.strict) return false;
  if (env.o0 && row.mn === 'jmp') return false;
  if (env.o1) return false;
  const v = vals[0].v!;
  if (v.unk) return true;
  if (v.seg !== env.seg) return false;
  const len = shortLen(row, env);
  const d = v.n - BigInt(env.off + len);
  return fitsS8(d);
}

function shortLen(row: Row, env: EncodeEnv): number {
  let n = row.opcode.length + 1;
  if (row.asize && row.asize !== env.bits) n++;
  return n;
}

function encodingFits(encoding: string, row: Row): boolean {
  if (encoding === '{rex}') return !row.vex;
  if (encoding === '{evex}') return row.vex?.evex === true;
  return row.vex !== undefined && !row.vex.evex && !row.vex.xop;
}

/** TSX's HLE prefixes: on a locked instruction or xchg with memory; xrelease also on a plain store (mov). */
function hleValid(p: string, row: Row, insn: Insn): boolean {
  const mem = insn.ops[0]?.k === 'mem';
  if ((insn.prefixes.includes('lock') && LOCKABLE.has(row.mn) && mem) || (row.mn === 'xchg' && insn.ops.some((o) => o.k === 'mem'))) return true;
  return p === 'xrelease' && row.mn === 'mov' && mem && [0x88, 0x89, 0xc6, 0xc7].includes(row.opcode[0]);
}

const LOCKABLE = new Set(['add', 'adc', 'and', 'btc', 'btr', 'bts', 'cmpxchg', 'cmpxchg8b', 'cmpxchg16b', 'dec', 'inc', 'neg', 'not', 'or', 'sbb', 'sub', 'xor', 'xadd', 'xchg']);

/** cs/ds/es/ss overrides do nothing in 64-bit mode: NASM emits them with a warning (twice, from both final-pass encodings). */
function warnIgnoredSegment(prefix: number, bits: number, warnings: string[]): void {
  const name = bits === 64 ? IGNORED_SEGMENTS[prefix] : undefined;
  if (name) for (let i = 0; i < 2; i++) warnings.push(`${name} segment base generated, but will be ignored in 64-bit mode [-w+prefix-seg]`);
}
const IGNORED_SEGMENTS: Record<number, string> = { 0x2e: 'cs', 0x3e: 'ds', 0x26: 'es', 0x36: 'ss' };

/**
 * A line of prefixes alone: NASM writes them in its slot order (wait, rep, lock, segment, operand
 * size, address size), each operand- or address-size prefix only where it changes the mode's size.
 */
function prefixOnly(insn: Insn, bits: number): Encoded {
  const asize = addressPrefixError(insn, [], bits);
  if (asize) throw eaError(asize);
  if (bits !== 64 && insn.prefixes.includes('o64')) throw eaError('invalid operands in non-64-bit mode');
  const bnd = insn.prefixes.find((p) => p === 'bnd' || p === 'nobnd');
  if (bnd) throw new EncodeError(`${bnd} prefix is not allowed`);
  const warnings = insn.prefixes.includes('lock') ? ['instruction is not lockable [-w+prefix-lock]'] : [];
  for (const p of insn.prefixes) if (p === 'xacquire' || p === 'xrelease') warnings.push(`${p} invalid with this instruction [-w+prefix-hle]`);
  const bytes: number[] = [];
  for (const slot of PREFIX_SLOT_ORDER) {
    for (const p of insn.prefixes) {
      if (prefixSlot(p) !== slot) continue;
      if (p in SEG_PREFIX) warnIgnoredSegment(SEG_PREFIX[p], bits, warnings);
      const changesMode = (p !== 'o16' || bits !== 16) && (p !== 'o32' || bits === 16) && (p !== 'a16' || bits !== 16) && (p !== 'a32' || bits !== 32);
      const b = PREFIX_BYTES[p];
      if (b !== undefined && changesMode) bytes.push(b);
    }
  }
  return { bytes, fixes: [], warnings, pieces: bytes.length };
}

const PREFIX_SLOT_ORDER = ['wait', 'rep', 'lock', 'seg', 'osize', 'asize'];

const PREFIX_BYTES: Record<string, number> = {
  lock: 0xf0, rep: 0xf3, repe: 0xf3, repz: 0xf3, repne: 0xf2, repnz: 0xf2,
  es: 0x26, cs: 0x2e, ss: 0x36, ds: 0x3e, fs: 0x64, gs: 0x65, o16: 0x66, o32: 0x66, a16: 0x67, a32: 0x67, wait: 0x9b,
  osp: 0x66, asp: 0x67, xacquire: 0xf2, xrelease: 0xf3,
};

const SEG_PREFIX: Record<string, number> = { es: 0x26, cs: 0x2e, ss: 0x36, ds: 0x3e, fs: 0x64, gs: 0x65 };

function writeLE(out: number[], v: bigint, size: number): void {
  // Two BigInt operations instead of two per byte: this runs for every immediate and displacement.
  const lo = Number(BigInt.asUintN(32, v));
  for (let i = 0; i < size && i < 4; i++) out.push((lo >>> (8 * i)) & 0xff);
  if (size > 4) {
    const hi = Number(BigInt.asUintN(32, v >> 32n));
    for (let i = 4; i < size; i++) out.push((hi >>> (8 * (i - 4))) & 0xff);
  }
}

interface EA {
  modrm: number; // mod and rm bits (reg filled later)
  sib?: number;
  dispSize: number;
  disp?: Value;
  rexX: boolean;
  rexB: boolean;
  asize: number;
  rip: boolean;
}

const R16: Record<string, number> = { 'bx+si': 0, 'bx+di': 1, 'bp+si': 2, 'bp+di': 3, si: 4, di: 5, bp: 6, bx: 7 };

/**
 * `n` is EVEX's disp8 scale: a one-byte displacement counts units of n bytes (disp8*N), so it is
 * used only for multiples of n; other displacements take the full size.
 */
/**
 * `late` gets the warnings NASM gives while writing the instruction, after those of its prefixes
 * (displacement overflow); `warnings` those it gives while sizing it.
 */
function buildEA(m: MemOp, dispV: Value | undefined, env: EncodeEnv, warnings: string[], n = 1, late = warnings): EA {
  const fitsScaled = (v: bigint): boolean => v % BigInt(n) === 0n && fitsS8(v / BigInt(n));
  let base = m.base;
  let index = m.index;
  let scale = m.scale;
  // VSIB (gathers, scatters): a vector index, always in a SIB byte; the address size is the base's.
  const vsib = index !== undefined && index.cls !== 'gpr';
  const regSize = base?.size ?? (vsib ? 0 : index?.size) ?? 0;
  let asize: number;
  if (regSize) asize = regSize;
  else if (env.addrOverride) asize = env.addrOverride;
  else if (vsib) asize = env.bits === 16 ? 32 : env.bits;
  // In 64-bit mode `[dword x]` only sizes the displacement (NASM 2.16.01: no 67 prefix); `[word x]` is impossible.
  else if (m.dispSize === 16 || m.dispSize === 32) asize = env.bits === 64 ? (m.dispSize === 32 ? 64 : 16) : m.dispSize;
  else asize = env.bits;
  if (env.bits === 64 && asize === 16) {
    if (regSize) throw eaError('impossible combination of address sizes\ninvalid 64-bit effective address');
    throw absoluteSizeError();
  }
  if (env.bits !== 64 && asize === 64) throw eaError(`impossible combination of address sizes\ninvalid ${env.bits}-bit effective address`);
  if (base && index && !vsib && base.size !== index.size) throw eaError(`impossible combination of address sizes\ninvalid ${env.bits}-bit effective address`);
  // `[qword x]` outside 64-bit mode: an address size the mode does not have.
  if (!regSize && !vsib && m.dispSize === 64 && env.bits !== 64) throw absoluteSizeError();
  // A size inside the brackets with registers sizes the displacement field: a byte, or the field
  // of the registers' address size (word for 16-bit registers, dword for 32- and 64-bit ones).
  if (regSize && !vsib && m.dispSize > 8 && m.dispSize !== (asize === 16 ? 16 : 32)) throw eaError(`invalid ${env.bits}-bit effective address`);
  const d = dispV ?? { n: 0n, seg: -1, unk: false };
  // Unknown symbols that cancel (`[eax+b-a]`, both forward) count as known, as in NASM's pass 1.
  const plain = (!d.unk || d.cancelled === true) && d.seg < 0 && d.minus === undefined;
  const hasDisp = m.disp !== undefined;

  if (asize === 16) {
    if (index && scale !== 1) throw eaError('invalid 16-bit effective address');
    const names = [base?.name, index?.name].filter(Boolean).sort() as string[];
    let key = names.join('+');
    if (names.length === 2) {
      const [a, b] = names;
      key = a === 'bp' || a === 'bx' ? `${a}+${b}` : `${b}+${a}`;
    }
    if (!regSize) {
      warnAbsoluteDispSize(m, 16, warnings, late);
      warnDisp(d, 2, 16, env.bits, late);
      return { modrm: 0x06, dispSize: 2, disp: d, rexX: false, rexB: false, asize: 16, rip: false };
    }
    const rm = R16[key];
    if (rm === undefined) throw eaError('invalid 16-bit effective address');
    let mod: number;
    if (m.dispSize === 8) mod = 1;
    else if (m.dispSize === 16) mod = 2;
    // A displacement that is 0 in the field's 16 bits is left out (NASM: `[bx+65536]` is `[bx]`).
    else if (!hasDisp || (plain && BigInt.asIntN(16, d.n) === 0n)) mod = rm === 6 ? 1 : 0;
    else if (plain && fitsScaled(BigInt.asIntN(16, d.n))) mod = 1;
    else mod = 2;
    warnDisp(d, mod === 0 ? 0 : mod === 1 ? 1 : 2, 16, env.bits, late);
    return { modrm: (mod << 6) | rm, dispSize: mod === 0 ? 0 : mod === 1 ? 1 : 2, disp: d, rexX: false, rexB: false, asize: 16, rip: false };
  }

  // 32/64-bit addressing
  if (vsib) {
    if (index!.num >= 16 && env.bits !== 64) throw eaError('invalid operands in non-64-bit mode');
    if (![1, 2, 4, 8].includes(scale)) throw eaError(`invalid ${env.bits}-bit effective address`);
  }
  if (!base && !index) {
    if (env.bits === 64) {
      const wantRel = m.rel === true || (m.rel === undefined && env.defaultRel && !(m.seg && (m.seg.name === 'fs' || m.seg.name === 'gs')));
      if (wantRel) {
        if (!d.unk && d.seg < 0 && d.minus === undefined) {
          warnings.push('absolute address can not be RIP-relative [-w+ea-absolute]');
        } else {
          warnAbsoluteDispSize(m, asize, warnings, late);
          return { modrm: 0x05, dispSize: 4, disp: d, rexX: false, rexB: false, asize, rip: true };
        }
      }
      warnAbsoluteDispSize(m, asize, warnings, late);
      warnDisp(d, 4, asize, env.bits, late);
      return { modrm: 0x04, sib: 0x25, dispSize: 4, disp: d, rexX: false, rexB: false, asize, rip: false };
    }
    warnAbsoluteDispSize(m, asize, warnings, late);
    warnDisp(d, 4, asize, env.bits, late);
    return { modrm: 0x05, dispSize: 4, disp: d, rexX: false, rexB: false, asize, rip: false };
  }
  if (index && !vsib && !m.nosplit && !base && (scale === 2 || scale === 3 || scale === 5 || scale === 9)) {
    base = index;
    scale -= 1;
  }
  if (index && !vsib && scale === 1 && !base && !m.nosplit) {
    base = index;
    index = undefined;
  }
  if (index && (index.num === 4 && index.cls === 'gpr')) {
    if (scale === 1 && base && base.num !== 4) {
      [base, index] = [index, base];
    } else throw eaError(`invalid ${env.bits}-bit effective address`);
  }
  // NASM names the mode (not the address size) and finds these in pass 1.
  if (![1, 2, 4, 8].includes(scale)) throw eaError(`invalid ${env.bits}-bit effective address`);
  const ss = scale === 1 ? 0 : scale === 2 ? 1 : scale === 4 ? 2 : 3;
  let mod: number;
  const baseLow = base ? base.num & 7 : -1;
  if (!base) {
    // index only: SIB with no base, disp32
    const sib = (ss << 6) | ((index!.num & 7) << 3) | 5;
    warnDisp(d, 4, asize, env.bits, late);
    return { modrm: 0x04, sib, dispSize: 4, disp: d, rexX: (index!.num & 8) !== 0, rexB: false, asize, rip: false };
  }
  if (m.dispSize === 8) mod = 1;
  else if (m.dispSize === 32 || m.dispSize === 64) mod = 2;
  else if (!hasDisp || (plain && BigInt.asIntN(32, d.n) === 0n)) mod = baseLow === 5 ? 1 : 0;
  // The displacement field is 32 bits: NASM picks disp8 from the value cut to 32 bits (`[rax+0xffffffff]` is disp8 -1).
  else if (plain && fitsScaled(BigInt.asIntN(32, d.n))) mod = 1;
  else mod = 2;
  const dispSize = mod === 0 ? 0 : mod === 1 ? 1 : 4;
  // A scaled disp8 (EVEX) is written as it is, without NASM's range checks.
  if (!(mod === 1 && n > 1 && plain && fitsScaled(BigInt.asIntN(32, d.n)))) warnDisp(d, dispSize, asize, env.bits, late);
  if (index || baseLow === 4) {
    const idx = index ? index.num & 7 : 4;
    const sib = (ss << 6) | (idx << 3) | baseLow;
    return { modrm: (mod << 6) | 4, sib, dispSize, disp: d, rexX: !!index && (index.num & 8) !== 0, rexB: base.num >= 8, asize, rip: false };
  }
  return { modrm: (mod << 6) | baseLow, dispSize, disp: d, rexX: false, rexB: base.num >= 8, asize, rip: false };
}

function emit(row: Row, insn: Insn, vals: OpVal[], env: EncodeEnv, _forced: number): Encoded {
  const ops = insn.ops;
  const warnings: string[] = [];
  const bits = env.bits;
  let rexW = false;
  let rexR = false;
  let rexX = false;
  let rexB = false;
  let needRex = false;
  let osPrefix = false;
  let asPrefix = false;
  let seg: number | undefined;

  // operand size
  if (row.osize === 16) osPrefix = bits !== 16;
  else if (row.osize === 32) osPrefix = bits === 16;
  else if (row.osize === 64) rexW = true;
  const prefixes = insn.prefixes;
  const prefixed = prefixes.length > 0;
  for (const p of prefixes) {
    if (p === 'o16' && bits !== 16) osPrefix = true;
    if (p === 'osp') {
      // A 66 byte in every mode; on an instruction with an operand size NASM warns (and keeps one 66).
      osPrefix = true;
      if (row.osize === 16 || row.osize === 32) warnings.push(`invalid operand size prefix, must be o${row.osize} [-w+prefix-opsize]`);
    }
    if (p === 'o32' && bits === 16) osPrefix = true;
    if (p === 'o64') rexW = true;
  }
  // An explicit o16/o32 against the instruction's own size wins, with NASM's warning (`o16 cmp eax, 1`).
  const explicitOs = prefixed ? prefixes.find((p) => p === 'o16' || p === 'o32') : undefined;
  if (explicitOs && (row.osize === 16 || row.osize === 32) && explicitOs !== `o${row.osize}`) {
    warnings.push(`invalid operand size prefix, must be o${row.osize} [-w+prefix-opsize]`);
    osPrefix = explicitOs === 'o16' ? bits !== 16 : bits === 16;
  }
  if (row.flags.has('sregopt') && (env.o0 || env.o1)) {
    // Without -Ox NASM keeps the operand-size prefix of the general register in `mov sreg, reg`.
    const r = ops.find((o) => o.k === 'reg' && o.reg.cls === 'gpr');
    if (r && r.k === 'reg') {
      if (r.reg.size === 16) osPrefix = bits !== 16;
      else if (r.reg.size === 32) osPrefix = bits === 16;
      else if (r.reg.size === 64) rexW = true;
    }
  }
  if (row.flags.has('farm')) {
    // Far indirect: the pointer size follows the size keyword; unsized in 64-bit mode is m16:64 (REX.W).
    const sz = (ops[0] as MemOp).size;
    if (sz === 64 || (sz === 0 && bits === 64)) rexW = true;
    else if ((sz === 32 && bits === 16) || (sz === 16 && bits !== 16)) osPrefix = true;
  }
  if (row.asize) asPrefix = row.asize !== bits;

  let ea: EA | undefined;
  const eaLate: string[] = [];
  let regField = 0;
  const mem = row.rmIdx >= 0 && ops[row.rmIdx].k === 'mem' ? (ops[row.rmIdx] as MemOp) : undefined;
  if (mem) {
    // MPX's MIB operands keep a lone scaled index as written (`[rax*2]` is not `[rax+rax]`); a
    // register written after the address is its index (replacing one written inside, as in NASM).
    let mib = mem;
    if (row.flags.has('mib')) {
      const idx = row.pats.findIndex((p) => p.t === 'rmreg');
      mib = idx >= 0 ? { ...mem, index: (ops[idx] as RegOp).reg, scale: 1, nosplit: true } : mem.nosplit ? mem : { ...mem, nosplit: true };
    }
    ea = buildEA(mib, vals[row.rmIdx].disp, env, row.mo ? [] : warnings, row.vex?.evex ? disp8Scale(row, mem) : 1, eaLate);
    if (ea.asize !== bits && !(bits === 64 && ea.asize === 64)) asPrefix = true;
    if (mem.seg) seg = SEG_PREFIX[mem.seg.name];
    rexX = ea.rexX;
    rexB = ea.rexB;
  } else if (row.mo) {
    const mi = ops.findIndex((o) => o.k === 'mem');
    const m = ops[mi] as MemOp;
    if (m.seg) seg = SEG_PREFIX[m.seg.name];
  }
  for (const p of prefixes) {
    if (p in SEG_PREFIX) seg = SEG_PREFIX[p];
    if ((p === 'a16' && bits !== 16) || (p === 'a32' && bits !== 32) || p === 'asp') asPrefix = true;
  }

  const bytes: number[] = [];
  const fixes: Fix[] = [];
  if (prefixed && prefixes.includes('lock') && !(LOCKABLE.has(row.mn) && ops[0]?.k === 'mem')) warnings.push('instruction is not lockable [-w+prefix-lock]');
  if (row.flags.has('obsolete')) {
    // Obsolete at the `cpu` level it belongs to, removed from any later one.
    warnings.push(env.cpu === row.level ? 'instruction obsolete but valid on the target CPU [-w+obsolete-valid]' : 'instruction obsolete and removed from the target CPU [-w+obsolete-removed]');
  }
  else if (row.flags.has('neverimpl')) warnings.push('instruction never implemented and is a noop on the target CPU [-w+obsolete-nop]');
  for (const p of prefixes) if ((p === 'xacquire' || p === 'xrelease') && !hleValid(p, row, insn)) warnings.push(`${p} invalid with this instruction [-w+prefix-hle]`);
  let bnd = prefixed && prefixes.includes('bnd');
  if (bnd) {
    const op = ops[row.relIdx] as ImmOp | undefined;
    if (!BND_BRANCHES.test(row.mn) || row.far || row.flags.has('farm') || row.flags.has('shortonly') || (row.flags.has('short') && row.mn === 'jmp' && (op?.jmp === 'short' || op?.strict))) {
      throw new EncodeError('bnd prefix is not allowed');
    }
    // A jmp the optimizer made short: NASM drops the prefix.
    if (row.flags.has('short') && row.mn === 'jmp') {
      warnings.push('jmp short does not init bnd regs - bnd prefix dropped [-w+prefix-bnd]');
      bnd = false;
    }
  }
  for (const p of prefixes) {
    if (p === 'xacquire') bytes.push(0xf2);
    else if (p === 'xrelease') bytes.push(0xf3);
    else if (p === 'lock') bytes.push(0xf0);
    else if (p === 'rep' || p === 'repe' || p === 'repz') bytes.push(0xf3);
    else if (p === 'repne' || p === 'repnz') bytes.push(0xf2);
    else if (p === 'wait') bytes.push(0x9b);
    else if (p === 'bnd' && bnd) bytes.push(0xf2);
  }
  if (seg !== undefined) {
    bytes.push(seg);
    warnIgnoredSegment(seg, bits, warnings);
  }
  if (!row.mo && eaLate.length) warnings.push(...eaLate);
  if (osPrefix) bytes.push(0x66);
  if (asPrefix) bytes.push(0x67);
  const repWritten = prefixed && prefixes.some((p) => p === 'rep' || p === 'repe' || p === 'repz');
  for (const b of row.mand) if (!(b === 0xf3 && repWritten && row.flags.has('onerep'))) bytes.push(b);
  // Every legacy and mandatory prefix so far is a piece of its own; so is each part counted below.
  let pieces = bytes.length;

  // register fields
  const opcode = row.opcode.slice();
  let highRegs = false;
  for (const op of ops) {
    if (op.k !== 'reg') continue;
    const r = op.reg;
    if (r.rexOnly && r.cls === 'gpr' && r.size === 8 && !row.flags.has('norex8')) needRex = true;
    if (r.high8) highRegs = true;
  }
  // NASM finds these in pass 1.
  if (highRegs && row.flags.has('norex8')) throw eaError(row.vex ? 'cannot use high register in AVX instruction' : 'instruction cannot use high registers');
  if (row.plusR) {
    const r = (ops[row.plusIdx] as { reg: Reg }).reg;
    opcode[opcode.length - 1] += r.num & 7;
    if (r.num >= 8) rexB = true;
  }
  let modrm = -1;
  let sib: number | undefined;
  let lockForCr8 = false;
  if (row.modrm !== 'none') {
    if (row.modrm === 'r' || row.modrm === 'rr') {
      const rr = (ops[row.regIdx] as { reg: Reg }).reg;
      regField = rr.num & 7;
      // Outside 64-bit mode cr8 is reached with a LOCK prefix instead of REX.R (AMD; NASM does this).
      if (rr.num >= 8 && rr.cls === 'cr' && bits !== 64) lockForCr8 = true;
      else if (rr.num >= 8) rexR = true;
      if (row.modrm === 'rr') {
        modrm = 0xc0 | (regField << 3) | (rr.num & 7);
        if (rr.num >= 8) rexB = true;
      }
    } else regField = row.modrm;
    if (modrm < 0) {
      const rmOp = ops[row.rmIdx];
      // A register in ModRM.reg alone (AMX tilezero): rm is 0.
      if (rmOp === undefined) modrm = 0xc0 | (regField << 3);
      else if (rmOp.k === 'reg') {
        modrm = 0xc0 | (regField << 3) | (rmOp.reg.num & 7);
        if (rmOp.reg.num >= 8) rexB = true;
      } else if (ea) {
        modrm = ea.modrm | (regField << 3);
        sib = ea.sib;
        // AMX's sibmem: always a SIB byte (with no index when none is given).
        if (sib === undefined && row.pats[row.rmIdx].t === 'msib') {
          sib = 0x20 | (modrm & 7);
          modrm = (modrm & ~7) | 4;
        }
      }
    }
  }
  if (row.vex) pieces++;
  if (row.vex?.evex) {
    bytes.push(...evexPrefix(row, row.vex, insn, rexX, rexB, bits));
  } else if (row.vex) {
    const vex = vexPrefix(row, row.vex, ops, rexR, rexX, rexB, prefixed && prefixes.includes('{vex3}'));
    // NASM finds these two already in pass 1; `not encodable with {x}` in general only in the final pass.
    if (vex.length === 3 && prefixed && prefixes.includes('{vex2}')) throw eaError('instruction not encodable with {vex2} prefix');
    bytes.push(...vex);
  } else if (rexW || rexR || rexX || rexB || needRex || (prefixed && prefixes.includes('{rex}'))) {
    if (bits !== 64) throw new EncodeError(`instruction not supported in ${bits}-bit mode`);
    if (highRegs) {
      const msg = 'cannot use high byte register in rex instruction';
      throw prefixes.includes('{rex}') ? eaError(msg) : new EncodeError(msg);
    }
    bytes.push(0x40 | (rexW ? 8 : 0) | (rexR ? 4 : 0) | (rexX ? 2 : 0) | (rexB ? 1 : 0));
    pieces++;
  }
  if (lockForCr8) {
    bytes.unshift(0xf0);
    pieces++;
  }
  for (const b of opcode) bytes.push(b);
  // A `+r` opcode byte after others (`0F C8+r`) is written apart from them.
  pieces += row.plusR && opcode.length > 1 ? 2 : 1;
  if (modrm >= 0) {
    bytes.push(modrm);
    pieces++;
  }
  if (sib !== undefined) bytes.push(sib);
  let ripAt = -1;
  let ripVal: Value | undefined;
  if (ea && modrm >= 0 && (modrm & 0xc0) !== 0xc0) {
    if (ea.dispSize) {
      pieces++;
      const d = ea.disp!;
      if (ea.rip) {
        ripAt = bytes.length;
        ripVal = d;
        writeLE(bytes, 0n, 4);
      } else {
        const at = bytes.length;
        const scale = ea.dispSize === 1 && row.vex?.evex ? BigInt(disp8Scale(row, mem!)) : 1n;
        writeLE(bytes, scale > 1n && d.n % scale === 0n ? d.n / scale : d.n, ea.dispSize);
        if (d.seg >= 0 || d.minus !== undefined) fixes.push({ at, size: ea.dispSize, plus: d.seg, minus: d.minus ?? -1 });
        else if (env.fields && !row.vex?.evex) env.fields.push({ at, size: ea.dispSize, op: row.rmIdx, value: d.n });
      }
    }
  }
  for (const b of row.suffix) bytes.push(b);
  if (row.suffix.length) pieces++;
  if (row.mo) {
    pieces++;
    const mi = ops.findIndex((o) => o.k === 'mem');
    const m = ops[mi] as MemOp;
    const d = vals[mi].disp ?? { n: 0n, seg: -1, unk: false };
    let size = bits === 64 ? 8 : bits === 32 ? 4 : 2;
    if (bits !== 64 && (m.dispSize === 16 || m.dispSize === 32) && m.dispSize !== bits) {
      size = m.dispSize / 8;
      if (!asPrefix) {
        bytes.splice(bytes.indexOf(row.opcode[0], seg !== undefined ? 1 : 0), 0, 0x67);
        pieces++;
      }
    }
    if (env.addrOverride) size = env.addrOverride / 8;
    const at = bytes.length;
    writeLE(bytes, d.n, size);
    if (!d.unk && d.seg < 0 && d.minus === undefined) {
      const w = addressWarning(d.n, size);
      if (w) warnings.push(w);
    }
    if (d.seg >= 0 || d.minus !== undefined) fixes.push({ at, size, plus: d.seg, minus: d.minus ?? -1 });
  }
  // immediates
  pieces += row.imms.length;
  for (let k = 0; k < row.imms.length; k++) {
    const kind = row.imms[k];
    const idx = row.immIdx[k];
    const v = vals[idx].v!;
    const size = kind === 'ib' ? 1 : kind === 'iw' ? 2 : kind === 'id' ? 4 : 8;
    const at = bytes.length;
    writeLE(bytes, v.n, size);
    if (v.seg >= 0 || v.minus !== undefined) fixes.push({ at, size, plus: v.seg, minus: v.minus ?? -1 });
    else if (!v.unk) {
      env.fields?.push({ at, size, op: idx, value: v.n });
      const opBits = rexW ? 64 : explicitOs === 'o16' || row.osize === 16 ? 16 : explicitOs === 'o32' || row.osize === 32 ? 32 : bits;
      overflowWarnings(v.n, size, row, idx, warnings, opBits, (ops[idx] as ImmOp).size === 8);
    }
  }
  if (row.is4Idx >= 0) {
    bytes.push(((ops[row.is4Idx] as { reg: Reg }).reg.num & 15) << 4);
    pieces++;
  }
  // relative branch / far pointer
  let shortCheck: number | undefined;
  if (row.rel) {
    const v = vals[row.relIdx].v!;
    const size = row.rel === 'rb' ? 1 : row.rel === 'rw' ? 2 : 4;
    pieces++;
    const at = bytes.length;
    const end = env.off + at + size;
    const d = v.n - BigInt(end);
    writeLE(bytes, d, size);
    if (v.seg !== env.seg) fixes.push({ at, size, plus: v.seg, minus: env.seg, raw: v.n });
    // NASM checks the reach of a short jump to a label only: a plain-number target is truncated silently.
    if (size === 1 && env.final && !v.unk && v.seg >= 0 && (v.seg !== env.seg || !fitsS8(d))) shortCheck = at;
  }
  if (row.far) {
    const op = vals[row.relIdx];
    const osz = row.osize === 16 ? 2 : 4;
    pieces += 2;
    const at = bytes.length;
    writeLE(bytes, op.v!.n, osz);
    if (op.v!.seg >= 0 || op.v!.minus !== undefined) fixes.push({ at, size: osz, plus: op.v!.seg, minus: op.v!.minus ?? -1 });
    writeLE(bytes, op.segv!.n, 2);
  }
  if (ripAt >= 0 && ripVal) {
    const end = env.off + bytes.length;
    writeLE2(bytes, ripAt, ripVal.n - BigInt(end), 4);
    if (ripVal.seg !== env.seg) fixes.push({ at: ripAt, size: 4, plus: ripVal.seg, minus: env.seg, raw: ripVal.n });
    else if (!ripVal.unk) {
      const w = relativeWarning(ripVal.n - BigInt(end), 4);
      if (w) warnings.push(w);
    }
  }
  return { bytes, fixes, warnings, shortCheck, pcrel: row.rel !== '' || ripAt >= 0, pieces };
}

/**
 * The VEX prefix: two bytes (C5) when the map is 0F, W is 0 and neither X nor B is needed, as NASM
 * chooses; three bytes (C4) otherwise. R, X, B and vvvv are stored inverted.
 */
function vexPrefix(row: Row, vex: Vex, ops: Operand[], r: boolean, x: boolean, b: boolean, three = false): number[] {
  const v = row.vIdx >= 0 ? (ops[row.vIdx] as { reg: Reg }).reg.num & 15 : 0;
  const tail = ((~v & 15) << 3) | (vex.l << 2) | vex.pp;
  if (vex.mm === 1 && vex.w === 0 && !x && !b && !vex.xop && !three) return [0xc5, (r ? 0 : 0x80) | tail];
  return [vex.xop ? 0x8f : 0xc4, (r ? 0 : 0x80) | (x ? 0 : 0x40) | (b ? 0 : 0x20) | vex.mm, (vex.w << 7) | tail];
}

/**
 * EVEX's disp8*N: the element size for a broadcast, the row's `nN` flag where the tuple type says
 * one element (compress/expand), otherwise the size of the memory operand the row names (VSIB:
 * the element size).
 */
function disp8Scale(row: Row, mem: MemOp): number {
  const p = row.pats[row.rmIdx];
  if (mem.bcst !== undefined && p?.bcst) return p.bcst / 8;
  if (row.disp8 !== undefined) return row.disp8;
  return p && p.size ? p.size / 8 : 1;
}

/**
 * The EVEX prefix (62, P0, P1, P2) without masking, zeroing, broadcast or rounding: R, X, B, R'
 * and V' (bit 4 of the registers) and vvvv are stored inverted; a register in ModRM.rm takes its
 * bit 4 from X.
 */
function evexPrefix(row: Row, vex: Vex, insn: Insn, x: boolean, b: boolean, bits: number): number[] {
  const ops = insn.ops;
  const regNum = (i: number): number => (i >= 0 && ops[i].k === 'reg' ? (ops[i] as { reg: Reg }).reg.num : 0);
  const reg = row.regIdx >= 0 ? regNum(row.regIdx) : 0;
  const rmOp = row.rmIdx >= 0 ? ops[row.rmIdx] : undefined;
  const rm = rmOp?.k === 'reg' ? rmOp.reg.num : -1;
  const v = row.vIdx >= 0 ? regNum(row.vIdx) : 0;
  // Outside 64-bit mode NASM refuses bit 4 only in vvvv (V').
  if (bits !== 64 && v >= 16) throw eaError('invalid operands in non-64-bit mode');
  // A VSIB index takes bit 4 from V' (vvvv is then unused).
  const mem = rmOp?.k === 'mem' ? rmOp : undefined;
  const vHigh = mem?.index && mem.index.cls !== 'gpr' ? mem.index.num >= 16 : v >= 16;
  const bitX = rm >= 0 ? (rm & 16) !== 0 : x;
  const bitB = rm >= 0 ? (rm & 8) !== 0 : b;
  const p0 = ((reg & 8) ? 0 : 0x80) | (bitX ? 0 : 0x40) | (bitB ? 0 : 0x20) | ((reg & 16) ? 0 : 0x10) | vex.mm;
  const p1 = (vex.w << 7) | ((~v & 15) << 3) | 0x04 | vex.pp;
  const dest = ops[0];
  const mask = dest && (dest.k === 'reg' || dest.k === 'mem') ? dest : undefined;
  // b: a broadcast, or register operands with rounding (L'L is then the rounding mode) or `{sae}` (L'L 0).
  const er = insn.er;
  const bBit = mem?.bcst !== undefined || er !== undefined;
  const ll = er === undefined ? vex.l : er === 'sae' ? 0 : ER_MODES[er];
  const p2 = (mask?.zero ? 0x80 : 0) | (ll << 5) | (bBit ? 0x10 : 0) | (vHigh ? 0 : 0x08) | (mask?.mask ?? 0);
  return [0x62, p0, p1, p2];
}

const ER_MODES = { rn: 0, rd: 1, ru: 2, rz: 3 };

/** NASM's number-overflow warnings for an immediate field (they never change the bytes). */
function overflowWarnings(n: bigint, size: number, row: Row, idx: number, warnings: string[], opBits: number, explicitByte: boolean): void {
  const p = row.pats[idx];
  if (p.t === 'sb' || row.flags.has('pushbyte')) {
    const w = signedByteWarning(n, opBits, explicitByte);
    if (w) warnings.push(w);
    return;
  }
  if (size === 4 && (row.osize === 64 || row.osize === -64)) {
    // Sign-extended to 64 bits: both of NASM's warnings when outside the signed dword range.
    if (n < -0x80000000n || n > 0x7fffffffn) warnings.push('signed dword immediate exceeds bounds [-w+number-overflow]', 'dword data exceeds bounds [-w+number-overflow]');
    return;
  }
  if (size >= 8) return;
  const lim = 1n << BigInt(size * 8);
  const unsigned = size === 1 && !row.vex && UNSIGNED_IMM8.has(row.mn);
  if (n < (unsigned ? 0n : -lim) || n >= lim) warnings.push(`${size === 1 ? 'byte' : size === 2 ? 'word' : 'dword'} data exceeds bounds [-w+number-overflow]`);
}

function writeLE2(out: number[], at: number, v: bigint, size: number): void {
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    out[at + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

export { evaluate };
