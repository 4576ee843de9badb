// The instruction table: DATA, walked in order by the encoder; the first matching row is the
// encoding NASM 2.16.01 picks. Written from the Intel SDM and checked against NASM's output.
//
// Row: [mnemonic, operand patterns, encoding, flags]
// Operand patterns:
//   r8 r16 r32 r64      general register (ModRM.reg for /r, or +r)
//   ~r16 ~r32 ~r64      general register placed in ModRM.rm
//   rm8 .. rm64         register or memory of that size;  m8 .. m128, m80  memory only; m  memory of any size
//   al ax eax rax cl dx es cs ss ds fs gs st0   that exact register
//   sreg creg dreg treg xmm fpu mmx             register classes
//   xmm/m32 xmm/m64 xmm/m128  xmm register or memory
//   imm8 imm16 imm32 imm64 imm  immediate (an unsized immediate matches any size)
//   sb16 sb32 sb64      immediate that is a plain number fitting a sign-extended byte (NASM's sbyte flags)
//   sd64 ud64           immediate that is a plain number fitting a sign-/zero-extended dword
//   one                 the plain number 1 (shift by one)
//   far16 far32         seg:offset immediate;   mfar  memory operand written with `far`
//   to fpu              an x87 register written with `to` (`fadd to st1`)
//   ymm zmm kreg, ymm/m256 zmm/m512, vxmm/vymm/vzmm/vr32/vr64 (VEX.vvvv), is4xmm/is4ymm, a trailing
//   `*` (may be left out), and the VEX./XOP./EVEX. encoding tokens: see the VEX and EVEX sections
// Encoding tokens:
//   o16 o32 o64         operand size (66 prefix or REX.W); o64nw: 64-bit default size (no REX.W)
//   a16 a32 a64         address size of an implicit operand (jcxz and friends)
//   hex byte, XX+r      opcode bytes (66/F2/F3 before 0F are mandatory prefixes, placed after 66/67)
//   /r /0../7           ModRM;  /rr  ModRM with the same register in reg and rm
//   ib iw id iq         immediate;  rb rw rd  relative branch;  ow  offset sized by operand size
//   sel                 16-bit selector of a far pointer;  mo  moffs address (address-size wide)
// Flags: nolong (invalid in 64-bit), long (64-bit only), short (short-jump form), dflt (an unsized
//   immediate takes the mode's operand size), nosm (operand sizes are independent: an unsized memory
//   operand cannot borrow its size from a register operand), unsizedimm (an immediate written with a size
//   keyword does not match: NASM's SSE4a rows), nodistance (a relative immediate written with `near`,
//   `far` or `short` does not match: NASM's JMPE rows), sximm (a dword immediate sign-extended to 64
//   bits: its size keyword is the operation's, `add rax, qword 0x12345`, not `dword`)

export type RawRow = [string, string, string, string?];

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFTS: [string, number][] = [
  ['rol', 0], ['ror', 1], ['rcl', 2], ['rcr', 3], ['shl', 4], ['sal', 4], ['shr', 5], ['sar', 7],
];
export const CONDS: [string, number][] = [
  ['o', 0], ['no', 1], ['b', 2], ['c', 2], ['nae', 2], ['ae', 3], ['nb', 3], ['nc', 3],
  ['e', 4], ['z', 4], ['ne', 5], ['nz', 5], ['be', 6], ['na', 6], ['a', 7], ['nbe', 7],
  ['s', 8], ['ns', 9], ['p', 10], ['pe', 10], ['np', 11], ['po', 11],
  ['l', 12], ['nge', 12], ['ge', 13], ['nl', 13], ['le', 14], ['ng', 14], ['g', 15], ['nle', 15],
];

const h = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

function alu(): RawRow[] {
  const rows: RawRow[] = [];
  ALU.forEach((mn, op) => {
    const b = op * 8;
    rows.push(
      [mn, 'rm8,r8', `${h(b)} /r`],
      [mn, 'rm16,r16', `o16 ${h(b + 1)} /r`],
      [mn, 'rm32,r32', `o32 ${h(b + 1)} /r`],
      [mn, 'rm64,r64', `o64 ${h(b + 1)} /r`],
      [mn, 'r8,rm8', `${h(b + 2)} /r`],
      [mn, 'r16,rm16', `o16 ${h(b + 3)} /r`],
      [mn, 'r32,rm32', `o32 ${h(b + 3)} /r`],
      [mn, 'r64,rm64', `o64 ${h(b + 3)} /r`],
      [mn, 'rm16,sb16', `o16 83 /${op} ib`],
      [mn, 'rm32,sb32', `o32 83 /${op} ib`],
      [mn, 'rm64,sb64', `o64 83 /${op} ib`],
      [mn, 'al,imm8', `${h(b + 4)} ib`],
      [mn, 'ax,imm16', `o16 ${h(b + 5)} iw`],
      [mn, 'eax,imm32', `o32 ${h(b + 5)} id`],
      [mn, 'rax,imm32', `o64 ${h(b + 5)} id`, 'sximm'],
      [mn, 'rm8,imm8', `80 /${op} ib`],
      [mn, 'rm16,imm16', `o16 81 /${op} iw`],
      [mn, 'rm32,imm32', `o32 81 /${op} id`],
      [mn, 'rm64,imm32', `o64 81 /${op} id`, 'sximm'],
    );
  });
  return rows;
}

function shifts(): RawRow[] {
  const rows: RawRow[] = [];
  for (const [mn, op] of SHIFTS) {
    rows.push(
      [mn, 'rm8,one', `D0 /${op}`, 'nosm'],
      [mn, 'rm16,one', `o16 D1 /${op}`, 'nosm'],
      [mn, 'rm32,one', `o32 D1 /${op}`, 'nosm'],
      [mn, 'rm64,one', `o64 D1 /${op}`, 'nosm'],
      [mn, 'rm8,cl', `D2 /${op}`, 'nosm'],
      [mn, 'rm16,cl', `o16 D3 /${op}`, 'nosm'],
      [mn, 'rm32,cl', `o32 D3 /${op}`, 'nosm'],
      [mn, 'rm64,cl', `o64 D3 /${op}`, 'nosm'],
      [mn, 'rm8,imm8', `C0 /${op} ib`, 'nosm'],
      [mn, 'rm16,imm8', `o16 C1 /${op} ib`, 'nosm'],
      [mn, 'rm32,imm8', `o32 C1 /${op} ib`, 'nosm'],
      [mn, 'rm64,imm8', `o64 C1 /${op} ib`, 'nosm'],
    );
  }
  return rows;
}

function unary(mn: string, op: number): RawRow[] {
  return [
    [mn, 'rm8', `F6 /${op}`],
    [mn, 'rm16', `o16 F7 /${op}`],
    [mn, 'rm32', `o32 F7 /${op}`],
    [mn, 'rm64', `o64 F7 /${op}`],
  ];
}

function sized(mn: string, base: string, extra = ''): RawRow[] {
  // No-operand instructions with b/w/d/q variants (string ops).
  const [b, w] = base.split(' ');
  return [
    [mn + 'b', '', `${b}`, extra],
    [mn + 'w', '', `o16 ${w}`, extra],
    [mn + 'd', '', `o32 ${w}`, extra],
    [mn + 'q', '', `o64 ${w}`, extra],
  ];
}

function jumps(): RawRow[] {
  const rows: RawRow[] = [];
  rows.push(
    ['jmp', 'imm', 'EB rb', 'short'],
    ['jmp', 'imm16', 'o16 E9 rw', 'dflt nolong'],
    ['jmp', 'imm32', 'o32 E9 rd', 'dflt nolong'],
    ['jmp', 'imm64', 'o64nw E9 rd', 'dflt long'],
    ['jmp', 'far16', 'o16 EA ow sel', 'dflt nolong'],
    ['jmp', 'far32', 'o32 EA ow sel', 'dflt nolong'],
    ['jmp', 'mfar', 'FF /5', 'farm'],
    ['jmp', 'm', 'FF /4', 'unsized'],
    ['jmp', 'rm16', 'o16 FF /4', 'nolong'],
    ['jmp', 'rm32', 'o32 FF /4', 'nolong'],
    ['jmp', 'rm64', 'o64nw FF /4', 'long'],
    ['call', 'imm16', 'o16 E8 rw', 'dflt nolong'],
    ['call', 'imm32', 'o32 E8 rd', 'dflt nolong'],
    ['call', 'imm64', 'o64nw E8 rd', 'dflt long'],
    ['call', 'far16', 'o16 9A ow sel', 'dflt nolong'],
    ['call', 'far32', 'o32 9A ow sel', 'dflt nolong'],
    ['call', 'mfar', 'FF /3', 'farm'],
    ['call', 'm', 'FF /2', 'unsized'],
    ['call', 'rm16', 'o16 FF /2', 'nolong'],
    ['call', 'rm32', 'o32 FF /2', 'nolong'],
    ['call', 'rm64', 'o64nw FF /2', 'long'],
  );
  for (const [cc, n] of CONDS) {
    rows.push(
      ['j' + cc, 'imm', `${h(0x70 + n)} rb`, 'short'],
      ['j' + cc, 'imm16', `o16 0F ${h(0x80 + n)} rw`, 'dflt nolong'],
      ['j' + cc, 'imm32', `o32 0F ${h(0x80 + n)} rd`, 'dflt nolong'],
      ['j' + cc, 'imm64', `o64nw 0F ${h(0x80 + n)} rd`, 'dflt long'],
      // Below `cpu 386` there is no near jcc: NASM emits the inverted short jcc over a near jmp.
      ['j' + cc, 'imm', `${h(0x70 + (n ^ 1))} 03 E9 rw`, 'pre386'],
    );
  }
  rows.push(
    ['loop', 'imm', 'E2 rb', 'shortonly'],
    ['loope', 'imm', 'E1 rb', 'shortonly'],
    ['loopz', 'imm', 'E1 rb', 'shortonly'],
    ['loopne', 'imm', 'E0 rb', 'shortonly'],
    ['loopnz', 'imm', 'E0 rb', 'shortonly'],
    // `loop x, ecx`: the count register picks the address size.
    ...([['loop', 'E2'], ['loope', 'E1'], ['loopz', 'E1'], ['loopne', 'E0'], ['loopnz', 'E0']] as const).flatMap(([mn, op]): RawRow[] => [
      [mn, 'imm,cx', `a16 ${op} rb`, 'shortonly nolong'],
      [mn, 'imm,ecx', `a32 ${op} rb`, 'shortonly'],
      [mn, 'imm,rcx', `a64 ${op} rb`, 'shortonly long'],
    ]),
    ['jcxz', 'imm', 'a16 E3 rb', 'shortonly nolong'],
    ['jecxz', 'imm', 'a32 E3 rb', 'shortonly'],
    ['jrcxz', 'imm', 'a64 E3 rb', 'shortonly long'],
  );
  return rows;
}

function condOps(): RawRow[] {
  const rows: RawRow[] = [];
  for (const [cc, n] of CONDS) {
    rows.push(
      ['cmov' + cc, 'r16,rm16', `o16 0F ${h(0x40 + n)} /r`],
      ['cmov' + cc, 'r32,rm32', `o32 0F ${h(0x40 + n)} /r`],
      ['cmov' + cc, 'r64,rm64', `o64 0F ${h(0x40 + n)} /r`],
      // (NASM's row takes memory of no size: `setz [bx]`.)
      ['set' + cc, 'rm8', `0F ${h(0x90 + n)} /0`, 'unsizedok'],
    );
  }
  return rows;
}

function bitOps(): RawRow[] {
  const rows: RawRow[] = [];
  (
    [
      ['bt', 0xa3, 4],
      ['bts', 0xab, 5],
      ['btr', 0xb3, 6],
      ['btc', 0xbb, 7],
    ] as [string, number, number][]
  ).forEach(([mn, opc, ext]) => {
    rows.push(
      [mn, 'rm16,r16', `o16 0F ${h(opc)} /r`],
      [mn, 'rm32,r32', `o32 0F ${h(opc)} /r`],
      [mn, 'rm64,r64', `o64 0F ${h(opc)} /r`],
      [mn, 'rm16,imm8', `o16 0F BA /${ext} ib`, 'nosm'],
      [mn, 'rm32,imm8', `o32 0F BA /${ext} ib`, 'nosm'],
      [mn, 'rm64,imm8', `o64 0F BA /${ext} ib`, 'nosm'],
    );
  });
  for (const [mn, opc] of [['bsf', 0xbc], ['bsr', 0xbd]] as [string, number][]) {
    rows.push([mn, 'r16,rm16', `o16 0F ${h(opc)} /r`], [mn, 'r32,rm32', `o32 0F ${h(opc)} /r`], [mn, 'r64,rm64', `o64 0F ${h(opc)} /r`]);
  }
  for (const [mn, p, opc] of [['popcnt', 'F3', 0xb8], ['lzcnt', 'F3', 0xbd], ['tzcnt', 'F3', 0xbc]] as [string, string, number][]) {
    rows.push([mn, 'r16,rm16', `o16 ${p} 0F ${h(opc)} /r`], [mn, 'r32,rm32', `o32 ${p} 0F ${h(opc)} /r`], [mn, 'r64,rm64', `o64 ${p} 0F ${h(opc)} /r`]);
  }
  return rows;
}

function x87(): RawRow[] {
  const rows: RawRow[] = [];
  // Arithmetic: memory forms, st0,st(i), st(i),st0, and the popping forms.
  (
    [
      ['fadd', 0, 0xc0, 0xc0],
      ['fmul', 1, 0xc8, 0xc8],
      ['fsub', 4, 0xe0, 0xe8],
      ['fsubr', 5, 0xe8, 0xe0],
      ['fdiv', 6, 0xf0, 0xf8],
      ['fdivr', 7, 0xf8, 0xf0],
    ] as [string, number, number, number][]
  ).forEach(([mn, ext, st0i, sti0]) => {
    rows.push(
      [mn, 'm32', `D8 /${ext}`],
      [mn, 'm64', `DC /${ext}`],
      [mn, 'fpu,st0', `DC ${h(sti0)}+r`],
      [mn, 'st0,fpu', `D8 ${h(st0i)}+r`],
      [mn, 'fpu', `D8 ${h(st0i)}+r`],
      [mn, 'to fpu', `DC ${h(sti0)}+r`], // `fadd to st1`: st1 <- st1 + st0
      [mn, '', `DE ${h(sti0 + 1)}`],
      [mn + 'p', 'fpu,st0', `DE ${h(sti0)}+r`],
      [mn + 'p', 'fpu', `DE ${h(sti0)}+r`],
      [mn + 'p', '', `DE ${h(sti0 + 1)}`],
      ['fi' + mn.slice(1), 'm16', `DE /${ext}`],
      ['fi' + mn.slice(1), 'm32', `DA /${ext}`],
    );
  });
  rows.push(
    ['fld', 'm32', 'D9 /0'],
    ['fld', 'm64', 'DD /0'],
    ['fld', 'm80', 'DB /5'],
    ['fld', 'fpu', 'D9 C0+r'],
    ['fld', '', 'D9 C1'], // no operand: st1, as NASM
    ['fst', 'm32', 'D9 /2'],
    ['fst', 'm64', 'DD /2'],
    ['fst', 'fpu', 'DD D0+r'],
    ['fst', '', 'DD D1'],
    ['fstp', 'm32', 'D9 /3'],
    ['fstp', 'm64', 'DD /3'],
    ['fstp', 'm80', 'DB /7'],
    ['fstp', 'fpu', 'DD D8+r'],
    ['fstp', '', 'DD D9'],
    ['fild', 'm16', 'DF /0'],
    ['fild', 'm32', 'DB /0'],
    ['fild', 'm64', 'DF /5'],
    ['fist', 'm16', 'DF /2'],
    ['fist', 'm32', 'DB /2'],
    ['fistp', 'm16', 'DF /3'],
    ['fistp', 'm32', 'DB /3'],
    ['fistp', 'm64', 'DF /7'],
    ['fisttp', 'm16', 'DF /1'],
    ['fisttp', 'm32', 'DB /1'],
    ['fisttp', 'm64', 'DD /1'],
    ['fxch', 'fpu', 'D9 C8+r'],
    ['fxch', 'fpu,st0', 'D9 C8+r'],
    ['fxch', 'st0,fpu', 'D9 C8+r'],
    ['fxch', '', 'D9 C9'],
    ['fcom', 'm32', 'D8 /2'],
    ['fcom', 'm64', 'DC /2'],
    ['fcom', 'fpu', 'D8 D0+r'],
    ['fcom', 'st0,fpu', 'D8 D0+r'],
    ['fcom', '', 'D8 D1'],
    ['fcomp', 'm32', 'D8 /3'],
    ['fcomp', 'm64', 'DC /3'],
    ['fcomp', 'fpu', 'D8 D8+r'],
    ['fcomp', 'st0,fpu', 'D8 D8+r'],
    ['fcomp', '', 'D8 D9'],
    ['fcompp', '', 'DE D9'],
    ['fucom', 'fpu', 'DD E0+r'],
    ['fucom', 'st0,fpu', 'DD E0+r'],
    ['fucom', '', 'DD E1'],
    ['fucomp', 'fpu', 'DD E8+r'],
    ['fucomp', 'st0,fpu', 'DD E8+r'],
    ['fucomp', '', 'DD E9'],
    ['ficom', 'm16', 'DE /2'],
    ['ficom', 'm32', 'DA /2'],
    ['ficomp', 'm16', 'DE /3'],
    ['ficomp', 'm32', 'DA /3'],
    ['fbld', 'm80', 'DF /4', 'unsizedok smem'],
    ['fbstp', 'm80', 'DF /6', 'unsizedok smem'],
    // 8087/287 control instructions that later CPUs execute as no-ops.
    ['feni', '', '9B DB E0'],
    ['fneni', '', 'DB E0'],
    ['fdisi', '', '9B DB E1'],
    ['fndisi', '', 'DB E1'],
    ['fsetpm', '', 'DB E4'],
    ['fucompp', '', 'DA E9'],
    ['fcomi', 'st0,fpu', 'DB F0+r'],
    ['fcomi', 'fpu', 'DB F0+r'],
    ['fcomip', 'st0,fpu', 'DF F0+r'],
    ['fcomip', 'fpu', 'DF F0+r'],
    ['fucomi', 'st0,fpu', 'DB E8+r'],
    ['fucomi', 'fpu', 'DB E8+r'],
    ['fucomip', 'st0,fpu', 'DF E8+r'],
    ['fucomip', 'fpu', 'DF E8+r'],
    // Without operands: compared with st1.
    ['fcomi', '', 'DB F1'], ['fcomip', '', 'DF F1'], ['fucomi', '', 'DB E9'], ['fucomip', '', 'DF E9'],
    ['ffree', 'fpu', 'DD C0+r'],
    ['ffree', '', 'DD C1'],
    ['fldcw', 'm16', 'D9 /5', 'unsizedok smem'],
    ['fnstcw', 'm16', 'D9 /7', 'unsizedok smem'],
    ['fstcw', 'm16', '9B D9 /7', 'unsizedok smem'],
    ['fnstsw', 'ax', 'DF E0'],
    ['fnstsw', 'm16', 'DD /7', 'unsizedok smem'],
    ['fstsw', 'ax', '9B DF E0'],
    ['fstsw', 'm16', '9B DD /7', 'unsizedok smem'],
    ['fnstenv', 'm', 'D9 /6'],
    ['fstenv', 'm', '9B D9 /6'],
    ['fldenv', 'm', 'D9 /4'],
    ['fnsave', 'm', 'DD /6'],
    ['fsave', 'm', '9B DD /6'],
    ['frstor', 'm', 'DD /4'],
    ['finit', '', '9B DB E3'],
    ['fninit', '', 'DB E3'],
    ['fclex', '', '9B DB E2'],
    ['fnclex', '', 'DB E2'],
    ['fwait', '', '9B'],
    ['wait', '', '9B'],
    ['fnop', '', 'D9 D0'],
    ['fchs', '', 'D9 E0'],
    ['fabs', '', 'D9 E1'],
    ['ftst', '', 'D9 E4'],
    ['fxam', '', 'D9 E5'],
    ['fld1', '', 'D9 E8'],
    ['fldl2t', '', 'D9 E9'],
    ['fldl2e', '', 'D9 EA'],
    ['fldpi', '', 'D9 EB'],
    ['fldlg2', '', 'D9 EC'],
    ['fldln2', '', 'D9 ED'],
    ['fldz', '', 'D9 EE'],
    ['f2xm1', '', 'D9 F0'],
    ['fyl2x', '', 'D9 F1'],
    ['fptan', '', 'D9 F2'],
    ['fpatan', '', 'D9 F3'],
    ['fxtract', '', 'D9 F4'],
    ['fprem1', '', 'D9 F5'],
    ['fdecstp', '', 'D9 F6'],
    ['fincstp', '', 'D9 F7'],
    ['fprem', '', 'D9 F8'],
    ['fyl2xp1', '', 'D9 F9'],
    ['fsqrt', '', 'D9 FA'],
    ['fsincos', '', 'D9 FB'],
    ['frndint', '', 'D9 FC'],
    ['fscale', '', 'D9 FD'],
    ['fsin', '', 'D9 FE'],
    ['fcos', '', 'D9 FF'],
  );
  // Conditional moves (P6): st0 <- st(i) when the condition holds.
  (
    [
      ['b', 'DA C0'], ['e', 'DA C8'], ['be', 'DA D0'], ['u', 'DA D8'], ['nb', 'DB C0'], ['ne', 'DB C8'], ['nbe', 'DB D0'], ['nu', 'DB D8'],
    ] as [string, string][]
  ).forEach(([cc, op]) => {
    // Without operands: st0 <- st1, as NASM reads it.
    const st1 = `${op.slice(0, 3)}${h(parseInt(op.slice(3), 16) + 1)}`;
    rows.push(['fcmov' + cc, 'st0,fpu', `${op}+r`], ['fcmov' + cc, 'fpu', `${op}+r`], ['fcmov' + cc, '', st1]);
  });
  return rows;
}

// SSE/SSE2 register-or-memory ops: [mnemonic, mandatory prefix ('' | 66 | F2 | F3), opcode, rm pattern]
const SSE_ARITH: [string, string, number, string][] = [];
(
  [
    ['add', 0x58], ['mul', 0x59], ['sub', 0x5c], ['min', 0x5d], ['div', 0x5e], ['max', 0x5f], ['sqrt', 0x51],
  ] as [string, number][]
).forEach(([op, opc]) => {
  SSE_ARITH.push([op + 'ps', '', opc, 'xmm/m128'], [op + 'pd', '66', opc, 'xmm/m128'], [op + 'ss', 'F3', opc, 'xmm/m32'], [op + 'sd', 'F2', opc, 'xmm/m64']);
});
(
  [
    ['and', 0x54], ['andn', 0x55], ['or', 0x56], ['xor', 0x57], ['unpckl', 0x14], ['unpckh', 0x15],
  ] as [string, number][]
).forEach(([op, opc]) => {
  SSE_ARITH.push([op + 'ps', '', opc, 'xmm/m128'], [op + 'pd', '66', opc, 'xmm/m128']);
});
SSE_ARITH.push(
  ['rcpps', '', 0x53, 'xmm/m128'], ['rcpss', 'F3', 0x53, 'xmm/m32'], ['rsqrtps', '', 0x52, 'xmm/m128'], ['rsqrtss', 'F3', 0x52, 'xmm/m32'],
  ['ucomiss', '', 0x2e, 'xmm/m32'], ['ucomisd', '66', 0x2e, 'xmm/m64'], ['comiss', '', 0x2f, 'xmm/m32'], ['comisd', '66', 0x2f, 'xmm/m64'],
  ['cvtps2pd', '', 0x5a, 'xmm/m64'], ['cvtpd2ps', '66', 0x5a, 'xmm/m128'], ['cvtss2sd', 'F3', 0x5a, 'xmm/m32'], ['cvtsd2ss', 'F2', 0x5a, 'xmm/m64'],
  ['cvtdq2ps', '', 0x5b, 'xmm/m128'], ['cvtps2dq', '66', 0x5b, 'xmm/m128'], ['cvttps2dq', 'F3', 0x5b, 'xmm/m128'],
  ['cvtdq2pd', 'F3', 0xe6, 'xmm/m64'], ['cvtpd2dq', 'F2', 0xe6, 'xmm/m128'], ['cvttpd2dq', '66', 0xe6, 'xmm/m128'],
);
// Packed integer ops (SSE2, 66 prefix).
(
  [
    ['paddb', 0xfc], ['paddw', 0xfd], ['paddd', 0xfe], ['paddq', 0xd4], ['psubb', 0xf8], ['psubw', 0xf9], ['psubd', 0xfa], ['psubq', 0xfb],
    ['paddsb', 0xec], ['paddsw', 0xed], ['paddusb', 0xdc], ['paddusw', 0xdd], ['psubsb', 0xe8], ['psubsw', 0xe9], ['psubusb', 0xd8], ['psubusw', 0xd9],
    ['pand', 0xdb], ['pandn', 0xdf], ['por', 0xeb], ['pxor', 0xef], ['pcmpeqb', 0x74], ['pcmpeqw', 0x75], ['pcmpeqd', 0x76],
    ['pcmpgtb', 0x64], ['pcmpgtw', 0x65], ['pcmpgtd', 0x66], ['pmullw', 0xd5], ['pmulhw', 0xe5], ['pmulhuw', 0xe4], ['pmuludq', 0xf4], ['pmaddwd', 0xf5],
    ['punpcklbw', 0x60], ['punpcklwd', 0x61], ['punpckldq', 0x62], ['punpcklqdq', 0x6c], ['punpckhbw', 0x68], ['punpckhwd', 0x69], ['punpckhdq', 0x6a], ['punpckhqdq', 0x6d],
    ['packsswb', 0x63], ['packuswb', 0x67], ['packssdw', 0x6b], ['pminub', 0xda], ['pmaxub', 0xde], ['pminsw', 0xea], ['pmaxsw', 0xee], ['pavgb', 0xe0], ['pavgw', 0xe3], ['psadbw', 0xf6],
    ['psllw', 0xf1], ['pslld', 0xf2], ['psllq', 0xf3], ['psrlw', 0xd1], ['psrld', 0xd2], ['psrlq', 0xd3], ['psraw', 0xe1], ['psrad', 0xe2],
  ] as [string, number][]
).forEach(([mn, opc]) => SSE_ARITH.push([mn, '66', opc, 'xmm/m128']));

// SSE3, SSSE3 and SSE4 register/memory forms: [mnemonic, prefix, opcode bytes, rm pattern, imm8?]
const SSE_EXT: [string, string, string, string, boolean?][] = [
  ['haddps', 'F2', '0F 7C', 'xmm/m128'], ['hsubps', 'F2', '0F 7D', 'xmm/m128'], ['haddpd', '66', '0F 7C', 'xmm/m128'], ['hsubpd', '66', '0F 7D', 'xmm/m128'],
  ['addsubps', 'F2', '0F D0', 'xmm/m128'], ['addsubpd', '66', '0F D0', 'xmm/m128'], ['movddup', 'F2', '0F 12', 'xmm/m64'],
  ['movshdup', 'F3', '0F 16', 'xmm/m128'], ['movsldup', 'F3', '0F 12', 'xmm/m128'],
  ...(
    [
      ['pshufb', 0x00], ['phaddw', 0x01], ['phaddd', 0x02], ['phaddsw', 0x03], ['pmaddubsw', 0x04], ['phsubw', 0x05], ['phsubd', 0x06],
      ['phsubsw', 0x07], ['psignb', 0x08], ['psignw', 0x09], ['psignd', 0x0a], ['pmulhrsw', 0x0b], ['pabsb', 0x1c], ['pabsw', 0x1d], ['pabsd', 0x1e],
      ['ptest', 0x17], ['pcmpeqq', 0x29], ['packusdw', 0x2b], ['pcmpgtq', 0x37], ['pminsb', 0x38], ['pminsd', 0x39], ['pminuw', 0x3a], ['pminud', 0x3b],
      ['pmaxsb', 0x3c], ['pmaxsd', 0x3d], ['pmaxuw', 0x3e], ['pmaxud', 0x3f], ['pmulld', 0x40], ['phminposuw', 0x41], ['pmuldq', 0x28],
    ] as [string, number][]
  ).map(([mn, op]): [string, string, string, string] => [mn, '66', `0F 38 ${h(op)}`, 'xmm/m128']),
  ...(
    [
      ['pmovsxbw', 0x20, 'xmm/m64'], ['pmovsxbd', 0x21, 'xmm/m32'], ['pmovsxbq', 0x22, 'xmm/m16'], ['pmovsxwd', 0x23, 'xmm/m64'], ['pmovsxwq', 0x24, 'xmm/m32'],
      ['pmovsxdq', 0x25, 'xmm/m64'], ['pmovzxbw', 0x30, 'xmm/m64'], ['pmovzxbd', 0x31, 'xmm/m32'], ['pmovzxbq', 0x32, 'xmm/m16'], ['pmovzxwd', 0x33, 'xmm/m64'],
      ['pmovzxwq', 0x34, 'xmm/m32'], ['pmovzxdq', 0x35, 'xmm/m64'],
    ] as [string, number, string][]
  ).map(([mn, op, rm]): [string, string, string, string] => [mn, '66', `0F 38 ${h(op)}`, rm]),
  ...(
    [
      ['roundps', 0x08, 'xmm/m128'], ['roundpd', 0x09, 'xmm/m128'], ['roundss', 0x0a, 'xmm/m32'], ['roundsd', 0x0b, 'xmm/m64'], ['blendps', 0x0c, 'xmm/m128'],
      ['blendpd', 0x0d, 'xmm/m128'], ['pblendw', 0x0e, 'xmm/m128'], ['palignr', 0x0f, 'xmm/m128'], ['dpps', 0x40, 'xmm/m128'], ['dppd', 0x41, 'xmm/m128'],
      ['mpsadbw', 0x42, 'xmm/m128'], ['pcmpestrm', 0x60, 'xmm/m128'], ['pcmpestri', 0x61, 'xmm/m128'], ['pcmpistrm', 0x62, 'xmm/m128'], ['pcmpistri', 0x63, 'xmm/m128'],
    ] as [string, number, string][]
  ).map(([mn, op, rm]): [string, string, string, string, boolean] => [mn, '66', `0F 3A ${h(op)}`, rm, true]),
];

/** Integer ops that also exist on MMX registers (the same opcode without the 66 prefix). */
const MMX_ARITH = new Set([
  'paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'paddsb', 'paddsw', 'paddusb', 'paddusw', 'psubsb', 'psubsw', 'psubusb', 'psubusw',
  'pand', 'pandn', 'por', 'pxor', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd',
  'punpcklbw', 'punpcklwd', 'punpckldq', 'punpckhbw', 'punpckhwd', 'punpckhdq', 'packsswb', 'packuswb', 'packssdw',
  'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pavgb', 'pavgw', 'psadbw', 'psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad',
]);

function mmx(): RawRow[] {
  const rows: RawRow[] = [];
  for (const [mn, p, opc] of SSE_ARITH) if (p === '66' && MMX_ARITH.has(mn)) rows.push([mn, 'mmx,mmx/m64', `0F ${h(opc)} /r`]);
  // Shifts by an immediate: 0F 71/72/73 /n ib.
  (
    [
      ['psrlw', 0x71, 2], ['psraw', 0x71, 4], ['psllw', 0x71, 6], ['psrld', 0x72, 2], ['psrad', 0x72, 4], ['pslld', 0x72, 6], ['psrlq', 0x73, 2], ['psllq', 0x73, 6],
    ] as [string, number, number][]
  ).forEach(([mn, opc, n]) => rows.push([mn, 'mmx,imm8', `0F ${h(opc)} /${n} ib`]));
  rows.push(
    ['movd', 'mmx,rm32', '0F 6E /r'], ['movd', 'rm32,mmx', '0F 7E /r'],
    ['movq', 'mmx,mmx/m64', '0F 6F /r', 'smem'], ['movq', 'mmx/m64,mmx', '0F 7F /r'],
    ['movq', 'mmx,rm64', 'o64 0F 6E /r'], ['movq', 'rm64,mmx', 'o64 0F 7E /r'],
    // NASM takes `movd mm0, rax` as the movq encoding.
    ['movd', 'mmx,~r64', 'o64 0F 6E /r', 'long'], ['movd', '~r64,mmx', 'o64 0F 7E /r', 'long'],
    ['movd', 'mmx,m64', 'o64 0F 6E /r', 'long sizedonly'], ['movd', 'm64,mmx', 'o64 0F 7E /r', 'long sizedonly'],
  );
  return rows;
}

/**
 * AMD 3DNow! (with its Athlon and Geode additions) and Cyrix's EMMI extensions to MMX. 3DNow! is
 * `0F 0F /r` followed by a byte that selects the operation (AMD's 3DNow! Technology Manual);
 * NASM names AMD's `pmulhrw` `pmulhrwa` and Cyrix's (0F 59) `pmulhrwc`. All take a qword operand:
 * any other size keyword is NASM's "mismatch in operand sizes" (`smem`).
 */
function amd3dnow(): RawRow[] {
  const rows: RawRow[] = (
    [
      ['pi2fw', 0x0c], ['pi2fd', 0x0d], ['pf2iw', 0x1c], ['pf2id', 0x1d], ['pfrcpv', 0x86], ['pfrsqrtv', 0x87], ['pfnacc', 0x8a], ['pfpnacc', 0x8e],
      ['pfcmpge', 0x90], ['pfmin', 0x94], ['pfrcp', 0x96], ['pfrsqrt', 0x97], ['pfsub', 0x9a], ['pfadd', 0x9e], ['pfcmpgt', 0xa0], ['pfmax', 0xa4],
      ['pfrcpit1', 0xa6], ['pfrsqit1', 0xa7], ['pfsubr', 0xaa], ['pfacc', 0xae], ['pfcmpeq', 0xb0], ['pfmul', 0xb4], ['pfrcpit2', 0xb6],
      ['pmulhrwa', 0xb7], ['pswapd', 0xbb], ['pavgusb', 0xbf],
    ] as [string, number][]
  ).map(([mn, op]): RawRow => [mn, 'mmx,mmx/m64', `0F 0F /r ${h(op)}`, 'smem']);
  // Cyrix EMMI: the pmv* moves and pdistib/pmachriw read memory only (NASM gives the last two an
  // address of no size, which takes no size keyword).
  for (const [mn, op] of [['paveb', 0x50], ['paddsiw', 0x51], ['pmagw', 0x52], ['psubsiw', 0x55], ['pmulhrwc', 0x59], ['pmulhriw', 0x5d]] as [string, number][]) {
    rows.push([mn, 'mmx,mmx/m64', `0F ${h(op)} /r`, 'smem']);
  }
  for (const [mn, op] of [['pmvzb', 0x58], ['pmvnzb', 0x5a], ['pmvlzb', 0x5b], ['pmvgezb', 0x5c]] as [string, number][]) {
    rows.push([mn, 'mmx,m64', `0F ${h(op)} /r`, 'smem unsizedok']);
  }
  rows.push(['pdistib', 'mmx,m', '0F 54 /r'], ['pmachriw', 'mmx,m', '0F 5E /r']);
  rows.push(['prefetch', 'm64', '0F 0D /0', 'smem unsizedok'], ['prefetchw', 'm64', '0F 0D /1', 'smem unsizedok']);
  return rows;
}

/** AMD SSE4a (AMD's APM vol. 4): bit-field extract/insert and scalar non-temporal stores; no `cpu` level in NASM. */
function sse4a(): RawRow[] {
  return [
    ['extrq', 'xmm,imm,imm', '66 0F 78 /0 ib ib', 'anycpu unsizedimm smem'], ['extrq', 'xmm,xmm', '66 0F 79 /r', 'anycpu'],
    ['insertq', 'xmm,xmm,imm,imm', 'F2 0F 78 /r ib ib', 'anycpu unsizedimm smem'], ['insertq', 'xmm,xmm', 'F2 0F 79 /r', 'anycpu'],
    ['movntsd', 'm64,xmm', 'F2 0F 2B /r', 'anycpu unsizedok'], ['movntss', 'm32,xmm', 'F3 0F 2B /r', 'anycpu unsizedok'],
  ];
}

/**
 * SSE4.1 inserts/extracts and variable blends, the MMX/SSE conversions and moves between mm and
 * xmm registers, AES-NI, PCLMULQDQ and SHA. The 0F 38 / 0F 3A rows carry no `cpu` level in NASM
 * 2.16.01 (`anycpu`), like the other SSSE3/SSE4 rows.
 */
function sseExtras(): RawRow[] {
  const rows: RawRow[] = [
    // pinsr*/pextr*: a general register goes in ModRM.rm; a 64-bit one only widens the q forms and pinsrw/pextrw.
    ['pinsrb', 'xmm,~r32,imm8', '66 0F 3A 20 /r ib', 'anycpu'], ['pinsrb', 'xmm,m8,imm8', '66 0F 3A 20 /r ib', 'anycpu'],
    // NASM 2.16.01 also takes a byte register by its number alone, without REX, in every mode (`sil` is encoded as 6).
    ['pinsrb', 'xmm,~r8,imm8', '66 0F 3A 20 /r ib', 'anycpu anymode norex8'],
    ['pinsrw', 'xmm,~r32,imm8', '66 0F C4 /r ib'], ['pinsrw', 'xmm,~r16,imm8', '66 0F C4 /r ib'], ['pinsrw', 'xmm,~r64,imm8', '66 o64 0F C4 /r ib'],
    ['pinsrw', 'xmm,m16,imm8', '66 0F C4 /r ib'],
    ['pinsrw', 'mmx,~r32,imm8', '0F C4 /r ib'], ['pinsrw', 'mmx,~r16,imm8', '0F C4 /r ib'], ['pinsrw', 'mmx,m16,imm8', '0F C4 /r ib'],
    ['pinsrd', 'xmm,rm32,imm8', '66 0F 3A 22 /r ib', 'anycpu'], ['pinsrq', 'xmm,rm64,imm8', '66 o64 0F 3A 22 /r ib', 'anycpu'],
    ['pextrb', '~r32,xmm,imm8', '66 0F 3A 14 /r ib', 'anycpu'], ['pextrb', '~r64,xmm,imm8', '66 0F 3A 14 /r ib', 'anycpu long'],
    ['pextrb', 'm8,xmm,imm8', '66 0F 3A 14 /r ib', 'anycpu'],
    ['pextrw', 'r32,xmm,imm8', '66 0F C5 /r ib'], ['pextrw', 'r64,xmm,imm8', '66 o64 0F C5 /r ib'], ['pextrw', 'm16,xmm,imm8', '66 0F 3A 15 /r ib', 'anycpu'],
    // Below `cpu p4` NASM falls back to the SSE4.1 encoding for the register form too.
    ['pextrw', '~r32,xmm,imm8', '66 0F 3A 15 /r ib', 'anycpu'],
    ['pextrw', 'r32,mmx,imm8', '0F C5 /r ib'],
    ['pextrd', 'rm32,xmm,imm8', '66 0F 3A 16 /r ib', 'anycpu'], ['pextrq', 'rm64,xmm,imm8', '66 o64 0F 3A 16 /r ib', 'anycpu'],
    ['insertps', 'xmm,xmm/m32,imm8', '66 0F 3A 21 /r ib', 'anycpu'],
    ['extractps', 'rm32,xmm,imm8', '66 0F 3A 17 /r ib', 'anycpu'], ['extractps', '~r64,xmm,imm8', '66 o64 0F 3A 17 /r ib', 'anycpu'],
    ['movntdqa', 'xmm,m128', '66 0F 38 2A /r', 'anycpu unsizedok'],
    ['pshufw', 'mmx,mmx/m64,imm8', '0F 70 /r ib'],
    ['maskmovq', 'mmx,mmx', '0F F7 /r'], ['maskmovdqu', 'xmm,xmm', '66 0F F7 /r'],
    ['movntq', 'm64,mmx', '0F E7 /r'], ['pmovmskb', 'r32,mmx', '0F D7 /r'],
    ['cvtpi2ps', 'xmm,mmx/m64', '0F 2A /r'], ['cvtpi2pd', 'xmm,mmx/m64', '66 0F 2A /r'],
    ['cvtps2pi', 'mmx,xmm/m64', '0F 2D /r'], ['cvttps2pi', 'mmx,xmm/m64', '0F 2C /r'],
    ['cvtpd2pi', 'mmx,xmm/m128', '66 0F 2D /r'], ['cvttpd2pi', 'mmx,xmm/m128', '66 0F 2C /r'],
    ['movq2dq', 'xmm,mmx', 'F3 0F D6 /r'], ['movdq2q', 'mmx,xmm', 'F2 0F D6 /r'],
  ];
  // Variable blends: the mask is always xmm0, which may be written as a third operand.
  for (const [mn, op] of [['pblendvb', '10'], ['blendvps', '14'], ['blendvpd', '15']]) {
    rows.push([mn, 'xmm,xmm/m128', `66 0F 38 ${op} /r`, 'anycpu'], [mn, 'xmm,xmm/m128,xmm0', `66 0F 38 ${op} /r`, 'anycpu']);
  }
  // AES-NI and carry-less multiply (their `cpu` levels are in encoder.ts, as for other named extensions).
  for (const [mn, op] of [['aesimc', 'DB'], ['aesenc', 'DC'], ['aesenclast', 'DD'], ['aesdec', 'DE'], ['aesdeclast', 'DF']]) {
    rows.push([mn, 'xmm,xmm/m128', `66 0F 38 ${op} /r`]);
  }
  rows.push(['aeskeygenassist', 'xmm,xmm/m128,imm8', '66 0F 3A DF /r ib'], ['pclmulqdq', 'xmm,xmm/m128,imm8', '66 0F 3A 44 /r ib']);
  // pclmulXXXdq: the immediate picks the low/high quadword of each source.
  for (const [mn, imm] of [['pclmullqlqdq', '00'], ['pclmulhqlqdq', '01'], ['pclmullqhqdq', '10'], ['pclmulhqhqdq', '11']]) {
    rows.push([mn, 'xmm,xmm/m128', `66 0F 3A 44 /r ${imm}`]);
  }
  // SHA: no mandatory prefix; sha256rnds2's implicit xmm0 may be written.
  rows.push(['sha1rnds4', 'xmm,xmm/m128,imm8', '0F 3A CC /r ib']);
  for (const [mn, op] of [['sha1nexte', 'C8'], ['sha1msg1', 'C9'], ['sha1msg2', 'CA'], ['sha256rnds2', 'CB'], ['sha256msg1', 'CC'], ['sha256msg2', 'CD']]) {
    rows.push([mn, 'xmm,xmm/m128', `0F 38 ${op} /r`]);
  }
  rows.push(['sha256rnds2', 'xmm,xmm/m128,xmm0', '0F 38 CB /r']);
  return rows;
}

const SSSE3_MMX = new Set([
  'pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb', 'psignw', 'psignd', 'pmulhrsw', 'pabsb', 'pabsw', 'pabsd', 'palignr',
]);

function sse(): RawRow[] {
  const rows: RawRow[] = [];
  // NASM 2.16.01 applies no `cpu` level to the SSSE3/SSE4 (0F 38 / 0F 3A) rows: flag `anycpu`.
  for (const [mn, p, opc, rm, imm] of SSE_EXT) {
    rows.push([mn, `xmm,${rm}${imm ? ',imm8' : ''}`, `${p} ${opc} /r${imm ? ' ib' : ''}`, opc.startsWith('0F 3') ? 'anycpu' : '']);
  }
  rows.push(['lddqu', 'xmm,m128', 'F2 0F F0 /r', 'unsizedok']);
  // SSSE3 on MMX registers: the 0F 38 / 0F 3A opcodes without the 66 prefix.
  for (const [mn, p, opc, , imm] of SSE_EXT) {
    if (p === '66' && SSSE3_MMX.has(mn)) rows.push([mn, `mmx,mmx/m64${imm ? ',imm8' : ''}`, `${opc} /r${imm ? ' ib' : ''}`, 'anycpu smem']);
  }
  const pre = (p: string): string => (p ? p + ' ' : '');
  for (const [mn, p, opc, rm] of SSE_ARITH) rows.push([mn, `xmm,${rm}`, `${pre(p)}0F ${h(opc)} /r`]);
  // Moves: load form first (NASM picks it for register-to-register).
  (
    [
      ['movaps', '', 0x28, 0x29, 'xmm/m128'], ['movapd', '66', 0x28, 0x29, 'xmm/m128'],
      ['movups', '', 0x10, 0x11, 'xmm/m128'], ['movupd', '66', 0x10, 0x11, 'xmm/m128'],
      ['movdqa', '66', 0x6f, 0x7f, 'xmm/m128'], ['movdqu', 'F3', 0x6f, 0x7f, 'xmm/m128'],
      ['movss', 'F3', 0x10, 0x11, 'xmm/m32'], ['movsd', 'F2', 0x10, 0x11, 'xmm/m64'],
    ] as [string, string, number, number, string][]
  ).forEach(([mn, p, ld, st, rm]) => {
    rows.push([mn, `xmm,${rm}`, `${pre(p)}0F ${h(ld)} /r`], [mn, `${rm.replace('xmm/', '')},xmm`, `${pre(p)}0F ${h(st)} /r`]);
  });
  rows.push(
    ['movlps', 'xmm,m64', '0F 12 /r'], ['movlps', 'm64,xmm', '0F 13 /r'], ['movhps', 'xmm,m64', '0F 16 /r'], ['movhps', 'm64,xmm', '0F 17 /r'],
    ['movlpd', 'xmm,m64', '66 0F 12 /r'], ['movlpd', 'm64,xmm', '66 0F 13 /r'], ['movhpd', 'xmm,m64', '66 0F 16 /r'], ['movhpd', 'm64,xmm', '66 0F 17 /r'],
    ['movhlps', 'xmm,xmm', '0F 12 /r'], ['movlhps', 'xmm,xmm', '0F 16 /r'],
    ['movntps', 'm128,xmm', '0F 2B /r'], ['movntpd', 'm128,xmm', '66 0F 2B /r'], ['movntdq', 'm128,xmm', '66 0F E7 /r'],
    ['movnti', 'm32,r32', '0F C3 /r'], ['movnti', 'm64,r64', 'o64 0F C3 /r'],
    ['movmskps', 'r32,xmm', '0F 50 /r'], ['movmskpd', 'r32,xmm', '66 0F 50 /r'], ['pmovmskb', 'r32,xmm', '66 0F D7 /r'],
    ['movmskps', 'r64,xmm', 'o64 0F 50 /r', 'long'], ['movmskpd', 'r64,xmm', '66 o64 0F 50 /r', 'long'],
    ['movd', 'xmm,rm32', '66 0F 6E /r', 'smem'], ['movd', 'rm32,xmm', '66 0F 7E /r', 'smem'],
    ['movq', 'xmm,xmm/m64', 'F3 0F 7E /r', 'smem'], ['movq', 'm64,xmm', '66 0F D6 /r'],
    ['movq', 'xmm,rm64', '66 o64 0F 6E /r'], ['movq', 'rm64,xmm', '66 o64 0F 7E /r'],
    ['cvtsi2sd', 'xmm,rm32', 'F2 0F 2A /r', 'unsizedok smem'], ['cvtsi2sd', 'xmm,rm64', 'F2 o64 0F 2A /r'],
    ['cvtsi2ss', 'xmm,rm32', 'F3 0F 2A /r', 'unsizedok smem'], ['cvtsi2ss', 'xmm,rm64', 'F3 o64 0F 2A /r'],
    ['cvttsd2si', 'r32,xmm/m64', 'F2 0F 2C /r'], ['cvttsd2si', 'r64,xmm/m64', 'F2 o64 0F 2C /r'],
    ['cvtsd2si', 'r32,xmm/m64', 'F2 0F 2D /r'], ['cvtsd2si', 'r64,xmm/m64', 'F2 o64 0F 2D /r'],
    ['cvttss2si', 'r32,xmm/m32', 'F3 0F 2C /r'], ['cvttss2si', 'r64,xmm/m32', 'F3 o64 0F 2C /r'],
    ['cvtss2si', 'r32,xmm/m32', 'F3 0F 2D /r'], ['cvtss2si', 'r64,xmm/m32', 'F3 o64 0F 2D /r'],
    ['shufps', 'xmm,xmm/m128,imm8', '0F C6 /r ib'], ['shufpd', 'xmm,xmm/m128,imm8', '66 0F C6 /r ib'],
    ['pshufd', 'xmm,xmm/m128,imm8', '66 0F 70 /r ib'], ['pshufhw', 'xmm,xmm/m128,imm8', 'F3 0F 70 /r ib'], ['pshuflw', 'xmm,xmm/m128,imm8', 'F2 0F 70 /r ib'],
    ['cmpps', 'xmm,xmm/m128,imm8', '0F C2 /r ib'], ['cmppd', 'xmm,xmm/m128,imm8', '66 0F C2 /r ib'],
    ['cmpss', 'xmm,xmm/m32,imm8', 'F3 0F C2 /r ib'], ['cmpsd', 'xmm,xmm/m64,imm8', 'F2 0F C2 /r ib'],
    ...(['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'] as const).flatMap((cc, n): RawRow[] => [
      [`cmp${cc}ps`, 'xmm,xmm/m128', `0F C2 /r ${h(n)}`],
      [`cmp${cc}pd`, 'xmm,xmm/m128', `66 0F C2 /r ${h(n)}`],
      [`cmp${cc}ss`, 'xmm,xmm/m32', `F3 0F C2 /r ${h(n)}`],
      [`cmp${cc}sd`, 'xmm,xmm/m64', `F2 0F C2 /r ${h(n)}`],
    ]),
    ['psllw', 'xmm,imm8', '66 0F 71 /6 ib'], ['psraw', 'xmm,imm8', '66 0F 71 /4 ib'], ['psrlw', 'xmm,imm8', '66 0F 71 /2 ib'],
    ['pslld', 'xmm,imm8', '66 0F 72 /6 ib'], ['psrad', 'xmm,imm8', '66 0F 72 /4 ib'], ['psrld', 'xmm,imm8', '66 0F 72 /2 ib'],
    ['psllq', 'xmm,imm8', '66 0F 73 /6 ib'], ['psrlq', 'xmm,imm8', '66 0F 73 /2 ib'], ['pslldq', 'xmm,imm8', '66 0F 73 /7 ib'], ['psrldq', 'xmm,imm8', '66 0F 73 /3 ib'],
    ['fxsave', 'm', '0F AE /0'], ['fxrstor', 'm', '0F AE /1'], ['fxsave64', 'm', 'o64 0F AE /0'], ['fxrstor64', 'm', 'o64 0F AE /1'],
    ['ldmxcsr', 'm32', '0F AE /2', 'unsizedok'], ['stmxcsr', 'm32', '0F AE /3', 'unsizedok'],
    ['xsave', 'm', '0F AE /4'], ['xrstor', 'm', '0F AE /5'], ['xsave64', 'm', 'o64 0F AE /4'], ['xrstor64', 'm', 'o64 0F AE /5'],
    ['clflush', 'm', '0F AE /7'],
    ['prefetchnta', 'm8', '0F 18 /0', 'unsizedok'], ['prefetcht0', 'm8', '0F 18 /1', 'unsizedok'], ['prefetcht1', 'm8', '0F 18 /2', 'unsizedok'], ['prefetcht2', 'm8', '0F 18 /3', 'unsizedok'],
    ['prefetchwt1', 'm8', '0F 0D /2', 'unsizedok'],
  );
  return rows;
}

// ---------- VEX (AVX, AVX2, FMA, F16C, BMI1/2) ----------
// Encoding token `VEX.L.pp.map.W` (Intel's notation: L 128/256/LIG/LZ, pp none/66/F3/F2, map
// 0F/0F38/0F3A, W W0/W1/WIG), then the opcode byte. Operand `vxmm`/`vymm`/`vr32`/`vr64` is the
// register in VEX.vvvv; a trailing `*` lets it be left out (it is then the first operand, as NASM
// allows: `vaddps xmm1, xmm2`); `is4xmm`/`is4ymm` is a register in the immediate's high nibble.
// AVX rows rank as `cpu sandybridge`; rows flagged `avx2` (AVX2, FMA, BMI) as Haswell.

/** SSE mnemonics whose VEX form has no VEX.vvvv source (one source operand). */
const VEX_UNARY = new Set(['sqrtps', 'sqrtpd', 'rcpps', 'rsqrtps', 'ptest', 'pabsb', 'pabsw', 'pabsd', 'phminposuw', 'movshdup', 'movsldup']);
/** SSE mnemonics with a different VEX shape, written out below. */
const VEX_OWN = new Set([
  'ucomiss', 'ucomisd', 'comiss', 'comisd', 'cvtps2pd', 'cvtpd2ps', 'cvtss2sd', 'cvtsd2ss', 'cvtdq2ps', 'cvtps2dq', 'cvttps2dq', 'cvtdq2pd', 'cvtpd2dq',
  'cvttpd2dq', 'movddup', 'psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad', 'pcmpestrm', 'pcmpestri', 'pcmpistrm', 'pcmpistri',
]);
/** Packed ops whose 256-bit form is AVX (floating point) rather than AVX2 (integer). */
const isFloatOp = (mn: string): boolean => !mn.startsWith('p') || mn === 'ptest';

function vexField(p: string): string {
  return p ? `${p}.` : '';
}

function avx(): RawRow[] {
  const rows: RawRow[] = [];
  /**
   * Two-source op on 128- and 256-bit vectors; `tail` is ' ib' (an immediate operand) or a fixed
   * byte after ModRM (' 1E'); `only128` for those without a 256-bit form.
   */
  const nds = (mn: string, f: string, op: string, tail = '', only128 = false, avx2 = !isFloatOp(mn)): void => {
    const imm = tail === ' ib' ? ',imm8' : '';
    rows.push([mn, `xmm,vxmm*,xmm/m128${imm}`, `VEX.128.${f} ${op} /r${tail}`]);
    if (!only128) rows.push([mn, `ymm,vymm*,ymm/m256${imm}`, `VEX.256.${f} ${op} /r${tail}`, avx2 ? 'avx2' : '']);
  };
  const unary = (mn: string, f: string, op: string, tail = '', only128 = false, avx2 = !isFloatOp(mn)): void => {
    const imm = tail === ' ib' ? ',imm8' : '';
    rows.push([mn, `xmm,xmm/m128${imm}`, `VEX.128.${f} ${op} /r${tail}`]);
    if (!only128) rows.push([mn, `ymm,ymm/m256${imm}`, `VEX.256.${f} ${op} /r${tail}`, avx2 ? 'avx2' : '']);
  };
  const scalar = (mn: string, f: string, op: string, size: number, tail = ''): void => {
    rows.push([mn, `xmm,vxmm*,xmm/m${size}${tail === ' ib' ? ',imm8' : ''}`, `VEX.LIG.${f} ${op} /r${tail}`]);
  };
  // The SSE/SSE2 arithmetic, logic and integer ops, with the same prefix and opcode.
  for (const [mn, p, opc, rm] of SSE_ARITH) {
    if (VEX_OWN.has(mn)) continue;
    const f = `${vexField(p)}0F.WIG`;
    if (rm !== 'xmm/m128') scalar('v' + mn, f, h(opc), rm === 'xmm/m32' ? 32 : 64);
    else if (VEX_UNARY.has(mn)) unary('v' + mn, f, h(opc));
    else nds('v' + mn, f, h(opc));
  }
  // SSE3, SSSE3 and SSE4.1/4.2 ops from the same table.
  for (const [mn, p, opc, rm, imm] of SSE_EXT) {
    if (VEX_OWN.has(mn)) continue;
    const [, map, op] = /^(0F(?: 38| 3A)?) (\w\w)$/.exec(opc)!;
    const f = `${vexField(p)}${map.replace(' ', '')}.WIG`;
    const tail = imm ? ' ib' : '';
    if (/^pmov[sz]x/.test(mn)) {
      const size = +rm.slice(5);
      rows.push(['v' + mn, `xmm,${rm}`, `VEX.128.${f} ${op} /r`], ['v' + mn, `ymm,xmm/m${size * 2}`, `VEX.256.${f} ${op} /r`, 'avx2']);
    } else if (rm !== 'xmm/m128') scalar('v' + mn, f, op, +rm.slice(5), tail);
    else if (VEX_UNARY.has(mn) || mn.startsWith('round')) unary('v' + mn, f, op, tail, mn === 'phminposuw');
    else nds('v' + mn, f, op, tail, mn === 'dppd');
  }
  for (const mn of ['pcmpestrm', 'pcmpestri', 'pcmpistrm', 'pcmpistri']) {
    unary('v' + mn, '66.0F3A.WIG', { pcmpestrm: '60', pcmpestri: '61', pcmpistrm: '62', pcmpistri: '63' }[mn]!, ' ib', true);
  }
  rows.push(
    ['vucomiss', 'xmm,xmm/m32', 'VEX.LIG.0F.WIG 2E /r'], ['vucomisd', 'xmm,xmm/m64', 'VEX.LIG.66.0F.WIG 2E /r'],
    ['vcomiss', 'xmm,xmm/m32', 'VEX.LIG.0F.WIG 2F /r'], ['vcomisd', 'xmm,xmm/m64', 'VEX.LIG.66.0F.WIG 2F /r'],
    ['vmovddup', 'xmm,xmm/m64', 'VEX.128.F2.0F.WIG 12 /r'], ['vmovddup', 'ymm,ymm/m256', 'VEX.256.F2.0F.WIG 12 /r'],
    // Conversions between vector widths: the narrower side is an xmm register.
    ['vcvtps2pd', 'xmm,xmm/m64', 'VEX.128.0F.WIG 5A /r'], ['vcvtps2pd', 'ymm,xmm/m128', 'VEX.256.0F.WIG 5A /r'],
    ['vcvtpd2ps', 'xmm,xmm/m128', 'VEX.128.66.0F.WIG 5A /r'], ['vcvtpd2ps', 'xmm,ymm/m256', 'VEX.256.66.0F.WIG 5A /r'],
    ['vcvtdq2pd', 'xmm,xmm/m64', 'VEX.128.F3.0F.WIG E6 /r'], ['vcvtdq2pd', 'ymm,xmm/m128', 'VEX.256.F3.0F.WIG E6 /r'],
    ['vcvtpd2dq', 'xmm,xmm/m128', 'VEX.128.F2.0F.WIG E6 /r'], ['vcvtpd2dq', 'xmm,ymm/m256', 'VEX.256.F2.0F.WIG E6 /r'],
    ['vcvttpd2dq', 'xmm,xmm/m128', 'VEX.128.66.0F.WIG E6 /r'], ['vcvttpd2dq', 'xmm,ymm/m256', 'VEX.256.66.0F.WIG E6 /r'],
    ['vcvtss2sd', 'xmm,vxmm*,xmm/m32', 'VEX.LIG.F3.0F.WIG 5A /r'], ['vcvtsd2ss', 'xmm,vxmm*,xmm/m64', 'VEX.LIG.F2.0F.WIG 5A /r'],
    ['vcvtsi2ss', 'xmm,vxmm*,rm32', 'VEX.LIG.F3.0F.W0 2A /r'], ['vcvtsi2ss', 'xmm,vxmm*,rm64', 'VEX.LIG.F3.0F.W1 2A /r', 'long'],
    ['vcvtsi2sd', 'xmm,vxmm*,rm32', 'VEX.LIG.F2.0F.W0 2A /r'], ['vcvtsi2sd', 'xmm,vxmm*,rm64', 'VEX.LIG.F2.0F.W1 2A /r', 'long'],
    ['vcvtss2si', 'r32,xmm/m32', 'VEX.LIG.F3.0F.W0 2D /r'], ['vcvtss2si', 'r64,xmm/m32', 'VEX.LIG.F3.0F.W1 2D /r', 'long'],
    ['vcvttss2si', 'r32,xmm/m32', 'VEX.LIG.F3.0F.W0 2C /r'], ['vcvttss2si', 'r64,xmm/m32', 'VEX.LIG.F3.0F.W1 2C /r', 'long'],
    ['vcvtsd2si', 'r32,xmm/m64', 'VEX.LIG.F2.0F.W0 2D /r'], ['vcvtsd2si', 'r64,xmm/m64', 'VEX.LIG.F2.0F.W1 2D /r', 'long'],
    ['vcvttsd2si', 'r32,xmm/m64', 'VEX.LIG.F2.0F.W0 2C /r'], ['vcvttsd2si', 'r64,xmm/m64', 'VEX.LIG.F2.0F.W1 2C /r', 'long'],
  );
  unary('vcvtdq2ps', '0F.WIG', '5B');
  unary('vcvtps2dq', '66.0F.WIG', '5B');
  unary('vcvttps2dq', 'F3.0F.WIG', '5B');
  // Shifts: by an xmm count (also for ymm data) or by an immediate (the destination is in vvvv).
  for (const [mn, opc] of [['psllw', 'F1'], ['pslld', 'F2'], ['psllq', 'F3'], ['psrlw', 'D1'], ['psrld', 'D2'], ['psrlq', 'D3'], ['psraw', 'E1'], ['psrad', 'E2']]) {
    rows.push(['v' + mn, 'xmm,vxmm*,xmm/m128', `VEX.128.66.0F.WIG ${opc} /r`], ['v' + mn, 'ymm,vymm*,xmm/m128', `VEX.256.66.0F.WIG ${opc} /r`, 'avx2']);
  }
  for (const [mn, opc, n] of [
    ['psrlw', '71', 2], ['psraw', '71', 4], ['psllw', '71', 6], ['psrld', '72', 2], ['psrad', '72', 4], ['pslld', '72', 6],
    ['psrlq', '73', 2], ['psrldq', '73', 3], ['psllq', '73', 6], ['pslldq', '73', 7],
  ] as [string, string, number][]) {
    rows.push(['v' + mn, 'vxmm*,xmm,imm8', `VEX.128.66.0F.WIG ${opc} /${n} ib`], ['v' + mn, 'vymm*,ymm,imm8', `VEX.256.66.0F.WIG ${opc} /${n} ib`, 'avx2']);
  }
  // Moves: the load form first (NASM uses it register to register).
  for (const [mn, f, ld, st] of [
    ['vmovaps', '0F', '28', '29'], ['vmovapd', '66.0F', '28', '29'], ['vmovups', '0F', '10', '11'], ['vmovupd', '66.0F', '10', '11'],
    ['vmovdqa', '66.0F', '6F', '7F'], ['vmovdqu', 'F3.0F', '6F', '7F'],
  ]) {
    rows.push(
      [mn, 'xmm,xmm/m128', `VEX.128.${f}.WIG ${ld} /r`], [mn, 'm128,xmm', `VEX.128.${f}.WIG ${st} /r`],
      [mn, 'ymm,ymm/m256', `VEX.256.${f}.WIG ${ld} /r`], [mn, 'm256,ymm', `VEX.256.${f}.WIG ${st} /r`],
    );
  }
  for (const [mn, f, size] of [['vmovss', 'F3.0F', 32], ['vmovsd', 'F2.0F', 64]] as [string, string, number][]) {
    rows.push([mn, 'xmm,vxmm*,xmm', `VEX.LIG.${f}.WIG 10 /r`], [mn, `xmm,m${size}`, `VEX.LIG.${f}.WIG 10 /r`], [mn, `m${size},xmm`, `VEX.LIG.${f}.WIG 11 /r`]);
  }
  for (const [mn, f, ld] of [['vmovlps', '0F', 0x12], ['vmovhps', '0F', 0x16], ['vmovlpd', '66.0F', 0x12], ['vmovhpd', '66.0F', 0x16]] as [string, string, number][]) {
    rows.push([mn, 'xmm,vxmm*,m64', `VEX.128.${f}.WIG ${h(ld)} /r`], [mn, 'm64,xmm', `VEX.128.${f}.WIG ${h(ld + 1)} /r`]);
  }
  rows.push(
    ['vmovhlps', 'xmm,vxmm*,xmm', 'VEX.128.0F.WIG 12 /r'], ['vmovlhps', 'xmm,vxmm*,xmm', 'VEX.128.0F.WIG 16 /r'],
    ['vmovntps', 'm128,xmm', 'VEX.128.0F.WIG 2B /r'], ['vmovntps', 'm256,ymm', 'VEX.256.0F.WIG 2B /r'],
    ['vmovntpd', 'm128,xmm', 'VEX.128.66.0F.WIG 2B /r'], ['vmovntpd', 'm256,ymm', 'VEX.256.66.0F.WIG 2B /r'],
    ['vmovntdq', 'm128,xmm', 'VEX.128.66.0F.WIG E7 /r'], ['vmovntdq', 'm256,ymm', 'VEX.256.66.0F.WIG E7 /r'],
    ['vmovntdqa', 'xmm,m128', 'VEX.128.66.0F38.WIG 2A /r'], ['vmovntdqa', 'ymm,m256', 'VEX.256.66.0F38.WIG 2A /r', 'avx2'],
    ['vlddqu', 'xmm,m128', 'VEX.128.F2.0F.WIG F0 /r'], ['vlddqu', 'ymm,m256', 'VEX.256.F2.0F.WIG F0 /r'],
    // NASM's names for the 256-bit forms of vlddqu, vmovntdq, vmovdqa and vmovdqu; and VEX maskmovdqu.
    ['vldqqu', 'ymm,m256', 'VEX.256.F2.0F.WIG F0 /r'], ['vmovntqq', 'm256,ymm', 'VEX.256.66.0F.WIG E7 /r'],
    ['vmovqqa', 'ymm,ymm/m256', 'VEX.256.66.0F.WIG 6F /r'], ['vmovqqa', 'm256,ymm', 'VEX.256.66.0F.WIG 7F /r'],
    ['vmovqqu', 'ymm,ymm/m256', 'VEX.256.F3.0F.WIG 6F /r'], ['vmovqqu', 'm256,ymm', 'VEX.256.F3.0F.WIG 7F /r'],
    ['vmaskmovdqu', 'xmm,xmm', 'VEX.128.66.0F.WIG F7 /r'],
    ['vmovmskps', 'r32,xmm', 'VEX.128.0F.WIG 50 /r'], ['vmovmskps', 'r32,ymm', 'VEX.256.0F.WIG 50 /r'],
    ['vmovmskps', 'r64,xmm', 'VEX.128.0F.WIG 50 /r', 'long'], ['vmovmskps', 'r64,ymm', 'VEX.256.0F.WIG 50 /r', 'long'],
    ['vmovmskpd', 'r32,xmm', 'VEX.128.66.0F.WIG 50 /r'], ['vmovmskpd', 'r32,ymm', 'VEX.256.66.0F.WIG 50 /r'],
    ['vmovmskpd', 'r64,xmm', 'VEX.128.66.0F.WIG 50 /r', 'long'], ['vmovmskpd', 'r64,ymm', 'VEX.256.66.0F.WIG 50 /r', 'long'],
    ['vpmovmskb', 'r32,xmm', 'VEX.128.66.0F.WIG D7 /r'], ['vpmovmskb', 'r64,xmm', 'VEX.128.66.0F.WIG D7 /r', 'long'],
    // NASM 2.16.01 takes a 64-bit destination with a ymm source in every mode (no REX.W is needed).
    ['vpmovmskb', 'r32,ymm', 'VEX.256.66.0F.WIG D7 /r', 'avx2'], ['vpmovmskb', 'r64,ymm', 'VEX.256.66.0F.WIG D7 /r', 'avx2 anymode'],
    ['vmovd', 'xmm,rm32', 'VEX.128.66.0F.W0 6E /r'], ['vmovd', 'rm32,xmm', 'VEX.128.66.0F.W0 7E /r'],
    ['vmovq', 'xmm,xmm/m64', 'VEX.128.F3.0F.WIG 7E /r'], ['vmovq', 'm64,xmm', 'VEX.128.66.0F.WIG D6 /r'],
    ['vmovq', 'xmm,rm64', 'VEX.128.66.0F.W1 6E /r', 'long'], ['vmovq', 'rm64,xmm', 'VEX.128.66.0F.W1 7E /r', 'long'],
    ['vshufps', 'xmm,vxmm*,xmm/m128,imm8', 'VEX.128.0F.WIG C6 /r ib'], ['vshufps', 'ymm,vymm*,ymm/m256,imm8', 'VEX.256.0F.WIG C6 /r ib'],
    ['vshufpd', 'xmm,vxmm*,xmm/m128,imm8', 'VEX.128.66.0F.WIG C6 /r ib'], ['vshufpd', 'ymm,vymm*,ymm/m256,imm8', 'VEX.256.66.0F.WIG C6 /r ib'],
    ['vpshufd', 'xmm,xmm/m128,imm8', 'VEX.128.66.0F.WIG 70 /r ib'], ['vpshufd', 'ymm,ymm/m256,imm8', 'VEX.256.66.0F.WIG 70 /r ib', 'avx2'],
    ['vpshufhw', 'xmm,xmm/m128,imm8', 'VEX.128.F3.0F.WIG 70 /r ib'], ['vpshufhw', 'ymm,ymm/m256,imm8', 'VEX.256.F3.0F.WIG 70 /r ib', 'avx2'],
    ['vpshuflw', 'xmm,xmm/m128,imm8', 'VEX.128.F2.0F.WIG 70 /r ib'], ['vpshuflw', 'ymm,ymm/m256,imm8', 'VEX.256.F2.0F.WIG 70 /r ib', 'avx2'],
    ['vldmxcsr', 'm32', 'VEX.LZ.0F.WIG AE /2', 'unsizedok'], ['vstmxcsr', 'm32', 'VEX.LZ.0F.WIG AE /3', 'unsizedok'],
    ['vzeroupper', '', 'VEX.128.0F.WIG 77'], ['vzeroall', '', 'VEX.256.0F.WIG 77'],
  );
  // Compares: the predicate as an immediate, or in the mnemonic (32 predicates with VEX).
  // NASM 2.16.01 sizes the memory operand of vcmp*ss as a qword (`dword` is refused): as NASM here.
  for (const [sfx, f, rm] of [['ps', '0F', 128], ['pd', '66.0F', 128], ['ss', 'F3.0F', 64], ['sd', 'F2.0F', 64]] as [string, string, number][]) {
    const forms = (mn: string, tail: string): void => {
      if (rm === 128) nds(mn, `${f}.WIG`, 'C2', tail, false, false);
      else scalar(mn, `${f}.WIG`, 'C2', rm, tail);
    };
    forms('vcmp' + sfx, ' ib');
    VEX_PREDICATES.forEach((names, n) => {
      for (const name of names.split(' ')) forms(`vcmp${name}${sfx}`, ` ${h(n)}`);
    });
  }
  // Blends, inserts, extracts, broadcasts and permutes.
  for (const [mn, op, only128] of [['vblendvps', '4A', false], ['vblendvpd', '4B', false], ['vpblendvb', '4C', false]] as [string, string, boolean][]) {
    rows.push([mn, 'xmm,vxmm*,xmm/m128,is4xmm', `VEX.128.66.0F3A.W0 ${op} /r is4`]);
    if (!only128) rows.push([mn, 'ymm,vymm*,ymm/m256,is4ymm', `VEX.256.66.0F3A.W0 ${op} /r is4`, mn === 'vpblendvb' ? 'avx2' : '']);
  }
  rows.push(
    ['vinsertps', 'xmm,vxmm*,xmm/m32,imm8', 'VEX.128.66.0F3A.WIG 21 /r ib'],
    ['vextractps', 'rm32,xmm,imm8', 'VEX.128.66.0F3A.WIG 17 /r ib'],
    ['vpinsrb', 'xmm,vxmm*,~r32,imm8', 'VEX.128.66.0F3A.W0 20 /r ib'], ['vpinsrb', 'xmm,vxmm*,m8,imm8', 'VEX.128.66.0F3A.W0 20 /r ib'],
    ['vpinsrb', 'xmm,vxmm*,~r8,imm8', 'VEX.128.66.0F3A.W0 20 /r ib', 'anymode norex8'],
    ['vpinsrw', 'xmm,vxmm*,~r32,imm8', 'VEX.128.66.0F.W0 C4 /r ib'], ['vpinsrw', 'xmm,vxmm*,m16,imm8', 'VEX.128.66.0F.W0 C4 /r ib'],
    ['vpinsrw', 'xmm,vxmm*,~r16,imm8', 'VEX.128.66.0F.W0 C4 /r ib'],
    ['vpinsrd', 'xmm,vxmm*,rm32,imm8', 'VEX.128.66.0F3A.W0 22 /r ib'], ['vpinsrq', 'xmm,vxmm*,rm64,imm8', 'VEX.128.66.0F3A.W1 22 /r ib', 'long'],
    ['vpextrb', '~r32,xmm,imm8', 'VEX.128.66.0F3A.W0 14 /r ib'], ['vpextrb', '~r64,xmm,imm8', 'VEX.128.66.0F3A.W0 14 /r ib', 'long'],
    ['vpextrb', 'm8,xmm,imm8', 'VEX.128.66.0F3A.W0 14 /r ib'],
    ['vpextrw', 'r32,xmm,imm8', 'VEX.128.66.0F.W0 C5 /r ib'], ['vpextrw', 'r64,xmm,imm8', 'VEX.128.66.0F.W0 C5 /r ib', 'long'],
    ['vpextrw', 'm16,xmm,imm8', 'VEX.128.66.0F3A.W0 15 /r ib'],
    ['vpextrd', 'rm32,xmm,imm8', 'VEX.128.66.0F3A.W0 16 /r ib'], ['vpextrd', '~r64,xmm,imm8', 'VEX.128.66.0F3A.W0 16 /r ib', 'long'],
    ['vpextrq', 'rm64,xmm,imm8', 'VEX.128.66.0F3A.W1 16 /r ib', 'long'],
    ['vbroadcastss', 'xmm,m32', 'VEX.128.66.0F38.W0 18 /r'], ['vbroadcastss', 'ymm,m32', 'VEX.256.66.0F38.W0 18 /r'],
    ['vbroadcastss', 'xmm,xmm', 'VEX.128.66.0F38.W0 18 /r', 'avx2'], ['vbroadcastss', 'ymm,xmm', 'VEX.256.66.0F38.W0 18 /r', 'avx2'],
    ['vbroadcastsd', 'ymm,m64', 'VEX.256.66.0F38.W0 19 /r'], ['vbroadcastsd', 'ymm,xmm', 'VEX.256.66.0F38.W0 19 /r', 'avx2'],
    ['vbroadcastf128', 'ymm,m128', 'VEX.256.66.0F38.W0 1A /r'], ['vbroadcasti128', 'ymm,m128', 'VEX.256.66.0F38.W0 5A /r', 'avx2'],
    ['vinsertf128', 'ymm,vymm*,xmm/m128,imm8', 'VEX.256.66.0F3A.W0 18 /r ib'], ['vextractf128', 'xmm/m128,ymm,imm8', 'VEX.256.66.0F3A.W0 19 /r ib'],
    ['vinserti128', 'ymm,vymm*,xmm/m128,imm8', 'VEX.256.66.0F3A.W0 38 /r ib', 'avx2'], ['vextracti128', 'xmm/m128,ymm,imm8', 'VEX.256.66.0F3A.W0 39 /r ib', 'avx2'],
    ['vperm2f128', 'ymm,vymm*,ymm/m256,imm8', 'VEX.256.66.0F3A.W0 06 /r ib'], ['vperm2i128', 'ymm,vymm*,ymm/m256,imm8', 'VEX.256.66.0F3A.W0 46 /r ib', 'avx2'],
    ['vpermd', 'ymm,vymm*,ymm/m256', 'VEX.256.66.0F38.W0 36 /r', 'avx2'], ['vpermps', 'ymm,vymm*,ymm/m256', 'VEX.256.66.0F38.W0 16 /r', 'avx2'],
    ['vpermq', 'ymm,ymm/m256,imm8', 'VEX.256.66.0F3A.W1 00 /r ib', 'avx2'], ['vpermpd', 'ymm,ymm/m256,imm8', 'VEX.256.66.0F3A.W1 01 /r ib', 'avx2'],
    ['vpblendd', 'xmm,vxmm*,xmm/m128,imm8', 'VEX.128.66.0F3A.W0 02 /r ib', 'avx2'], ['vpblendd', 'ymm,vymm*,ymm/m256,imm8', 'VEX.256.66.0F3A.W0 02 /r ib', 'avx2'],
    ['vcvtph2ps', 'xmm,xmm/m64', 'VEX.128.66.0F38.W0 13 /r'], ['vcvtph2ps', 'ymm,xmm/m128', 'VEX.256.66.0F38.W0 13 /r'],
    ['vcvtps2ph', 'xmm/m64,xmm,imm8', 'VEX.128.66.0F3A.W0 1D /r ib'], ['vcvtps2ph', 'xmm/m128,ymm,imm8', 'VEX.256.66.0F3A.W0 1D /r ib'],
  );
  for (const [mn, ld, st] of [['vmaskmovps', '2C', '2E'], ['vmaskmovpd', '2D', '2F']]) {
    rows.push(
      [mn, 'xmm,vxmm,m128', `VEX.128.66.0F38.W0 ${ld} /r`], [mn, 'ymm,vymm,m256', `VEX.256.66.0F38.W0 ${ld} /r`],
      [mn, 'm128,vxmm,xmm', `VEX.128.66.0F38.W0 ${st} /r`], [mn, 'm256,vymm,ymm', `VEX.256.66.0F38.W0 ${st} /r`],
    );
  }
  for (const [mn, w] of [['vpmaskmovd', 'W0'], ['vpmaskmovq', 'W1']]) {
    rows.push(
      [mn, 'xmm,vxmm,m128', `VEX.128.66.0F38.${w} 8C /r`, 'avx2'], [mn, 'ymm,vymm,m256', `VEX.256.66.0F38.${w} 8C /r`, 'avx2'],
      [mn, 'm128,vxmm,xmm', `VEX.128.66.0F38.${w} 8E /r`, 'avx2'], [mn, 'm256,vymm,ymm', `VEX.256.66.0F38.${w} 8E /r`, 'avx2'],
    );
  }
  for (const [mn, op] of [['vpermilps', '0C', '04'], ['vpermilpd', '0D', '05']].map(([m, a, b]) => [m, [a, b]] as const)) {
    rows.push(
      [mn, 'xmm,vxmm*,xmm/m128', `VEX.128.66.0F38.W0 ${op[0]} /r`], [mn, 'ymm,vymm*,ymm/m256', `VEX.256.66.0F38.W0 ${op[0]} /r`],
      [mn, 'xmm,xmm/m128,imm8', `VEX.128.66.0F3A.W0 ${op[1]} /r ib`], [mn, 'ymm,ymm/m256,imm8', `VEX.256.66.0F3A.W0 ${op[1]} /r ib`],
    );
  }
  rows.push(['vtestps', 'xmm,xmm/m128', 'VEX.128.66.0F38.W0 0E /r'], ['vtestps', 'ymm,ymm/m256', 'VEX.256.66.0F38.W0 0E /r']);
  rows.push(['vtestpd', 'xmm,xmm/m128', 'VEX.128.66.0F38.W0 0F /r'], ['vtestpd', 'ymm,ymm/m256', 'VEX.256.66.0F38.W0 0F /r']);
  // AVX2 broadcasts and per-element shifts.
  for (const [mn, op, size] of [['vpbroadcastb', '78', 8], ['vpbroadcastw', '79', 16], ['vpbroadcastd', '58', 32], ['vpbroadcastq', '59', 64]] as [string, string, number][]) {
    rows.push([mn, `xmm,xmm/m${size}`, `VEX.128.66.0F38.W0 ${op} /r`, 'avx2'], [mn, `ymm,xmm/m${size}`, `VEX.256.66.0F38.W0 ${op} /r`, 'avx2']);
  }
  for (const [mn, op, w] of [['vpsllvd', '47', 'W0'], ['vpsllvq', '47', 'W1'], ['vpsrlvd', '45', 'W0'], ['vpsrlvq', '45', 'W1'], ['vpsravd', '46', 'W0']]) {
    nds(mn, `66.0F38.${w}`, op, '', false, true);
    rows[rows.length - 2][3] = 'avx2';
  }
  // AES-NI and PCLMULQDQ on xmm registers.
  // The 256-bit forms are VAES / VPCLMULQDQ (Ice Lake).
  for (const [mn, op] of [['vaesenc', 'DC'], ['vaesenclast', 'DD'], ['vaesdec', 'DE'], ['vaesdeclast', 'DF']]) nds(mn, '66.0F38.WIG', op, '', false, true);
  unary('vaesimc', '66.0F38.WIG', 'DB', '', true);
  unary('vaeskeygenassist', '66.0F3A.WIG', 'DF', ' ib', true);
  nds('vpclmulqdq', '66.0F3A.WIG', '44', ' ib', false, true);
  for (const [mn, imm] of [['vpclmullqlqdq', '00'], ['vpclmulhqlqdq', '01'], ['vpclmullqhqdq', '10'], ['vpclmulhqhqdq', '11']]) nds(mn, '66.0F3A.WIG', '44', ` ${imm}`, false, true);
  // FMA: 132/213/231 give the order in which the three operands are multiplied and added; all
  // three operands must be written.
  (
    [
      ['fmaddsub', 0x96, false], ['fmsubadd', 0x97, false], ['fmadd', 0x98, true], ['fmsub', 0x9a, true], ['fnmadd', 0x9c, true], ['fnmsub', 0x9e, true],
    ] as [string, number, boolean][]
  ).forEach(([op, base, scalars]) => {
    // The product commutes, so NASM also takes 312, 123 and 321 for 132, 213 and 231.
    [['132 312', 0], ['213 123', 0x10], ['231 321', 0x20]].forEach(([orders, add]) => {
      const opc = base + (add as number);
      for (const order of (orders as string).split(' ')) {
        for (const [t, w] of [['ps', 'W0'], ['pd', 'W1']]) {
          rows.push([`v${op}${order}${t}`, 'xmm,vxmm,xmm/m128', `VEX.128.66.0F38.${w} ${h(opc)} /r`, 'avx2']);
          rows.push([`v${op}${order}${t}`, 'ymm,vymm,ymm/m256', `VEX.256.66.0F38.${w} ${h(opc)} /r`, 'avx2']);
        }
        if (scalars) {
          rows.push([`v${op}${order}ss`, 'xmm,vxmm,xmm/m32', `VEX.LIG.66.0F38.W0 ${h(opc + 1)} /r`, 'avx2']);
          rows.push([`v${op}${order}sd`, 'xmm,vxmm,xmm/m64', `VEX.LIG.66.0F38.W1 ${h(opc + 1)} /r`, 'avx2']);
        }
      }
    });
  });
  // AMD FMA4: four operands; W0 takes the memory operand third, W1 fourth (then the third is in is4).
  (
    [
      ['fmaddsub', 0x5c, false], ['fmsubadd', 0x5e, false], ['fmadd', 0x68, true], ['fmsub', 0x6c, true], ['fnmadd', 0x78, true], ['fnmsub', 0x7c, true],
    ] as [string, number, boolean][]
  ).forEach(([op, base, scalars]) => {
    const forms: [string, string, string][] = [['ps', '128', 'xmm/m128'], ['ps', '256', 'ymm/m256'], ['pd', '128', 'xmm/m128'], ['pd', '256', 'ymm/m256']];
    if (scalars) forms.push(['ss', 'LIG', 'xmm/m32'], ['sd', 'LIG', 'xmm/m64']);
    for (const [t, l, rm] of forms) {
      const opc = h(base + (t === 'pd' ? 1 : t === 'ss' ? 2 : t === 'sd' ? 3 : 0));
      const r = rm.slice(0, 3);
      rows.push(
        [`v${op}${t}`, `${r},v${r}*,${rm},is4${r}`, `VEX.${l}.66.0F3A.W0 ${opc} /r is4`, 'anycpu'],
        [`v${op}${t}`, `${r},v${r}*,is4${r},${rm}`, `VEX.${l}.66.0F3A.W1 ${opc} /r is4`, 'anycpu'],
      );
    }
  });
  // GFNI: SSE and VEX forms (no `cpu` level below `default` in NASM).
  rows.push(
    ['gf2p8affineinvqb', 'xmm,xmm/m128,imm8', '66 0F 3A CF /r ib', 'future'], ['gf2p8affineqb', 'xmm,xmm/m128,imm8', '66 0F 3A CE /r ib', 'future'],
    ['gf2p8mulb', 'xmm,xmm/m128', '66 0F 38 CF /r', 'future'],
  );
  for (const [l, r] of [['128', 'xmm'], ['256', 'ymm']]) {
    rows.push(
      ['vgf2p8affineinvqb', `${r},v${r}*,${r}/m${l},imm8`, `VEX.${l}.66.0F3A.W1 CF /r ib`, 'future'], ['vgf2p8affineqb', `${r},v${r}*,${r}/m${l},imm8`, `VEX.${l}.66.0F3A.W1 CE /r ib`, 'future'],
      ['vgf2p8mulb', `${r},v${r}*,${r}/m${l}`, `VEX.${l}.66.0F38.W0 CF /r`, 'future'],
    );
  }
  // AMX: tile registers tmm0-7; `msib` is memory always encoded with a SIB byte (`[base, index]`).
  rows.push(
    ['ldtilecfg', 'm512', 'VEX.128.0F38.W0 49 /0', 'long future unsizedok'], ['sttilecfg', 'm512', 'VEX.128.66.0F38.W0 49 /0', 'long future unsizedok'],
    ['tilerelease', '', 'VEX.128.0F38.W0 49 C0', 'long future'], ['tilezero', 'tmm', 'VEX.128.F2.0F38.W0 49 /r', 'long future'],
    ['tileloadd', 'tmm,msib', 'VEX.128.F2.0F38.W0 4B /r', 'long future'], ['tileloaddt1', 'tmm,msib', 'VEX.128.66.0F38.W0 4B /r', 'long future'],
    ['tilestored', 'msib,tmm', 'VEX.128.F3.0F38.W0 4B /r', 'long future'],
    ['tdpbf16ps', 'tmm,tmm,vtmm', 'VEX.128.F3.0F38.W0 5C /r', 'long future'], ['tdpbssd', 'tmm,tmm,vtmm', 'VEX.128.F2.0F38.W0 5E /r', 'long future'],
    ['tdpbsud', 'tmm,tmm,vtmm', 'VEX.128.F3.0F38.W0 5E /r', 'long future'], ['tdpbusd', 'tmm,tmm,vtmm', 'VEX.128.66.0F38.W0 5E /r', 'long future'],
    ['tdpbuud', 'tmm,tmm,vtmm', 'VEX.128.0F38.W0 5E /r', 'long future'],
  );
  // AVX2 gathers: VSIB memory (`vm32x`: dword indices in an xmm register), the mask in VEX.vvvv.
  for (const [t, w] of [['d', 'W0'], ['q', 'W1']]) {
    const sfx = t === 'd' ? 'ps' : 'pd';
    const byD: [string, string, string][] = t === 'd' ? [['128', 'xmm', 'vm32x'], ['256', 'ymm', 'vm32y']] : [['128', 'xmm', 'vm32x'], ['256', 'ymm', 'vm32x']];
    const byQ: [string, string, string][] = t === 'd' ? [['128', 'xmm', 'vm64x'], ['256', 'xmm', 'vm64y']] : [['128', 'xmm', 'vm64x'], ['256', 'ymm', 'vm64y']];
    for (const [mn, op, forms] of [[`vgatherd${sfx}`, '92', byD], [`vgatherq${sfx}`, '93', byQ], [`vpgatherd${t}`, '90', byD], [`vpgatherq${t}`, '91', byQ]] as [string, string, [string, string, string][]][]) {
      for (const [l, r, m] of forms) rows.push([mn, `${r},${m},v${r}`, `VEX.${l}.66.0F38.${w} ${op} /r`, 'avx2']);
    }
  }
  // AMD XOP arithmetic (AMD's APM vol. 6), no `cpu` level in NASM. A left-out source is the first
  // operand, in VEX.vvvv or ModRM.rm as the row's `*` says. Where XOP.W swaps the register and memory
  // sources (vprot*/vpsha*/vpshl*, vpcmov, vpperm), NASM tries W0 first, but W1 first for vpperm.
  for (const [mn, op, wide] of [['vfrczps', '80', true], ['vfrczpd', '81', true], ['vfrczss', '82', false], ['vfrczsd', '83', false]] as [string, string, boolean][]) {
    const rm = mn.endsWith('ss') ? 'xmm/m32' : mn.endsWith('sd') ? 'xmm/m64' : 'xmm/m128';
    rows.push([mn, `xmm,${rm}*`, `XOP.128.09.W0 ${op} /r`, 'anycpu']);
    if (wide) rows.push([mn, 'ymm,ymm/m256*', `XOP.256.09.W0 ${op} /r`, 'anycpu']);
  }
  for (const [mn, op] of [
    ['vphaddbw', 'C1'], ['vphaddbd', 'C2'], ['vphaddbq', 'C3'], ['vphaddwd', 'C6'], ['vphaddwq', 'C7'], ['vphadddq', 'CB'], ['vphaddubw', 'D1'],
    ['vphaddubd', 'D2'], ['vphaddubq', 'D3'], ['vphadduwd', 'D6'], ['vphadduwq', 'D7'], ['vphaddudq', 'DB'], ['vphsubbw', 'E1'], ['vphsubwd', 'E2'], ['vphsubdq', 'E3'],
  ]) {
    rows.push([mn, 'xmm,xmm/m128*', `XOP.128.09.W0 ${op} /r`, 'anycpu']);
  }
  const shifts = ['b', 'w', 'd', 'q'].flatMap((t, i): [string, number][] => [[`vprot${t}`, 0x90 + i], [`vpshl${t}`, 0x94 + i], [`vpsha${t}`, 0x98 + i]]);
  for (const [mn, op] of shifts) {
    rows.push([mn, 'xmm,xmm/m128*,vxmm', `XOP.128.09.W0 ${h(op)} /r`, 'anycpu'], [mn, 'xmm,vxmm*,xmm/m128', `XOP.128.09.W1 ${h(op)} /r`, 'anycpu']);
    if (mn.startsWith('vprot')) rows.push([mn, 'xmm,xmm/m128*,imm8', `XOP.128.08.W0 ${h(op + 0x30)} /r ib`, 'anycpu']);
  }
  for (const [mn, op] of [
    ['vpmacssww', '85'], ['vpmacsswd', '86'], ['vpmacssdql', '87'], ['vpmacssdd', '8E'], ['vpmacssdqh', '8F'], ['vpmacsww', '95'], ['vpmacswd', '96'],
    ['vpmacsdql', '97'], ['vpmacsdd', '9E'], ['vpmacsdqh', '9F'], ['vpmadcsswd', 'A6'], ['vpmadcswd', 'B6'],
  ]) {
    rows.push([mn, 'xmm,vxmm*,xmm/m128,is4xmm', `XOP.128.08.W0 ${op} /r is4`, 'anycpu']);
  }
  for (const [l, r] of [['128', 'xmm'], ['256', 'ymm']]) {
    rows.push(
      ['vpcmov', `${r},v${r}*,${r}/m${l},is4${r}`, `XOP.${l}.08.W0 A2 /r is4`, 'anycpu'], ['vpcmov', `${r},v${r}*,is4${r},${r}/m${l}`, `XOP.${l}.08.W1 A2 /r is4`, 'anycpu'],
    );
  }
  rows.push(['vpperm', 'xmm,vxmm*,is4xmm,xmm/m128', 'XOP.128.08.W1 A3 /r is4', 'anycpu'], ['vpperm', 'xmm,vxmm*,xmm/m128,is4xmm', 'XOP.128.08.W0 A3 /r is4', 'anycpu']);
  for (const [t, i] of [['b', 0], ['w', 1], ['d', 2], ['q', 3]] as [string, number][]) {
    rows.push([`vpcom${t}`, 'xmm,vxmm*,xmm/m128,imm8', `XOP.128.08.W0 ${h(0xcc + i)} /r ib`, 'anycpu'], [`vpcomu${t}`, 'xmm,vxmm*,xmm/m128,imm8', `XOP.128.08.W0 ${h(0xec + i)} /r ib`, 'anycpu']);
  }
  // AMD TBM and LWP (XOP-encoded, token `XOP.L.map.W` with maps 08/09/0A).
  for (const [size, w] of [[32, 'W0'], [64, 'W1']] as [number, string][]) {
    const fl = size === 64 ? 'long' : '';
    const r = `r${size}`;
    rows.push(['bextr', `${r},rm${size},imm32`, `XOP.LZ.0A.${w} 10 /r id`, fl]);
    for (const [mn, op, n] of [
      ['blcfill', '01', 1], ['blsfill', '01', 2], ['blcs', '01', 3], ['tzmsk', '01', 4], ['blcic', '01', 5], ['blsic', '01', 6], ['t1mskc', '01', 7],
      ['blcmsk', '02', 1], ['blci', '02', 6],
    ] as [string, string, number][]) {
      rows.push([mn, `v${r},rm${size}`, `XOP.LZ.09.${w} ${op} /${n}`, fl]);
    }
    rows.push(
      ['llwpcb', `~${r}`, `XOP.128.09.${w} 12 /0`, fl], ['slwpcb', `~${r}`, `XOP.128.09.${w} 12 /1`, fl],
      ['lwpins', `v${r},rm32,imm32`, `XOP.LZ.0A.${w} 12 /0 id`, fl], ['lwpval', `v${r},rm32,imm32`, `XOP.LZ.0A.${w} 12 /1 id`, fl],
    );
  }
  // BMI1 and BMI2 on general registers (VEX.LZ; W1 for 64-bit operands).
  for (const [size, w] of [[32, 'W0'], [64, 'W1']] as [number, string][]) {
    const fl = size === 64 ? 'avx2 long' : 'avx2';
    const r = `r${size}`;
    rows.push(
      ['andn', `${r},v${r},rm${size}`, `VEX.LZ.0F38.${w} F2 /r`, fl],
      ['bextr', `${r},rm${size},v${r}`, `VEX.LZ.0F38.${w} F7 /r`, fl],
      ['blsi', `v${r},rm${size}`, `VEX.LZ.0F38.${w} F3 /3`, fl],
      ['blsmsk', `v${r},rm${size}`, `VEX.LZ.0F38.${w} F3 /2`, fl],
      ['blsr', `v${r},rm${size}`, `VEX.LZ.0F38.${w} F3 /1`, fl],
      ['bzhi', `${r},rm${size},v${r}`, `VEX.LZ.0F38.${w} F5 /r`, fl],
      ['mulx', `${r},v${r},rm${size}`, `VEX.LZ.F2.0F38.${w} F6 /r`, fl],
      ['pdep', `${r},v${r},rm${size}`, `VEX.LZ.F2.0F38.${w} F5 /r`, fl],
      ['pext', `${r},v${r},rm${size}`, `VEX.LZ.F3.0F38.${w} F5 /r`, fl],
      ['rorx', `${r},rm${size},imm8`, `VEX.LZ.F2.0F3A.${w} F0 /r ib`, fl],
      ['sarx', `${r},rm${size},v${r}`, `VEX.LZ.F3.0F38.${w} F7 /r`, fl],
      ['shlx', `${r},rm${size},v${r}`, `VEX.LZ.66.0F38.${w} F7 /r`, fl],
      ['shrx', `${r},rm${size},v${r}`, `VEX.LZ.F2.0F38.${w} F7 /r`, fl],
    );
  }
  // AVX-IFMA: the VEX forms of vpmadd52{l,h}uq, taken only with a `{vex}` prefix (NASM encodes EVEX
  // otherwise); NASM 2.16.01 takes memory in the 128-bit form only with its size written (`oword`).
  for (const [mn, op] of [['vpmadd52luq', 'B4'], ['vpmadd52huq', 'B5']]) {
    rows.push([mn, 'xmm,vxmm,xmm/m128', `VEX.128.66.0F38.W1 ${op} /r`, 'vexprefix sizedmem'], [mn, 'ymm,vymm,ymm/m256', `VEX.256.66.0F38.W1 ${op} /r`, 'vexprefix']);
  }
  // AVX-VNNI-INT8 and AVX-NE-CONVERT: VEX-only, yet NASM 2.16.01 takes them only with `{vex}` too.
  for (const [mn, pp, op] of [['vpdpbssd', 'F2.', '50'], ['vpdpbssds', 'F2.', '51'], ['vpdpbsud', 'F3.', '50'], ['vpdpbsuds', 'F3.', '51'], ['vpdpbuud', '', '50'], ['vpdpbuuds', '', '51']]) {
    rows.push([mn, 'xmm,vxmm,xmm/m128', `VEX.128.${pp}0F38.W0 ${op} /r`, 'vexprefix sizedmem future'], [mn, 'ymm,vymm,ymm/m256', `VEX.256.${pp}0F38.W0 ${op} /r`, 'vexprefix future']);
  }
  for (const [mn, pp] of [['vbcstnebf16ps', 'F3.'], ['vbcstnesh2ps', '66.']]) {
    rows.push([mn, 'xmm,m16', `VEX.128.${pp}0F38.W0 B1 /r`, 'vexprefix unsizedok future'], [mn, 'ymm,m16', `VEX.256.${pp}0F38.W0 B1 /r`, 'vexprefix unsizedok future']);
  }
  for (const [mn, pp] of [['vcvtneebf162ps', 'F3.'], ['vcvtneeph2ps', '66.'], ['vcvtneobf162ps', 'F2.'], ['vcvtneoph2ps', '']]) {
    rows.push([mn, 'xmm,m128', `VEX.128.${pp}0F38.W0 B0 /r`, 'vexprefix sizedmem future'], [mn, 'ymm,m256', `VEX.256.${pp}0F38.W0 B0 /r`, 'vexprefix unsizedok future']);
  }
  return rows;
}

/** VEX compare predicates 0..31 by number; names separated by spaces are aliases (NASM's VEX forms have no `eq_oq`). */
const VEX_PREDICATES = [
  'eq', 'lt lt_os', 'le le_os', 'unord unord_q', 'neq neq_uq', 'nlt nlt_us', 'nle nle_us', 'ord ord_q',
  'eq_uq', 'nge nge_us', 'ngt ngt_us', 'false false_oq', 'neq_oq', 'ge ge_os', 'gt gt_os', 'true true_uq',
  'eq_os', 'lt_oq', 'le_oq', 'unord_s', 'neq_us', 'nlt_uq', 'nle_uq', 'ord_s',
  'eq_us', 'nge_uq', 'ngt_uq', 'false_os', 'neq_os', 'ge_oq', 'gt_oq', 'true_us',
];

// ---------- EVEX (AVX-512) ----------
// Token `EVEX.L.pp.map.W` (L 128/256/512/LIG). These rows come after the VEX ones: NASM uses VEX
// where it can, and EVEX for zmm registers, xmm/ymm16-31, opmasks, broadcasts and rounding.
// Operand attributes: `/b32` `/b64` a memory operand may be a broadcast `{1toN}` of such
// elements; `/er` embedded rounding `{rn-sae}`.. may follow the operand, `/sae` `{sae}` may.
// `vm32x`..`vm64z`: VSIB memory (dword/qword indices in an xmm/ymm/zmm register).
// A one-byte displacement is scaled (disp8*N) by the memory operand's size, the element size for
// a broadcast, or the row's `nN` flag (tuple types of one element: compress, expand, VSIB).

/** EVEX instructions whose destination takes no opmask (NASM: `mask not permitted on this operand`). */
const NO_MASK = new Set(
  `
  vaesdec vaesdeclast vaesenc vaesenclast vcomisd vcomiss vcvtsd2si vcvtsd2usi vcvtsi2sd vcvtsi2ss vcvtss2si vcvtss2usi
  vcvttsd2si vcvttsd2usi vcvttss2si vcvttss2usi vcvtusi2sd vcvtusi2ss vextractps vinsertps vmovd vmovhlps vmovhpd vmovhps
  vmovlhps vmovlpd vmovlps vmovntdq vmovntdqa vmovntpd vmovntps vmovq vp2intersectd vpbroadcastmb2q vpbroadcastmw2d
  vpclmulhqhqdq vpclmulhqlqdq vpclmullqhqdq vpclmullqlqdq vpclmulqdq vpextrb vpextrd vpextrq vpextrw vpinsrb vpinsrd
  vpinsrq vpinsrw vpmovb2m vpmovd2m vpmovm2b vpmovm2d vpmovm2q vpmovm2w vpmovq2m vpmovw2m vpsadbw vpslldq vpsrldq vucomisd
  vucomiss
`.split(/\s+/),
);

interface EvexOpts {
  /** nds: dest, vvvv source, r/m source; un: dest, r/m; vi: vvvv dest, r/m (shifts by immediate, /n); k: opmask dest */
  shape?: 'nds' | 'un' | 'vi' | 'k';
  b?: 32 | 64; // broadcast element size
  er?: 'er' | 'sae'; // on the 512-bit row's r/m operand
  tail?: string; // ' ib' (an immediate operand) or a fixed byte after ModRM (' 1E')
  n?: number; // ModRM.reg extension for shape vi
  from?: number; // smallest vector length (default 128)
  fl?: string;
  /** The vvvv source may not be left out (NASM's EVEX rows without `*`: FMA, blends, two-table permutes). */
  all?: boolean;
}

function avx512(): RawRow[] {
  const rows: RawRow[] = [];
  const VL: [string, string][] = [['128', 'xmm'], ['256', 'ymm'], ['512', 'zmm']];
  /** A packed instruction at every vector length. */
  const pk = (mn: string, f: string, op: string, o: EvexOpts = {}): void => {
    const { shape = 'nds', b, er, tail = '', n = 0, from = 128, fl = '', all = false } = o;
    const star = all ? '' : '*';
    const imm = tail === ' ib' ? ',imm8' : '';
    for (const [l, r] of VL) {
      if (+l < from) continue;
      const rm = `${r}/m${l}${b ? `/b${b}` : ''}${l === '512' && er ? `/${er}` : ''}`;
      const enc = `EVEX.${l}.${f} ${op}`;
      if (shape === 'nds') rows.push([mn, `${r},v${r}${star},${rm}${imm}`, `${enc} /r${tail}`, fl]);
      else if (shape === 'un') rows.push([mn, `${r},${rm}${imm}`, `${enc} /r${tail}`, fl]);
      // Shifts by an immediate: the source may be left out (it is then the destination).
      else if (shape === 'vi') rows.push([mn, `v${r},${rm}*,imm8`, `${enc} /${n} ib`, fl]);
      else rows.push([mn, `kreg,v${r},${rm}${imm}`, `${enc} /r${tail}`, fl]);
    }
  };
  /** A scalar instruction: xmm, vvvv xmm, xmm/mem of `size` bits. */
  const sc = (mn: string, f: string, op: string, size: number, er = '', tail = '', k = false, all = false): void => {
    const imm = tail === ' ib' ? ',imm8' : '';
    rows.push([mn, `${k ? 'kreg,vxmm' : all ? 'xmm,vxmm' : 'xmm,vxmm*'},xmm/m${size}${er ? `/${er}` : ''}${imm}`, `EVEX.LIG.${f} ${op} /r${tail}`]);
  };
  /** Conversions between vector widths: [dest, source] per vector length. */
  const cv = (mn: string, f: string, op: string, forms: [string, string][], b = 0, er = '', fl = ''): void => {
    forms.forEach(([d, s], i) => {
      const l = ['128', '256', '512'][i];
      // `memsized`: two rows share the destination register, so memory needs a size (as in NASM).
      const flags = fl === 'memsized' && forms.filter(([x]) => x === d).length < 2 ? '' : fl;
      rows.push([mn, `${d},${s}${b ? `/b${b}` : ''}${i === 2 && er ? `/${er}` : ''}`, `EVEX.${l}.${f} ${op} /r`, flags]);
    });
  };
  const PS = (w = 'W0'): string => `0F.${w}`;
  // Floating point: ps W0, pd W1 (66), ss W0 (F3), sd W1 (F2).
  for (const [op, opc, er] of [['add', '58', 'er'], ['mul', '59', 'er'], ['sub', '5C', 'er'], ['min', '5D', 'sae'], ['div', '5E', 'er'], ['max', '5F', 'sae']] as const) {
    pk(`v${op}ps`, PS(), opc, { b: 32, er });
    pk(`v${op}pd`, '66.0F.W1', opc, { b: 64, er });
    sc(`v${op}ss`, 'F3.0F.W0', opc, 32, er);
    sc(`v${op}sd`, 'F2.0F.W1', opc, 64, er);
  }
  rows.push(
    ['vucomiss', 'xmm,xmm/m32/sae', 'EVEX.LIG.0F.W0 2E /r'], ['vucomisd', 'xmm,xmm/m64/sae', 'EVEX.LIG.66.0F.W1 2E /r'],
    ['vcomiss', 'xmm,xmm/m32/sae', 'EVEX.LIG.0F.W0 2F /r'], ['vcomisd', 'xmm,xmm/m64/sae', 'EVEX.LIG.66.0F.W1 2F /r'],
  );
  pk('vsqrtps', PS(), '51', { shape: 'un', b: 32, er: 'er' });
  pk('vsqrtpd', '66.0F.W1', '51', { shape: 'un', b: 64, er: 'er' });
  sc('vsqrtss', 'F3.0F.W0', '51', 32, 'er');
  sc('vsqrtsd', 'F2.0F.W1', '51', 64, 'er');
  for (const [t, f, b] of [['ps', '0F.W0', 32], ['pd', '66.0F.W1', 64]] as const) {
    for (const [op, opc] of [['and', '54'], ['andn', '55'], ['or', '56'], ['xor', '57'], ['unpckl', '14'], ['unpckh', '15']]) pk(`v${op}${t}`, f, opc, { b });
    pk(`vshuf${t}`, f, 'C6', { b, tail: ' ib' });
  }
  // 0F38/0F3A floating-point families: [mnemonic stem, map, opcode, shape, rounding, immediate]
  for (const [stem, map, opc, shape, er, imm] of [
    ['vscalef', '0F38', 0x2c, 'nds', 'er', false], ['vrcp14', '0F38', 0x4c, 'un', '', false], ['vrsqrt14', '0F38', 0x4e, 'un', '', false],
    ['vgetexp', '0F38', 0x42, 'un', 'sae', false], ['vgetmant', '0F3A', 0x26, 'un', 'sae', true], ['vfixupimm', '0F3A', 0x54, 'nds', 'sae', true],
    ['vrange', '0F3A', 0x50, 'nds', 'sae', true], ['vreduce', '0F3A', 0x56, 'un', 'sae', true],
  ] as [string, string, number, 'nds' | 'un', '' | 'er' | 'sae', boolean][]) {
    // The scalar forms use the next opcode.
    const tail = imm ? ' ib' : '';
    pk(`${stem}ps`, `66.${map}.W0`, h(opc), { shape, b: 32, er: er || undefined, tail });
    pk(`${stem}pd`, `66.${map}.W1`, h(opc), { shape, b: 64, er: er || undefined, tail });
    const all = stem === 'vgetexp' || stem === 'vgetmant';
    sc(`${stem}ss`, `66.${map}.W0`, h(opc + 1), 32, er, tail, false, all);
    sc(`${stem}sd`, `66.${map}.W1`, h(opc + 1), 64, er, tail, false, all);
  }
  pk('vrndscaleps', '66.0F3A.W0', '08', { shape: 'un', b: 32, er: 'sae', tail: ' ib' });
  pk('vrndscalepd', '66.0F3A.W1', '09', { shape: 'un', b: 64, er: 'sae', tail: ' ib' });
  sc('vrndscaless', '66.0F3A.W0', '0A', 32, 'sae', ' ib');
  sc('vrndscalesd', '66.0F3A.W1', '0B', 64, 'sae', ' ib');
  // AVX512ER (Xeon Phi).
  pk('vexp2ps', '66.0F38.W0', 'C8', { shape: 'un', b: 32, er: 'sae', from: 512 });
  for (const [stem, opc] of [['vrcp28', 0xca], ['vrsqrt28', 0xcc]] as [string, number][]) {
    pk(`${stem}ps`, '66.0F38.W0', h(opc), { shape: 'un', b: 32, er: 'sae', from: 512 });
    pk(`${stem}pd`, '66.0F38.W1', h(opc), { shape: 'un', b: 64, er: 'sae', from: 512 });
    sc(`${stem}ss`, '66.0F38.W0', h(opc + 1), 32, 'sae');
    sc(`${stem}sd`, '66.0F38.W1', h(opc + 1), 64, 'sae');
  }
  pk('vexp2pd', '66.0F38.W1', 'C8', { shape: 'un', b: 64, er: 'sae', from: 512 });
  // FMA: 132/213/231 forms of the VEX opcodes, with broadcast and rounding.
  ([
    ['fmadd', 0x98, true], ['fmsub', 0x9a, true], ['fnmadd', 0x9c, true], ['fnmsub', 0x9e, true], ['fmaddsub', 0x96, false], ['fmsubadd', 0x97, false],
  ] as [string, number, boolean][]).forEach(([op, base, scalars]) => {
    for (const [order, add] of [['132', 0], ['213', 0x10], ['231', 0x20]] as [string, number][]) {
      pk(`v${op}${order}ps`, '66.0F38.W0', h(base + add), { b: 32, er: 'er', all: true });
      pk(`v${op}${order}pd`, '66.0F38.W1', h(base + add), { b: 64, er: 'er', all: true });
      if (scalars) {
        sc(`v${op}${order}ss`, '66.0F38.W0', h(base + add + 1), 32, 'er', '', false, true);
        sc(`v${op}${order}sd`, '66.0F38.W1', h(base + add + 1), 64, 'er', '', false, true);
      }
    }
  });
  // Compares into an opmask register: the predicate as an immediate or in the mnemonic.
  for (const [t, f, b, size] of [['ps', '0F.W0', 32, 0], ['pd', '66.0F.W1', 64, 0], ['ss', 'F3.0F.W0', 0, 32], ['sd', 'F2.0F.W1', 0, 64]] as [string, string, 32 | 64, number][]) {
    const forms = (mn: string, tail: string): void => {
      if (size) sc(mn, f, 'C2', size, 'sae', tail, true);
      else pk(mn, f, 'C2', { shape: 'k', b, er: 'sae', tail });
    };
    forms('vcmp' + t, ' ib');
    // EVEX also has `eq_oq` for predicate 0.
    VEX_PREDICATES.forEach((names, n) => {
      for (const name of (n === 0 ? 'eq eq_oq' : names).split(' ')) forms(`vcmp${name}${t}`, ` ${h(n)}`);
    });
  }
  // Conversions.
  pk('vcvtdq2ps', '0F.W0', '5B', { shape: 'un', b: 32, er: 'er' });
  pk('vcvtps2dq', '66.0F.W0', '5B', { shape: 'un', b: 32, er: 'er' });
  pk('vcvttps2dq', 'F3.0F.W0', '5B', { shape: 'un', b: 32, er: 'sae' });
  pk('vcvtudq2ps', 'F2.0F.W0', '7A', { shape: 'un', b: 32, er: 'er' });
  pk('vcvtps2udq', '0F.W0', '79', { shape: 'un', b: 32, er: 'er' });
  pk('vcvttps2udq', '0F.W0', '78', { shape: 'un', b: 32, er: 'sae' });
  const WIDEN: [string, string][] = [['xmm', 'xmm/m64'], ['ymm', 'xmm/m128'], ['zmm', 'ymm/m256']];
  const NARROW: [string, string][] = [['xmm', 'xmm/m128'], ['xmm', 'ymm/m256'], ['ymm', 'zmm/m512']];
  cv('vcvtdq2pd', 'F3.0F.W0', 'E6', WIDEN, 32);
  cv('vcvtudq2pd', 'F3.0F.W0', '7A', WIDEN, 32);
  cv('vcvtps2pd', '0F.W0', '5A', WIDEN, 32, 'sae');
  cv('vcvtph2ps', '66.0F38.W0', '13', WIDEN, 0, 'sae');
  cv('vcvtpd2dq', 'F2.0F.W1', 'E6', NARROW, 64, 'er', 'memsized');
  cv('vcvtpd2ps', '66.0F.W1', '5A', NARROW, 64, 'er', 'memsized');
  cv('vcvtpd2udq', '0F.W1', '79', NARROW, 64, 'er', 'memsized');
  cv('vcvttpd2dq', '66.0F.W1', 'E6', NARROW, 64, 'sae', 'memsized');
  cv('vcvttpd2udq', '0F.W1', '78', NARROW, 64, 'sae', 'memsized');
  rows.push(
    ['vcvtps2ph', 'xmm/m64,xmm,imm8', 'EVEX.128.66.0F3A.W0 1D /r ib'], ['vcvtps2ph', 'xmm/m128,ymm,imm8', 'EVEX.256.66.0F3A.W0 1D /r ib'],
    ['vcvtps2ph', 'ymm/m256,zmm/sae,imm8', 'EVEX.512.66.0F3A.W0 1D /r ib'],
  );
  sc('vcvtss2sd', 'F3.0F.W0', '5A', 32, 'sae', '', false, true);
  sc('vcvtsd2ss', 'F2.0F.W1', '5A', 64, 'er', '', false, true);
  for (const [mn, f, op] of [['vcvtsi2ss', 'F3', '2A'], ['vcvtsi2sd', 'F2', '2A'], ['vcvtusi2ss', 'F3', '7B'], ['vcvtusi2sd', 'F2', '7B']]) {
    // Memory needs a size here (dword or qword source).
    rows.push([mn, 'xmm,vxmm/er,rm32', `EVEX.LIG.${f}.0F.W0 ${op} /r`, 'memsized'], [mn, 'xmm,vxmm/er,rm64', `EVEX.LIG.${f}.0F.W1 ${op} /r`, 'long memsized']);
  }
  for (const [stem, op, er] of [['vcvt', '2D', 'er'], ['vcvtt', '2C', 'sae'], ['vcvt', '79', 'er'], ['vcvtt', '78', 'sae']]) {
    const u = op === '79' || op === '78' ? 'u' : '';
    for (const [t, f, size] of [['ss', 'F3', 32], ['sd', 'F2', 64]] as [string, string, number][]) {
      rows.push([`${stem}${t}2${u}si`, `r32,xmm/m${size}/${er}`, `EVEX.LIG.${f}.0F.W0 ${op} /r`], [`${stem}${t}2${u}si`, `r64,xmm/m${size}/${er}`, `EVEX.LIG.${f}.0F.W1 ${op} /r`, 'long']);
    }
  }
  // Moves: the load form first, as with VEX.
  for (const [mn, f, ld, st] of [
    ['vmovaps', '0F.W0', '28', '29'], ['vmovapd', '66.0F.W1', '28', '29'], ['vmovups', '0F.W0', '10', '11'], ['vmovupd', '66.0F.W1', '10', '11'],
    ['vmovdqa32', '66.0F.W0', '6F', '7F'], ['vmovdqa64', '66.0F.W1', '6F', '7F'], ['vmovdqu32', 'F3.0F.W0', '6F', '7F'], ['vmovdqu64', 'F3.0F.W1', '6F', '7F'],
    ['vmovdqu8', 'F2.0F.W0', '6F', '7F'], ['vmovdqu16', 'F2.0F.W1', '6F', '7F'], ['vmovntdqa', '66.0F38.W0', '2A', ''],
  ]) {
    for (const [l, r] of VL) {
      rows.push([mn, `${r},${mn === 'vmovntdqa' ? `m${l}` : `${r}/m${l}`}`, `EVEX.${l}.${f} ${ld} /r`]);
      // NASM takes (and encodes) `{z}` on the memory operand of the integer moves' stores.
      if (st) rows.push([mn, `m${l},${r}`, `EVEX.${l}.${f} ${st} /r`, mn.startsWith('vmovdq') ? 'memz' : '']);
    }
  }
  for (const [l, r] of VL) {
    rows.push(['vmovntps', `m${l},${r}`, `EVEX.${l}.0F.W0 2B /r`], ['vmovntpd', `m${l},${r}`, `EVEX.${l}.66.0F.W1 2B /r`], ['vmovntdq', `m${l},${r}`, `EVEX.${l}.66.0F.W0 E7 /r`]);
  }
  pk('vmovshdup', 'F3.0F.W0', '16', { shape: 'un' });
  pk('vmovsldup', 'F3.0F.W0', '12', { shape: 'un' });
  cv('vmovddup', 'F2.0F.W1', '12', [['xmm', 'xmm/m64'], ['ymm', 'ymm/m256'], ['zmm', 'zmm/m512']]);
  for (const [mn, f, size] of [['vmovss', 'F3.0F.W0', 32], ['vmovsd', 'F2.0F.W1', 64]] as [string, string, number][]) {
    rows.push([mn, 'xmm,vxmm*,xmm', `EVEX.LIG.${f} 10 /r`], [mn, `xmm,m${size}`, `EVEX.LIG.${f} 10 /r`], [mn, `m${size},xmm`, `EVEX.LIG.${f} 11 /r`]);
  }
  for (const [mn, f, ld] of [['vmovlps', '0F.W0', 0x12], ['vmovhps', '0F.W0', 0x16], ['vmovlpd', '66.0F.W1', 0x12], ['vmovhpd', '66.0F.W1', 0x16]] as [string, string, number][]) {
    rows.push([mn, 'xmm,vxmm*,m64', `EVEX.128.${f} ${h(ld)} /r`], [mn, 'm64,xmm', `EVEX.128.${f} ${h(ld + 1)} /r`]);
  }
  rows.push(
    ['vmovhlps', 'xmm,vxmm*,xmm', 'EVEX.128.0F.W0 12 /r'], ['vmovlhps', 'xmm,vxmm*,xmm', 'EVEX.128.0F.W0 16 /r'],
    ['vmovd', 'xmm,rm32', 'EVEX.128.66.0F.W0 6E /r'], ['vmovd', 'rm32,xmm', 'EVEX.128.66.0F.W0 7E /r'],
    // A memory operand takes the general-register form (W1 6E/7E), in every mode, as in NASM.
    // NASM 2.16.01 also takes a 64-bit register here outside 64-bit mode.
    ['vmovq', 'xmm,rm64', 'EVEX.128.66.0F.W1 6E /r', 'anymode'], ['vmovq', 'rm64,xmm', 'EVEX.128.66.0F.W1 7E /r', 'anymode'],
    ['vmovq', 'xmm,xmm/m64', 'EVEX.128.F3.0F.W1 7E /r'], ['vmovq', 'xmm/m64,xmm', 'EVEX.128.66.0F.W1 D6 /r'],
    ['vinsertps', 'xmm,vxmm*,xmm/m32,imm8', 'EVEX.128.66.0F3A.W0 21 /r ib'], ['vextractps', 'rm32,xmm,imm8', 'EVEX.128.66.0F3A.WIG 17 /r ib'],
    ['vextractps', '~r64,xmm,imm8', 'EVEX.128.66.0F3A.WIG 17 /r ib', 'long'],
  );
  // Broadcasts, inserts and extracts of 128/256-bit parts.
  cv('vbroadcastss', '66.0F38.W0', '18', [['xmm', 'xmm/m32'], ['ymm', 'xmm/m32'], ['zmm', 'xmm/m32']]);
  rows.push(['vbroadcastsd', 'ymm,xmm/m64', 'EVEX.256.66.0F38.W1 19 /r'], ['vbroadcastsd', 'zmm,xmm/m64', 'EVEX.512.66.0F38.W1 19 /r']);
  for (const [mn, w, op] of [['vbroadcastf32x4', 'W0', '1A'], ['vbroadcasti32x4', 'W0', '5A']]) {
    rows.push([mn, 'ymm,m128', `EVEX.256.66.0F38.${w} ${op} /r`], [mn, 'zmm,m128', `EVEX.512.66.0F38.${w} ${op} /r`]);
  }
  rows.push(['vbroadcastf64x4', 'zmm,m256', 'EVEX.512.66.0F38.W1 1B /r'], ['vbroadcasti64x4', 'zmm,m256', 'EVEX.512.66.0F38.W1 5B /r']);
  cv('vpbroadcastd', '66.0F38.W0', '58', [['xmm', 'xmm/m32'], ['ymm', 'xmm/m32'], ['zmm', 'xmm/m32']]);
  cv('vpbroadcastq', '66.0F38.W1', '59', [['xmm', 'xmm/m64'], ['ymm', 'xmm/m64'], ['zmm', 'xmm/m64']]);
  cv('vpbroadcastd', '66.0F38.W0', '7C', [['xmm', '~r32'], ['ymm', '~r32'], ['zmm', '~r32']]);
  for (const [l, r] of VL) rows.push(['vpbroadcastq', `${r},~r64`, `EVEX.${l}.66.0F38.W1 7C /r`, 'long']);
  for (const [t, i] of [['f', 0], ['i', 0x20]] as [string, number][]) {
    rows.push(
      [`vinsert${t}32x4`, 'ymm,vymm*,xmm/m128,imm8', `EVEX.256.66.0F3A.W0 ${h(0x18 + i)} /r ib`], [`vinsert${t}32x4`, 'zmm,vzmm*,xmm/m128,imm8', `EVEX.512.66.0F3A.W0 ${h(0x18 + i)} /r ib`],
      [`vinsert${t}64x4`, 'zmm,vzmm*,ymm/m256,imm8', `EVEX.512.66.0F3A.W1 ${h(0x1a + i)} /r ib`],
      [`vextract${t}32x4`, 'xmm/m128,ymm,imm8', `EVEX.256.66.0F3A.W0 ${h(0x19 + i)} /r ib`], [`vextract${t}32x4`, 'xmm/m128,zmm,imm8', `EVEX.512.66.0F3A.W0 ${h(0x19 + i)} /r ib`],
      [`vextract${t}64x4`, 'ymm/m256,zmm,imm8', `EVEX.512.66.0F3A.W1 ${h(0x1b + i)} /r ib`],
    );
  }
  // Permutes, shuffles, blends, alignment, ternary logic.
  pk('vpermilps', '66.0F38.W0', '0C', { b: 32 });
  pk('vpermilpd', '66.0F38.W1', '0D', { b: 64 });
  pk('vpermilps', '66.0F3A.W0', '04', { shape: 'un', b: 32, tail: ' ib' });
  pk('vpermilpd', '66.0F3A.W1', '05', { shape: 'un', b: 64, tail: ' ib' });
  pk('vpermd', '66.0F38.W0', '36', { b: 32, from: 256 });
  pk('vpermq', '66.0F38.W1', '36', { b: 64, from: 256 });
  pk('vpermps', '66.0F38.W0', '16', { b: 32, from: 256 });
  pk('vpermpd', '66.0F38.W1', '16', { b: 64, from: 256 });
  pk('vpermq', '66.0F3A.W1', '00', { shape: 'un', b: 64, tail: ' ib', from: 256 });
  pk('vpermpd', '66.0F3A.W1', '01', { shape: 'un', b: 64, tail: ' ib', from: 256 });
  for (const [stem, op] of [['vpermi2', 0x76], ['vpermt2', 0x7e]] as [string, number][]) {
    pk(`${stem}d`, '66.0F38.W0', h(op), { b: 32, all: true });
    pk(`${stem}q`, '66.0F38.W1', h(op), { b: 64, all: true });
    pk(`${stem}ps`, '66.0F38.W0', h(op + 1), { b: 32, all: true });
    pk(`${stem}pd`, '66.0F38.W1', h(op + 1), { b: 64, all: true });
  }
  for (const [mn, w, op] of [['vshuff32x4', 'W0', '23'], ['vshuff64x2', 'W1', '23'], ['vshufi32x4', 'W0', '43'], ['vshufi64x2', 'W1', '43']]) {
    pk(mn, `66.0F3A.${w}`, op, { b: w === 'W0' ? 32 : 64, tail: ' ib', from: 256 });
  }
  for (const [t, w, b] of [['d', 'W0', 32], ['q', 'W1', 64]] as [string, string, 32 | 64][]) {
    pk(`valign${t}`, `66.0F3A.${w}`, '03', { b, tail: ' ib' });
    pk(`vpternlog${t}`, `66.0F3A.${w}`, '25', { b, tail: ' ib', all: true });
    pk(`vpblendm${t}`, `66.0F38.${w}`, '64', { b, all: true });
    pk(`vblendmp${t === 'd' ? 's' : 'd'}`, `66.0F38.${w}`, '65', { b, all: true });
  }
  // Compress and expand: disp8*N counts single elements.
  for (const [mn, w, op, n] of [['vcompressps', 'W0', '8A', 4], ['vcompresspd', 'W1', '8A', 8], ['vpcompressd', 'W0', '8B', 4], ['vpcompressq', 'W1', '8B', 8]] as [string, string, string, number][]) {
    for (const [l, r] of VL) rows.push([mn, `${r}/m${l},${r}`, `EVEX.${l}.66.0F38.${w} ${op} /r`, `n${n}`]);
  }
  for (const [mn, w, op, n] of [['vexpandps', 'W0', '88', 4], ['vexpandpd', 'W1', '88', 8], ['vpexpandd', 'W0', '89', 4], ['vpexpandq', 'W1', '89', 8]] as [string, string, string, number][]) {
    pk(mn, `66.0F38.${w}`, op, { shape: 'un', fl: `n${n}` });
  }
  // Integer ops: element size in the mnemonic (d/q: W0/W1, broadcast); bytes and words (AVX512BW) ignore W.
  for (const [mn, opc, w] of [
    ['vpaddd', 'FE', 'W0'], ['vpaddq', 'D4', 'W1'], ['vpsubd', 'FA', 'W0'], ['vpsubq', 'FB', 'W1'],
    ['vpandd', 'DB', 'W0'], ['vpandq', 'DB', 'W1'], ['vpandnd', 'DF', 'W0'], ['vpandnq', 'DF', 'W1'],
    ['vpord', 'EB', 'W0'], ['vporq', 'EB', 'W1'], ['vpxord', 'EF', 'W0'], ['vpxorq', 'EF', 'W1'], ['vpmuludq', 'F4', 'W1'],
    ['vpunpcklqdq', '6C', 'W1'], ['vpunpckhqdq', '6D', 'W1'], ['vpunpckldq', '62', 'W0'], ['vpunpckhdq', '6A', 'W0'],
  ]) {
    pk(mn, `66.0F.${w}`, opc, { b: w === 'W0' ? 32 : 64 });
  }
  for (const [mn, opc] of [
    ['vpaddb', 'FC'], ['vpaddw', 'FD'], ['vpsubb', 'F8'], ['vpsubw', 'F9'], ['vpmullw', 'D5'], ['vpavgb', 'E0'], ['vpavgw', 'E3'], ['vpminub', 'DA'], ['vpmaxub', 'DE'],
    ['vpaddsb', 'EC'], ['vpaddsw', 'ED'], ['vpaddusb', 'DC'], ['vpaddusw', 'DD'], ['vpsubsb', 'E8'], ['vpsubsw', 'E9'], ['vpsubusb', 'D8'], ['vpsubusw', 'D9'],
    ['vpminsw', 'EA'], ['vpmaxsw', 'EE'], ['vpmulhw', 'E5'], ['vpmulhuw', 'E4'], ['vpmaddwd', 'F5'], ['vpsadbw', 'F6'],
    ['vpunpcklbw', '60'], ['vpunpckhbw', '68'], ['vpunpcklwd', '61'], ['vpunpckhwd', '69'], ['vpacksswb', '63'], ['vpackuswb', '67'],
  ]) {
    pk(mn, '66.0F.WIG', opc);
  }
  pk('vpackssdw', '66.0F.W0', '6B', { b: 32 });
  for (const [mn, opc] of [['vpshufb', '00'], ['vpminsb', '38'], ['vpmaxsb', '3C'], ['vpminuw', '3A'], ['vpmaxuw', '3E'], ['vpmulhrsw', '0B'], ['vpmaddubsw', '04']]) {
    pk(mn, '66.0F38.WIG', opc);
  }
  pk('vpackusdw', '66.0F38.W0', '2B', { b: 32 });
  for (const [stem, op] of [['vpmuldq', 0x28], ['vpmull', 0x40], ['vpmins', 0x39], ['vpminu', 0x3b], ['vpmaxs', 0x3d], ['vpmaxu', 0x3f], ['vprorv', 0x14], ['vprolv', 0x15], ['vpsrlv', 0x45], ['vpsrav', 0x46], ['vpsllv', 0x47]] as [string, number][]) {
    if (stem === 'vpmuldq') {
      pk(stem, '66.0F38.W1', h(op), { b: 64 });
      continue;
    }
    pk(`${stem}d`, '66.0F38.W0', h(op), { b: 32 });
    pk(`${stem}q`, '66.0F38.W1', h(op), { b: 64 });
  }
  for (const [mn, w, op] of [['vpabsd', 'W0', '1E'], ['vpabsq', 'W1', '1F'], ['vpconflictd', 'W0', 'C4'], ['vpconflictq', 'W1', 'C4'], ['vplzcntd', 'W0', '44'], ['vplzcntq', 'W1', '44']]) {
    pk(mn, `66.0F38.${w}`, op, { shape: 'un', b: w === 'W0' ? 32 : 64 });
  }
  pk('vpabsb', '66.0F38.WIG', '1C', { shape: 'un' });
  pk('vpabsw', '66.0F38.WIG', '1D', { shape: 'un' });
  for (const [l, r] of VL) {
    rows.push(['vpbroadcastmb2q', `${r},kreg`, `EVEX.${l}.F3.0F38.W1 2A /r`], ['vpbroadcastmw2d', `${r},kreg`, `EVEX.${l}.F3.0F38.W0 3A /r`]);
  }
  pk('vpshufd', '66.0F.W0', '70', { shape: 'un', b: 32, tail: ' ib' });
  pk('vpshufhw', 'F3.0F.WIG', '70', { shape: 'un', tail: ' ib' });
  pk('vpshuflw', 'F2.0F.WIG', '70', { shape: 'un', tail: ' ib' });
  // Shifts: by an xmm count, variable (above), or by an immediate (the destination in vvvv).
  for (const [mn, opc, w] of [['vpsllw', 'F1', 'WIG'], ['vpslld', 'F2', 'W0'], ['vpsllq', 'F3', 'W1'], ['vpsrlw', 'D1', 'WIG'], ['vpsrld', 'D2', 'W0'], ['vpsrlq', 'D3', 'W1'], ['vpsraw', 'E1', 'WIG'], ['vpsrad', 'E2', 'W0'], ['vpsraq', 'E2', 'W1']]) {
    for (const [l, r] of VL) rows.push([mn, `${r},v${r}*,xmm/m128`, `EVEX.${l}.66.0F.${w} ${opc} /r`]);
  }
  for (const [mn, opc, n, w] of [
    ['vpsrlw', '71', 2, 'WIG'], ['vpsraw', '71', 4, 'WIG'], ['vpsllw', '71', 6, 'WIG'], ['vpsrld', '72', 2, 'W0'], ['vpsrad', '72', 4, 'W0'], ['vpslld', '72', 6, 'W0'],
    ['vpsraq', '72', 4, 'W1'], ['vpsrlq', '73', 2, 'W1'], ['vpsllq', '73', 6, 'W1'], ['vpsrldq', '73', 3, 'WIG'], ['vpslldq', '73', 7, 'WIG'],
    ['vprord', '72', 0, 'W0'], ['vprorq', '72', 0, 'W1'], ['vprold', '72', 1, 'W0'], ['vprolq', '72', 1, 'W1'],
  ] as [string, string, number, string][]) {
    pk(mn, `66.0F.${w}`, opc, { shape: 'vi', n, b: w === 'W0' ? 32 : w === 'W1' ? 64 : undefined });
  }
  // Widening and narrowing integer moves.
  ([['bw', 0x20, 64], ['bd', 0x21, 32], ['bq', 0x22, 16], ['wd', 0x23, 64], ['wq', 0x24, 32], ['dq', 0x25, 64]] as [string, number, number][]).forEach(([t, op, size]) => {
    const w = t === 'dq' ? 'W0' : 'WIG';
    const forms: [string, string][] = [['xmm', `xmm/m${size}`], ['ymm', `xmm/m${size * 2}`], ['zmm', size === 64 ? 'ymm/m256' : `xmm/m${size * 4}`]];
    cv(`vpmovsx${t}`, `66.0F38.${w}`, h(op), forms);
    cv(`vpmovzx${t}`, `66.0F38.${w}`, h(op + 0x10), forms);
  });
  ([['wb', 0x30, 64], ['db', 0x31, 32], ['qb', 0x32, 16], ['dw', 0x33, 64], ['qw', 0x34, 32], ['qd', 0x35, 64]] as [string, number, number][]).forEach(([t, op, size]) => {
    const forms: [string, string][] = [[`xmm/m${size}`, 'xmm'], [`xmm/m${size * 2}`, 'ymm'], [size === 64 ? 'ymm/m256' : `xmm/m${size * 4}`, 'zmm']];
    for (const [pre, d] of [['', 0], ['s', -0x10], ['us', -0x20]] as [string, number][]) cv(`vpmov${pre}${t}`, 'F3.0F38.W0', h(op + d), forms);
  });
  // Integer compares into an opmask register; vpcmp[u]{b,w,d,q} take the predicate as an
  // immediate or in the mnemonic (eq lt le neq nlt nle = 0 1 2 4 5 6).
  for (const [t, op, w] of [['b', '74', 'WIG'], ['w', '75', 'WIG'], ['d', '76', 'W0']]) pk(`vpcmpeq${t}`, `66.0F.${w}`, op, { shape: 'k', b: t === 'd' ? 32 : undefined });
  pk('vpcmpeqq', '66.0F38.W1', '29', { shape: 'k', b: 64 });
  for (const [t, op, w] of [['b', '64', 'WIG'], ['w', '65', 'WIG'], ['d', '66', 'W0']]) pk(`vpcmpgt${t}`, `66.0F.${w}`, op, { shape: 'k', b: t === 'd' ? 32 : undefined });
  pk('vpcmpgtq', '66.0F38.W1', '37', { shape: 'k', b: 64 });
  for (const [t, op, w] of [['b', '3F', 'W0'], ['w', '3F', 'W1'], ['d', '1F', 'W0'], ['q', '1F', 'W1']]) {
    const b = t === 'd' ? 32 : t === 'q' ? 64 : undefined;
    for (const u of ['', 'u']) {
      const opc = h(parseInt(op, 16) - (u ? 1 : 0));
      pk(`vpcmp${u}${t}`, `66.0F3A.${w}`, opc, { shape: 'k', b, tail: ' ib' });
      ['eq', 'lt', 'le ngt', '', 'neq', 'nlt ge', 'nle gt'].forEach((preds, n) => {
        // The signed eq and gt forms have opcodes of their own (above, found first); NASM has no false/true aliases here.
        for (const pred of preds.split(' ')) {
          if (!pred || (!u && pred === 'eq')) continue;
          pk(`vpcmp${pred}${u}${t}`, `66.0F3A.${w}`, opc, { shape: 'k', b, tail: ` ${h(n)}` });
        }
      });
    }
  }
  for (const [t, w, b] of [['d', 'W0', 32], ['q', 'W1', 64], ['b', 'W0', 0], ['w', 'W1', 0]] as [string, string, number][]) {
    const bc = b ? (b as 32 | 64) : undefined;
    pk(`vptestm${t}`, `66.0F38.${w}`, b ? '27' : '26', { shape: 'k', b: bc });
    pk(`vptestnm${t}`, `F3.0F38.${w}`, b ? '27' : '26', { shape: 'k', b: bc });
  }
  // AVX512BW rest.
  pk('vdbpsadbw', '66.0F3A.W0', '42', { tail: ' ib' });
  pk('vpalignr', '66.0F3A.WIG', '0F', { tail: ' ib' });
  pk('vpblendmb', '66.0F38.W0', '66', { all: true });
  pk('vpblendmw', '66.0F38.W1', '66', { all: true });
  pk('vpermw', '66.0F38.W1', '8D');
  pk('vpermi2w', '66.0F38.W1', '75', { all: true });
  pk('vpermt2w', '66.0F38.W1', '7D', { all: true });
  for (const [mn, op] of [['vpsrlvw', '10'], ['vpsravw', '11'], ['vpsllvw', '12']]) pk(mn, '66.0F38.W1', op);
  cv('vpbroadcastb', '66.0F38.W0', '78', [['xmm', 'xmm/m8'], ['ymm', 'xmm/m8'], ['zmm', 'xmm/m8']]);
  cv('vpbroadcastw', '66.0F38.W0', '79', [['xmm', 'xmm/m16'], ['ymm', 'xmm/m16'], ['zmm', 'xmm/m16']]);
  for (const [l, r] of VL) {
    // From a general register: NASM takes any size of it (the low byte/word is used).
    for (const g of ['~r8', '~r16', '~r32', '~r64']) rows.push(['vpbroadcastb', `${r},${g}`, `EVEX.${l}.66.0F38.W0 7A /r`, g === '~r64' ? 'long' : g === '~r8' ? 'anymode norex8' : '']);
    for (const g of ['~r16', '~r32', '~r64']) rows.push(['vpbroadcastw', `${r},${g}`, `EVEX.${l}.66.0F38.W0 7B /r`, g === '~r64' ? 'long' : '']);
    rows.push(
      ['vpmovb2m', `kreg,${r}`, `EVEX.${l}.F3.0F38.W0 29 /r`], ['vpmovw2m', `kreg,${r}`, `EVEX.${l}.F3.0F38.W1 29 /r`],
      ['vpmovd2m', `kreg,${r}`, `EVEX.${l}.F3.0F38.W0 39 /r`], ['vpmovq2m', `kreg,${r}`, `EVEX.${l}.F3.0F38.W1 39 /r`],
      ['vpmovm2b', `${r},kreg`, `EVEX.${l}.F3.0F38.W0 28 /r`], ['vpmovm2w', `${r},kreg`, `EVEX.${l}.F3.0F38.W1 28 /r`],
      ['vpmovm2d', `${r},kreg`, `EVEX.${l}.F3.0F38.W0 38 /r`], ['vpmovm2q', `${r},kreg`, `EVEX.${l}.F3.0F38.W1 38 /r`],
    );
  }
  // Element inserts and extracts (xmm16-31 need EVEX; the VEX rows come first).
  rows.push(
    ['vpextrb', '~r8,xmm,imm8', 'EVEX.128.66.0F3A.WIG 14 /r ib', 'anymode norex8'], ['vpextrb', '~r16,xmm,imm8', 'EVEX.128.66.0F3A.WIG 14 /r ib'],
    ['vpextrb', '~r32,xmm,imm8', 'EVEX.128.66.0F3A.WIG 14 /r ib'], ['vpextrb', '~r64,xmm,imm8', 'EVEX.128.66.0F3A.WIG 14 /r ib', 'long'],
    ['vpextrb', 'm8,xmm,imm8', 'EVEX.128.66.0F3A.WIG 14 /r ib'],
    ['vpextrw', '~r16,xmm,imm8', 'EVEX.128.66.0F3A.WIG 15 /r ib'], ['vpextrw', '~r32,xmm,imm8', 'EVEX.128.66.0F3A.WIG 15 /r ib'],
    ['vpextrw', '~r64,xmm,imm8', 'EVEX.128.66.0F3A.WIG 15 /r ib', 'long'], ['vpextrw', 'm16,xmm,imm8', 'EVEX.128.66.0F3A.WIG 15 /r ib'],
    ['vpextrd', 'rm32,xmm,imm8', 'EVEX.128.66.0F3A.W0 16 /r ib'], ['vpextrq', 'rm64,xmm,imm8', 'EVEX.128.66.0F3A.W1 16 /r ib', 'long'],
    ['vpinsrb', 'xmm,vxmm*,~r32,imm8', 'EVEX.128.66.0F3A.WIG 20 /r ib'], ['vpinsrb', 'xmm,vxmm*,m8,imm8', 'EVEX.128.66.0F3A.WIG 20 /r ib'],
    ['vpinsrw', 'xmm,vxmm*,~r32,imm8', 'EVEX.128.66.0F.WIG C4 /r ib'], ['vpinsrw', 'xmm,vxmm*,m16,imm8', 'EVEX.128.66.0F.WIG C4 /r ib'],
    ['vpinsrd', 'xmm,vxmm*,rm32,imm8', 'EVEX.128.66.0F3A.W0 22 /r ib'], ['vpinsrq', 'xmm,vxmm*,rm64,imm8', 'EVEX.128.66.0F3A.W1 22 /r ib', 'long'],
  );
  // AVX512DQ rest: broadcasts, 128/256-bit parts, quadword conversions, classification.
  cv('vbroadcasti32x2', '66.0F38.W0', '59', [['xmm', 'xmm/m64'], ['ymm', 'xmm/m64'], ['zmm', 'xmm/m64']]);
  rows.push(
    ['vbroadcastf32x2', 'ymm,xmm/m64', 'EVEX.256.66.0F38.W0 19 /r'], ['vbroadcastf32x2', 'zmm,xmm/m64', 'EVEX.512.66.0F38.W0 19 /r'],
    ['vbroadcastf64x2', 'ymm,m128', 'EVEX.256.66.0F38.W1 1A /r'], ['vbroadcastf64x2', 'zmm,m128', 'EVEX.512.66.0F38.W1 1A /r'],
    ['vbroadcasti64x2', 'ymm,m128', 'EVEX.256.66.0F38.W1 5A /r'], ['vbroadcasti64x2', 'zmm,m128', 'EVEX.512.66.0F38.W1 5A /r'],
    ['vbroadcastf32x8', 'zmm,m256', 'EVEX.512.66.0F38.W0 1B /r'], ['vbroadcasti32x8', 'zmm,m256', 'EVEX.512.66.0F38.W0 5B /r'],
  );
  for (const [t, i] of [['f', 0], ['i', 0x20]] as [string, number][]) {
    rows.push(
      [`vinsert${t}64x2`, 'ymm,vymm*,xmm/m128,imm8', `EVEX.256.66.0F3A.W1 ${h(0x18 + i)} /r ib`], [`vinsert${t}64x2`, 'zmm,vzmm*,xmm/m128,imm8', `EVEX.512.66.0F3A.W1 ${h(0x18 + i)} /r ib`],
      [`vinsert${t}32x8`, 'zmm,vzmm*,ymm/m256,imm8', `EVEX.512.66.0F3A.W0 ${h(0x1a + i)} /r ib`],
      [`vextract${t}64x2`, 'xmm/m128,ymm,imm8', `EVEX.256.66.0F3A.W1 ${h(0x19 + i)} /r ib`], [`vextract${t}64x2`, 'xmm/m128,zmm,imm8', `EVEX.512.66.0F3A.W1 ${h(0x19 + i)} /r ib`],
      [`vextract${t}32x8`, 'ymm/m256,zmm,imm8', `EVEX.512.66.0F3A.W0 ${h(0x1b + i)} /r ib`],
    );
  }
  pk('vcvtpd2qq', '66.0F.W1', '7B', { shape: 'un', b: 64, er: 'er' });
  pk('vcvtpd2uqq', '66.0F.W1', '79', { shape: 'un', b: 64, er: 'er' });
  pk('vcvttpd2qq', '66.0F.W1', '7A', { shape: 'un', b: 64, er: 'sae' });
  pk('vcvttpd2uqq', '66.0F.W1', '78', { shape: 'un', b: 64, er: 'sae' });
  pk('vcvtqq2pd', 'F3.0F.W1', 'E6', { shape: 'un', b: 64, er: 'er' });
  pk('vcvtuqq2pd', 'F3.0F.W1', '7A', { shape: 'un', b: 64, er: 'er' });
  cv('vcvtps2qq', '66.0F.W0', '7B', WIDEN, 32, 'er');
  cv('vcvtps2uqq', '66.0F.W0', '79', WIDEN, 32, 'er');
  cv('vcvttps2qq', '66.0F.W0', '7A', WIDEN, 32, 'sae');
  cv('vcvttps2uqq', '66.0F.W0', '78', WIDEN, 32, 'sae');
  cv('vcvtqq2ps', '0F.W1', '5B', NARROW, 64, 'er', 'memsized');
  cv('vcvtuqq2ps', 'F2.0F.W1', '7A', NARROW, 64, 'er', 'memsized');
  for (const [t, w, b] of [['ps', 'W0', 32], ['pd', 'W1', 64]] as [string, string, 32 | 64][]) {
    for (const [l, r] of VL) rows.push([`vfpclass${t}`, `kreg,${r}/m${l}/b${b},imm8`, `EVEX.${l}.66.0F3A.${w} 66 /r ib`, 'memsized']);
    rows.push([`vfpclass${t === 'ps' ? 'ss' : 'sd'}`, `kreg,xmm/m${b},imm8`, `EVEX.LIG.66.0F3A.${w} 67 /r ib`]);
  }
  // AVX512IFMA, VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ, BF16, VP2INTERSECT, GFNI.
  pk('vpmadd52luq', '66.0F38.W1', 'B4', { b: 64, all: true });
  pk('vpmadd52huq', '66.0F38.W1', 'B5', { b: 64, all: true });
  pk('vpermb', '66.0F38.W0', '8D');
  pk('vpermi2b', '66.0F38.W0', '75', { all: true });
  pk('vpermt2b', '66.0F38.W0', '7D', { all: true });
  pk('vpmultishiftqb', '66.0F38.W1', '83', { b: 64 });
  for (const [mn, w, n] of [['vpcompressb', 'W0', 1], ['vpcompressw', 'W1', 2]] as [string, string, number][]) {
    for (const [l, r] of VL) rows.push([mn, `${r}/m${l},${r}`, `EVEX.${l}.66.0F38.${w} 63 /r`, `n${n}`]);
  }
  pk('vpexpandb', '66.0F38.W0', '62', { shape: 'un', fl: 'n1' });
  pk('vpexpandw', '66.0F38.W1', '62', { shape: 'un', fl: 'n2' });
  for (const [dir, base] of [['l', 0x70], ['r', 0x72]] as [string, number][]) {
    pk(`vpsh${dir}dw`, '66.0F3A.W1', h(base), { tail: ' ib' });
    pk(`vpsh${dir}dd`, '66.0F3A.W0', h(base + 1), { b: 32, tail: ' ib' });
    pk(`vpsh${dir}dq`, '66.0F3A.W1', h(base + 1), { b: 64, tail: ' ib' });
    pk(`vpsh${dir}dvw`, '66.0F38.W1', h(base));
    pk(`vpsh${dir}dvd`, '66.0F38.W0', h(base + 1), { b: 32 });
    pk(`vpsh${dir}dvq`, '66.0F38.W1', h(base + 1), { b: 64 });
  }
  for (const [mn, op] of [['vpdpbusd', '50'], ['vpdpbusds', '51'], ['vpdpwssd', '52'], ['vpdpwssds', '53']]) pk(mn, '66.0F38.W0', op, { b: 32 });
  pk('vpopcntb', '66.0F38.W0', '54', { shape: 'un' });
  pk('vpopcntw', '66.0F38.W1', '54', { shape: 'un' });
  pk('vpopcntd', '66.0F38.W0', '55', { shape: 'un' }); // no broadcast in NASM 2.16.01
  pk('vpopcntq', '66.0F38.W1', '55', { shape: 'un' });
  pk('vpshufbitqmb', '66.0F38.W0', '8F', { shape: 'k' });
  pk('vcvtne2ps2bf16', 'F2.0F38.W0', '72', { b: 32 });
  // NASM 2.16.01's rows for these take a vvvv source (vcvtneps2bf16) and 16 bytes of memory for ymm/zmm: kept for the same bytes.
  pk('vcvtneps2bf16', 'F3.0F38.W0', '72', { b: 32 });
  // (Their displacements still scale by the vector length.)
  for (const [l, r] of VL) {
    rows.push(['vdpbf16ps', `${r},v${r}*,${r}/m128/b32`, `EVEX.${l}.F3.0F38.W0 52 /r`, `n${+l / 8}`]);
    rows.push(['vp2intersectd', `kreg,v${r},${r}/m128/b32`, `EVEX.${l}.F2.0F38.W0 68 /r`, `n${+l / 8}`]); // NASM 2.16.01 has no vp2intersectq
  }
  pk('vgf2p8affineinvqb', '66.0F3A.W1', 'CF', { b: 64, tail: ' ib' });
  pk('vgf2p8affineqb', '66.0F3A.W1', 'CE', { b: 64, tail: ' ib' });
  pk('vgf2p8mulb', '66.0F38.W0', 'CF');
  // AVX512_4FMAPS and AVX512_4VNNIW (Xeon Phi): a register set of four (`zmm1+3`) in vvvv, 16 bytes of memory.
  for (const [mn, op, l] of [['v4fmaddps', '9A', '512'], ['v4fnmaddps', 'AA', '512'], ['v4fmaddss', '9B', 'LIG'], ['v4fnmaddss', 'AB', 'LIG'], ['v4dpwssds', '53', '512'], ['v4dpwssd', '52', '512']]) {
    rows.push([mn, 'zmm,vzmm/rs4,m128', `EVEX.${l}.F2.0F38.W0 ${op} /r`, 'n16 lowregs unsizedok']); // NASM 2.16.01 takes only zmm0-15 here
  }
  // Gathers and scatters (VSIB, an opmask on the destination); prefetches (AVX512PF).
  for (const [t, w, n] of [['d', 'W0', 4], ['q', 'W1', 8]] as [string, string, number][]) {
    const sfx = t === 'd' ? 'ps' : 'pd';
    const idxD: [string, string][] = t === 'd' ? [['xmm', 'vm32x'], ['ymm', 'vm32y'], ['zmm', 'vm32z']] : [['xmm', 'vm32x'], ['ymm', 'vm32x'], ['zmm', 'vm32y']];
    const idxQ: [string, string][] = t === 'd' ? [['xmm', 'vm64x'], ['xmm', 'vm64y'], ['ymm', 'vm64z']] : [['xmm', 'vm64x'], ['ymm', 'vm64y'], ['zmm', 'vm64z']];
    for (const [mn, op, forms] of [[`vgatherd${sfx}`, '92', idxD], [`vgatherq${sfx}`, '93', idxQ], [`vpgatherd${t}`, '90', idxD], [`vpgatherq${t}`, '91', idxQ]] as [string, string, [string, string][]][]) {
      forms.forEach(([r, m], i) => rows.push([mn, `${r},${m}`, `EVEX.${VL[i][0]}.66.0F38.${w} ${op} /r`, `n${n} noz`]));
    }
    for (const [mn, op, forms] of [[`vscatterd${sfx}`, 'A2', idxD], [`vscatterq${sfx}`, 'A3', idxQ], [`vpscatterd${t}`, 'A0', idxD], [`vpscatterq${t}`, 'A1', idxQ]] as [string, string, [string, string][]][]) {
      forms.forEach(([r, m], i) => rows.push([mn, `${m},${r}`, `EVEX.${VL[i][0]}.66.0F38.${w} ${op} /r`, `n${n}`]));
    }
    for (const [pf, ext] of [['vgatherpf0', 1], ['vgatherpf1', 2], ['vscatterpf0', 5], ['vscatterpf1', 6]] as [string, number][]) {
      rows.push([`${pf}d${sfx}`, t === 'd' ? 'vm32z' : 'vm32y', `EVEX.512.66.0F38.${w} C6 /${ext}`, `n${n}`], [`${pf}q${sfx}`, 'vm64z', `EVEX.512.66.0F38.${w} C7 /${ext}`, `n${n}`]);
    }
  }

  // Opmask instructions (VEX-encoded): b/w/d/q select pp and W as in the SDM.
  for (const [t, pp, w] of [['b', '66.', 'W0'], ['w', '', 'W0'], ['d', '66.', 'W1'], ['q', '', 'W1']]) {
    for (const [op, opc] of [['and', '41'], ['andn', '42'], ['or', '45'], ['xnor', '46'], ['xor', '47'], ['add', '4A']]) {
      rows.push([`k${op}${t}`, 'kreg,vkreg,kreg', `VEX.256.${pp}0F.${w} ${opc} /r`]);
    }
    rows.push([`knot${t}`, 'kreg,kreg', `VEX.128.${pp}0F.${w} 44 /r`], [`kortest${t}`, 'kreg,kreg', `VEX.128.${pp}0F.${w} 98 /r`], [`ktest${t}`, 'kreg,kreg', `VEX.128.${pp}0F.${w} 99 /r`]);
    // kmov: k <- k/m, m <- k, k <- r32/r64, r32/r64 <- k.
    const size = { b: 8, w: 16, d: 32, q: 64 }[t]!;
    const gpr = t === 'q' ? 'r64' : 'r32';
    const ppGpr = t === 'b' ? '66.' : t === 'w' ? '' : 'F2.';
    const wGpr = t === 'q' ? 'W1' : 'W0';
    rows.push(
      [`kmov${t}`, `kreg,kreg`, `VEX.128.${pp}0F.${w} 90 /r`], [`kmov${t}`, `kreg,m${size}`, `VEX.128.${pp}0F.${w} 90 /r`],
      [`kmov${t}`, `m${size},kreg`, `VEX.128.${pp}0F.${w} 91 /r`],
      [`kmov${t}`, `kreg,~${gpr}`, `VEX.128.${ppGpr}0F.${wGpr} 92 /r`, t === 'q' ? 'long' : ''], [`kmov${t}`, `${gpr},kreg`, `VEX.128.${ppGpr}0F.${wGpr} 93 /r`, t === 'q' ? 'long' : ''],
    );
  }
  rows.push(['kmovw', 'kreg,~r16', 'VEX.128.0F.W0 92 /r']); // NASM also takes a word register here
  rows.push(['kmovb', 'kreg,~r8', 'VEX.128.66.0F.W0 92 /r', 'anymode norex8']); // and a byte register, by its number
  rows.push(['kunpckbw', 'kreg,vkreg,kreg', 'VEX.256.66.0F.W0 4B /r'], ['kunpckwd', 'kreg,vkreg,kreg', 'VEX.256.0F.W0 4B /r'], ['kunpckdq', 'kreg,vkreg,kreg', 'VEX.256.0F.W1 4B /r']);
  for (const [dir, base] of [['l', 0x32], ['r', 0x30]] as [string, number][]) {
    rows.push(
      [`kshift${dir}b`, 'kreg,kreg,imm8', `VEX.128.66.0F3A.W0 ${h(base)} /r ib`], [`kshift${dir}w`, 'kreg,kreg,imm8', `VEX.128.66.0F3A.W1 ${h(base)} /r ib`],
      [`kshift${dir}d`, 'kreg,kreg,imm8', `VEX.128.66.0F3A.W0 ${h(base + 1)} /r ib`], [`kshift${dir}q`, 'kreg,kreg,imm8', `VEX.128.66.0F3A.W1 ${h(base + 1)} /r ib`],
    );
  }
  // NASM's size-less opmask names: k registers carry no size, so its byte forms come first (kunpck is
  // kunpckbw); kmov takes its size from a memory operand's keyword or a general register (an unsized
  // store is kmovb, an unsized load needs a size).
  for (const [op, opc] of [['and', '41'], ['andn', '42'], ['or', '45'], ['xnor', '46'], ['xor', '47'], ['add', '4A'], ['unpck', '4B']]) {
    rows.push([`k${op}`, 'kreg,vkreg,kreg', `VEX.256.66.0F.W0 ${opc} /r`]);
  }
  rows.push(
    ['knot', 'kreg,kreg', 'VEX.128.66.0F.W0 44 /r'], ['kortest', 'kreg,kreg', 'VEX.128.66.0F.W0 98 /r'], ['ktest', 'kreg,kreg', 'VEX.128.66.0F.W0 99 /r'],
    ['kshiftl', 'kreg,kreg,imm8', 'VEX.128.66.0F3A.W0 32 /r ib'], ['kshiftr', 'kreg,kreg,imm8', 'VEX.128.66.0F3A.W0 30 /r ib'],
    ['kmov', 'kreg,kreg', 'VEX.128.66.0F.W0 90 /r'], ['kmov', 'm8,kreg', 'VEX.128.66.0F.W0 91 /r', 'unsizedok'],
  );
  for (const [size, pp, w] of [[8, '66.', 'W0'], [16, '', 'W0'], [32, '66.', 'W1'], [64, '', 'W1']] as [number, string, string][]) {
    rows.push(['kmov', `kreg,m${size}`, `VEX.128.${pp}0F.${w} 90 /r`]);
    if (size > 8) rows.push(['kmov', `m${size},kreg`, `VEX.128.${pp}0F.${w} 91 /r`]);
  }
  rows.push(
    ['kmov', 'kreg,~r32', 'VEX.128.66.0F.W0 92 /r'], ['kmov', 'kreg,~r64', 'VEX.128.F2.0F.W1 92 /r', 'long'], ['kmov', 'kreg,~r16', 'VEX.128.0F.W0 92 /r'],
    ['kmov', 'kreg,~r8', 'VEX.128.66.0F.W0 92 /r', 'anymode norex8'], ['kmov', 'r32,kreg', 'VEX.128.66.0F.W0 93 /r'], ['kmov', 'r64,kreg', 'VEX.128.F2.0F.W1 93 /r', 'long'],
  );
  // VAES and VPCLMULQDQ: ymm with VEX, zmm (and xmm16-31/ymm16-31) with EVEX.
  for (const [mn, op] of [['vaesenc', 'DC'], ['vaesenclast', 'DD'], ['vaesdec', 'DE'], ['vaesdeclast', 'DF']]) pk(mn, '66.0F38.WIG', op);
  pk('vpclmulqdq', '66.0F3A.WIG', '44', { tail: ' ib' });
  for (const [mn, imm] of [['vpclmullqlqdq', '00'], ['vpclmulhqlqdq', '01'], ['vpclmullqhqdq', '10'], ['vpclmulhqhqdq', '11']]) pk(mn, '66.0F3A.WIG', '44', { tail: ` ${imm}` });
  for (const r of rows) if (NO_MASK.has(r[0])) r[3] = r[3] ? `${r[3]} nomask` : 'nomask';
  return rows;
}

/**
 * Mnemonics whose NASM rows take memory of no size of their own, the size coming from the row's
 * flag (SETcc, most SSE2 and MMX rows, LAR/LSL, PINSRW, MOVNT*...): a wrong size keyword there is
 * NASM's "mismatch in operand sizes", where other rows say "invalid combination of opcode and
 * operands" (measured with NASM 2.16.01: every size keyword on every row's memory operand in 16-,
 * 32- and 64-bit mode).
 */
export const SIZE_FLAGGED_MEMORY: string[] = [
  'addpd', 'addsd', 'andnpd', 'andpd', 'arpl', 'cmpeqpd', 'cmpeqsd', 'cmplepd', 'cmplesd', 'cmpltpd',
  'cmpltsd', 'cmpneqpd', 'cmpneqsd', 'cmpnlepd', 'cmpnlesd', 'cmpnltpd', 'cmpnltsd', 'cmpordpd',
  'cmpordsd', 'cmpunordpd', 'cmpunordsd', 'cvtdq2pd', 'cvtdq2ps', 'cvtpd2dq', 'cvtpd2pi', 'cvtpd2ps',
  'cvtpi2pd', 'cvtps2dq', 'cvtps2pd', 'cvtsd2si', 'cvtsd2ss', 'cvtss2sd', 'cvtss2si', 'cvttpd2dq',
  'cvttpd2pi', 'cvttps2dq', 'cvttps2pi', 'cvttsd2si', 'cvttss2si', 'divpd', 'divsd', 'lar', 'lsl',
  'maxpd', 'maxsd', 'minpd', 'minsd', 'movntdq', 'movntpd', 'movntq', 'movq', 'packssdw', 'packsswb',
  'packuswb', 'paddb', 'paddd', 'paddq', 'paddsb', 'paddsw', 'paddusb', 'paddusw', 'paddw', 'palignr',
  'pand', 'pandn', 'pavgb', 'pavgw', 'pcmpeqb', 'pcmpeqd', 'pcmpeqw', 'pcmpgtb', 'pcmpgtd', 'pcmpgtw',
  'pinsrb', 'pinsrw', 'pmaddwd', 'pmaxsw', 'pmaxub', 'pminsw', 'pminub', 'pmulhuw', 'pmulhw',
  'pmullw', 'pmuludq', 'por', 'psadbw', 'pshufd', 'pshufhw', 'pshuflw', 'pshufw', 'pslld', 'psllq',
  'psllw', 'psrad', 'psraw', 'psrld', 'psrlq', 'psrlw', 'psubb', 'psubd', 'psubq', 'psubsb', 'psubsw',
  'psubusb', 'psubusw', 'psubw', 'punpckhbw', 'punpckhdq', 'punpckhqdq', 'punpckhwd', 'punpcklbw',
  'punpckldq', 'punpcklqdq', 'punpcklwd', 'pxor', 'seta', 'setae', 'setb', 'setbe', 'setc', 'sete',
  'setg', 'setge', 'setl', 'setle', 'setna', 'setnae', 'setnb', 'setnbe', 'setnc', 'setne', 'setng',
  'setnge', 'setnl', 'setnle', 'setno', 'setnp', 'setns', 'setnz', 'seto', 'setp', 'setpe', 'setpo',
  'sets', 'setz', 'v4dpwssd', 'v4dpwssds', 'v4fmaddps', 'v4fmaddss', 'v4fnmaddps', 'v4fnmaddss',
];

/**
 * Mnemonics whose legacy-encoded byte immediate NASM checks as unsigned (shift counts, bit
 * numbers, ports, vectors, selectors of the SSE shuffles and compares): a negative value warns
 * "byte data exceeds bounds" where other byte immediates accept -256..255. Measured with NASM
 * 2.16.01 on every row with a byte immediate, values -1, -200, 256, -256 and -257, in 16-, 32- and
 * 64-bit mode; VEX and EVEX forms take any byte.
 */
export const UNSIGNED_IMM8_MNEMONICS: string[] = [
  'aad', 'aam', 'blendpd', 'blendps', 'bt', 'btc', 'btr', 'bts', 'cmppd', 'cmpps', 'cmpsd', 'cmpss',
  'dppd', 'dpps', 'enter', 'extractps', 'in', 'insertps', 'int', 'mpsadbw', 'out', 'palignr',
  'pblendw', 'pcmpestri', 'pcmpestrm', 'pcmpistri', 'pcmpistrm', 'pextrb', 'pextrd', 'pextrq',
  'pextrw', 'pinsrb', 'pinsrd', 'pinsrq', 'pinsrw', 'pslld', 'pslldq', 'psllq', 'psllw', 'psrad',
  'psraw', 'psrld', 'psrldq', 'psrlq', 'psrlw', 'rcl', 'rcr', 'rol', 'ror', 'roundpd', 'roundps',
  'roundsd', 'roundss', 'sal', 'sar', 'shl', 'shld', 'shr', 'shrd', 'shufpd', 'shufps',
];

export const RAW_ROWS: RawRow[] = [
  // --- data movement ---
  ['mov', 'al,mo', 'A0 mo'],
  ['mov', 'ax,mo', 'o16 A1 mo'],
  ['mov', 'eax,mo', 'o32 A1 mo'],
  ['mov', 'rax,mo', 'o64 A1 mo'],
  ['mov', 'mo,al', 'A2 mo'],
  ['mov', 'mo,ax', 'o16 A3 mo'],
  ['mov', 'mo,eax', 'o32 A3 mo'],
  ['mov', 'mo,rax', 'o64 A3 mo'],
  ['mov', 'rm8,r8', '88 /r'],
  ['mov', 'rm16,r16', 'o16 89 /r'],
  ['mov', 'rm32,r32', 'o32 89 /r'],
  ['mov', 'rm64,r64', 'o64 89 /r'],
  ['mov', 'r8,rm8', '8A /r'],
  ['mov', 'r16,rm16', 'o16 8B /r'],
  ['mov', 'r32,rm32', 'o32 8B /r'],
  ['mov', 'r64,rm64', 'o64 8B /r'],
  ['mov', '~r16,sreg', 'o16 8C /r'],
  ['mov', 'm16,sreg', '8C /r', 'unsizedok'],
  ['mov', '~r32,sreg', 'o32 8C /r'],
  ['mov', '~r64,sreg', '8C /r', 'sregopt'],
  ['mov', 'm64,sreg', 'o64 8C /r', 'long'], // mov qword [rsi], es: REX.W, as NASM
  ['mov', 'sreg,rm16', '8E /r', 'unsizedok sregopt'],
  ['mov', 'sreg,~r32', '8E /r', 'sregopt'],
  ['mov', 'sreg,~r64', '8E /r', 'sregopt'],
  ['mov', 'sreg,m64', 'o64 8E /r', 'long'],
  ['mov', 'r8,imm8', 'B0+r ib'],
  ['mov', 'r16,imm16', 'o16 B8+r iw'],
  ['mov', 'r32,imm32', 'o32 B8+r id'],
  ['mov', 'r64,ud64', 'o32 B8+r id'],
  ['mov', 'r64,sd64', 'o64 C7 /0 id'],
  ['mov', 'r64,imm64', 'o64 B8+r iq'],
  ['mov', 'rm8,imm8', 'C6 /0 ib'],
  ['mov', 'rm16,imm16', 'o16 C7 /0 iw'],
  ['mov', 'rm32,imm32', 'o32 C7 /0 id'],
  ['mov', 'rm64,imm32', 'o64 C7 /0 id'],
  ['mov', 'creg,~r32', '0F 22 /r', 'nolong'],
  ['mov', 'creg,~r64', '0F 22 /r', 'long'],
  ['mov', '~r32,creg', '0F 20 /r', 'nolong'],
  ['mov', '~r64,creg', '0F 20 /r', 'long'],
  ['mov', 'treg,~r32', '0F 26 /r', 'nolong'],
  ['mov', '~r32,treg', '0F 24 /r', 'nolong'],
  ['mov', 'dreg,~r32', '0F 23 /r', 'nolong'],
  ['mov', 'dreg,~r64', '0F 23 /r', 'long'],
  ['mov', '~r32,dreg', '0F 21 /r', 'nolong'],
  ['mov', '~r64,dreg', '0F 21 /r', 'long'],
  ['movzx', 'r16,rm8', 'o16 0F B6 /r', 'nosm smem'],
  ['movzx', 'r32,rm8', 'o32 0F B6 /r', 'nosm'],
  ['movzx', 'r64,rm8', 'o64 0F B6 /r', 'nosm'],
  ['movzx', 'r32,rm16', 'o32 0F B7 /r', 'nosm'],
  ['movzx', 'r64,rm16', 'o64 0F B7 /r', 'nosm'],
  ['movsx', 'r16,rm8', 'o16 0F BE /r', 'nosm smem'],
  ['movsx', 'r32,rm8', 'o32 0F BE /r', 'nosm'],
  ['movsx', 'r64,rm8', 'o64 0F BE /r', 'nosm'],
  ['movsx', 'r32,rm16', 'o32 0F BF /r', 'nosm'],
  ['movsx', 'r64,rm16', 'o64 0F BF /r', 'nosm'],
  ['movsxd', 'r64,rm32', 'o64 63 /r', 'nosm'],
  ['movsx', 'r64,rm32', 'o64 63 /r', 'nosm'],
  ['lea', 'r16,m', 'o16 8D /r'],
  ['lea', 'r32,m', 'o32 8D /r'],
  ['lea', 'r64,m', 'o64 8D /r'],
  ['xchg', 'ax,r16', 'o16 90+r'],
  ['xchg', 'r16,ax', 'o16 90+r'],
  ['xchg', 'eax,r32', 'o32 90+r', 'noeaxeax'],
  ['xchg', 'r32,eax', 'o32 90+r', 'noeaxeax'],
  ['xchg', 'rax,r64', 'o64 90+r'],
  ['xchg', 'r64,rax', 'o64 90+r'],
  ['xchg', 'r8,rm8', '86 /r'],
  ['xchg', 'r16,rm16', 'o16 87 /r'],
  ['xchg', 'r32,rm32', 'o32 87 /r'],
  ['xchg', 'r64,rm64', 'o64 87 /r'],
  ['xchg', 'rm8,r8', '86 /r'],
  ['xchg', 'rm16,r16', 'o16 87 /r'],
  ['xchg', 'rm32,r32', 'o32 87 /r'],
  ['xchg', 'rm64,r64', 'o64 87 /r'],
  ['xadd', 'rm8,r8', '0F C0 /r'],
  ['xadd', 'rm16,r16', 'o16 0F C1 /r'],
  ['xadd', 'rm32,r32', 'o32 0F C1 /r'],
  ['xadd', 'rm64,r64', 'o64 0F C1 /r'],
  ['cmpxchg', 'rm8,r8', '0F B0 /r'],
  ['cmpxchg', 'rm16,r16', 'o16 0F B1 /r'],
  ['cmpxchg', 'rm32,r32', 'o32 0F B1 /r'],
  ['cmpxchg', 'rm64,r64', 'o64 0F B1 /r'],
  ['cmpxchg8b', 'm64', '0F C7 /1', 'unsizedok'],
  ['cmpxchg16b', 'm128', 'o64 0F C7 /1', 'unsizedok'],
  ['bswap', 'r32', 'o32 0F C8+r'],
  ['bswap', 'r64', 'o64 0F C8+r'],
  // --- stack ---
  ['push', 'r16', 'o16 50+r'],
  ['push', 'r32', 'o32 50+r', 'nolong'],
  ['push', 'r64', 'o64nw 50+r', 'long'],
  ['push', 'rm16', 'o16 FF /6'],
  ['push', 'rm32', 'o32 FF /6', 'nolong'],
  ['push', 'rm64', 'o64nw FF /6', 'long'],
  ['push', 'es', '06', 'nolong'],
  ['push', 'cs', '0E', 'nolong'],
  ['push', 'ss', '16', 'nolong'],
  ['push', 'ds', '1E', 'nolong'],
  ['push', 'fs', '0F A0'],
  ['push', 'gs', '0F A8'],
  ['push', 'imm8', '6A ib', 'pushbyte'],
  ['push', 'sb16', 'o16 6A ib', 'dflt'],
  ['push', 'imm16', 'o16 68 iw', 'dflt'],
  ['push', 'sb32', 'o32 6A ib', 'dflt nolong'],
  ['push', 'imm32', 'o32 68 id', 'dflt nolong'],
  ['push', 'sb64', 'o64nw 6A ib', 'dflt long'],
  ['push', 'imm64', 'o64nw 68 id', 'dflt long'],
  ['push', 'sb32', 'o64nw 6A ib', 'long'], // `push dword 0` in 64-bit mode: a size keyword is not strict
  ['push', 'imm32', 'o64nw 68 id', 'long'],
  ['pop', 'r16', 'o16 58+r'],
  ['pop', 'r32', 'o32 58+r', 'nolong'],
  ['pop', 'r64', 'o64nw 58+r', 'long'],
  ['pop', 'rm16', 'o16 8F /0'],
  ['pop', 'rm32', 'o32 8F /0', 'nolong'],
  ['pop', 'rm64', 'o64nw 8F /0', 'long'],
  ['pop', 'es', '07', 'nolong'],
  ['pop', 'ss', '17', 'nolong'],
  ['pop', 'ds', '1F', 'nolong'],
  ['pop', 'fs', '0F A1'],
  ['pop', 'gs', '0F A9'],
  ['pop', 'cs', '0F', 'obsolete'], // NASM accepts it in every mode, with the obsolete warning
  ['pusha', '', '60', 'nolong'],
  ['pushaw', '', 'o16 60', 'nolong'],
  ['pushad', '', 'o32 60', 'nolong'],
  ['popa', '', '61', 'nolong'],
  ['popaw', '', 'o16 61', 'nolong'],
  ['popad', '', 'o32 61', 'nolong'],
  ['pushf', '', '9C'],
  ['pushfw', '', 'o16 9C'],
  ['pushfd', '', 'o32 9C', 'nolong'],
  ['pushfq', '', 'o64nw 9C', 'long'],
  ['popf', '', '9D'],
  ['popfw', '', 'o16 9D'],
  ['popfd', '', 'o32 9D', 'nolong'],
  ['popfq', '', 'o64nw 9D', 'long'],
  ['enter', 'imm16,imm8', 'C8 iw ib', 'nosm'],
  ['leave', '', 'C9'],
  // --- arithmetic and logic ---
  ...alu(),
  ['test', 'rm8,r8', '84 /r'],
  ['test', 'rm16,r16', 'o16 85 /r'],
  ['test', 'rm32,r32', 'o32 85 /r'],
  ['test', 'rm64,r64', 'o64 85 /r'],
  ['test', 'r8,rm8', '84 /r'],
  ['test', 'r16,rm16', 'o16 85 /r'],
  ['test', 'r32,rm32', 'o32 85 /r'],
  ['test', 'r64,rm64', 'o64 85 /r'],
  ['test', 'al,imm8', 'A8 ib'],
  ['test', 'ax,imm16', 'o16 A9 iw'],
  ['test', 'eax,imm32', 'o32 A9 id'],
  ['test', 'rax,imm32', 'o64 A9 id', 'sximm'],
  ['test', 'rm8,imm8', 'F6 /0 ib'],
  ['test', 'rm16,imm16', 'o16 F7 /0 iw'],
  ['test', 'rm32,imm32', 'o32 F7 /0 id'],
  ['test', 'rm64,imm32', 'o64 F7 /0 id', 'sximm'],
  ['inc', 'r16', 'o16 40+r', 'nolong'],
  ['inc', 'r32', 'o32 40+r', 'nolong'],
  ['inc', 'rm8', 'FE /0'],
  ['inc', 'rm16', 'o16 FF /0'],
  ['inc', 'rm32', 'o32 FF /0'],
  ['inc', 'rm64', 'o64 FF /0'],
  ['dec', 'r16', 'o16 48+r', 'nolong'],
  ['dec', 'r32', 'o32 48+r', 'nolong'],
  ['dec', 'rm8', 'FE /1'],
  ['dec', 'rm16', 'o16 FF /1'],
  ['dec', 'rm32', 'o32 FF /1'],
  ['dec', 'rm64', 'o64 FF /1'],
  ...unary('not', 2),
  ...unary('neg', 3),
  ...unary('mul', 4),
  ...unary('imul', 5),
  ...unary('div', 6),
  ...unary('idiv', 7),
  ['imul', 'r16,rm16', 'o16 0F AF /r'],
  ['imul', 'r32,rm32', 'o32 0F AF /r'],
  ['imul', 'r64,rm64', 'o64 0F AF /r'],
  ['imul', 'r16,rm16,sb16', 'o16 6B /r ib'],
  ['imul', 'r16,rm16,imm16', 'o16 69 /r iw'],
  ['imul', 'r32,rm32,sb32', 'o32 6B /r ib'],
  ['imul', 'r32,rm32,imm32', 'o32 69 /r id'],
  ['imul', 'r64,rm64,sb64', 'o64 6B /r ib'],
  ['imul', 'r64,rm64,imm32', 'o64 69 /r id'],
  ['imul', 'r16,sb16', 'o16 6B /rr ib'],
  ['imul', 'r16,imm16', 'o16 69 /rr iw'],
  ['imul', 'r32,sb32', 'o32 6B /rr ib'],
  ['imul', 'r32,imm32', 'o32 69 /rr id'],
  ['imul', 'r64,sb64', 'o64 6B /rr ib'],
  ['imul', 'r64,imm32', 'o64 69 /rr id'],
  ...shifts(),
  ['shld', 'rm16,r16,imm8', 'o16 0F A4 /r ib', 'nosm'],
  ['shld', 'rm32,r32,imm8', 'o32 0F A4 /r ib', 'nosm'],
  ['shld', 'rm64,r64,imm8', 'o64 0F A4 /r ib', 'nosm'],
  ['shld', 'rm16,r16,cl', 'o16 0F A5 /r', 'nosm'],
  ['shld', 'rm32,r32,cl', 'o32 0F A5 /r', 'nosm'],
  ['shld', 'rm64,r64,cl', 'o64 0F A5 /r', 'nosm'],
  ['shrd', 'rm16,r16,imm8', 'o16 0F AC /r ib', 'nosm'],
  ['shrd', 'rm32,r32,imm8', 'o32 0F AC /r ib', 'nosm'],
  ['shrd', 'rm64,r64,imm8', 'o64 0F AC /r ib', 'nosm'],
  ['shrd', 'rm16,r16,cl', 'o16 0F AD /r', 'nosm'],
  ['shrd', 'rm32,r32,cl', 'o32 0F AD /r', 'nosm'],
  ['shrd', 'rm64,r64,cl', 'o64 0F AD /r', 'nosm'],
  ...bitOps(),
  ...condOps(),
  ['cbw', '', 'o16 98'],
  ['cwde', '', 'o32 98'],
  ['cdqe', '', 'o64 98'],
  ['cwd', '', 'o16 99'],
  ['cdq', '', 'o32 99'],
  ['cqo', '', 'o64 99'],
  ['aaa', '', '37', 'nolong'],
  ['aas', '', '3F', 'nolong'],
  ['daa', '', '27', 'nolong'],
  ['das', '', '2F', 'nolong'],
  ['aam', '', 'D4 0A', 'nolong'],
  ['aam', 'imm8', 'D4 ib', 'nolong'],
  ['aad', '', 'D5 0A', 'nolong'],
  ['aad', 'imm8', 'D5 ib', 'nolong'],
  ['salc', '', 'D6', 'nolong'],
  ['xlatb', '', 'D7'],
  ['xlat', '', 'D7'],
  ['lahf', '', '9F'],
  ['sahf', '', '9E'],
  ['clc', '', 'F8'],
  ['stc', '', 'F9'],
  ['cmc', '', 'F5'],
  ['cld', '', 'FC'],
  ['std', '', 'FD'],
  ['cli', '', 'FA'],
  ['sti', '', 'FB'],
  // --- control transfer ---
  ...jumps(),
  ['ret', '', 'C3'],
  ['ret', 'imm16', 'C2 iw'],
  ['retn', '', 'C3'],
  ['retn', 'imm16', 'C2 iw'],
  ['retw', '', 'o16 C3'],
  ['retw', 'imm16', 'C2 iw'],
  ['retd', '', 'o32 C3', 'nolong'],
  ['retd', 'imm16', 'o32 C2 iw', 'nolong'],
  ['retq', '', 'C3', 'long'],
  ['retq', 'imm16', 'C2 iw', 'long'],
  // retn with an operand size (NASM gives retnw its prefix also with an immediate, unlike retw).
  ['retnw', '', 'o16 C3'],
  ['retnw', 'imm16', 'o16 C2 iw'],
  ['retnd', '', 'o32 C3', 'nolong'],
  ['retnd', 'imm16', 'o32 C2 iw', 'nolong'],
  ['retnq', '', 'C3', 'long'],
  ['retnq', 'imm16', 'C2 iw', 'long'],
  ['retf', '', 'CB'],
  ['retf', 'imm16', 'CA iw'],
  ['retfw', '', 'o16 CB'],
  ['retfw', 'imm16', 'o16 CA iw'],
  ['retfd', '', 'o32 CB'],
  ['retfd', 'imm16', 'o32 CA iw'],
  ['retfq', '', 'o64 CB', 'long'],
  ['retfq', 'imm16', 'o64 CA iw', 'long'],
  ['iret', '', 'CF'],
  ['iretw', '', 'o16 CF'],
  ['iretd', '', 'o32 CF'],
  ['iretq', '', 'o64 CF', 'long'],
  ['int', 'imm8', 'CD ib'],
  ['int3', '', 'CC'],
  ['int1', '', 'F1'],
  ['icebp', '', 'F1'],
  ['into', '', 'CE', 'nolong'],
  ['syscall', '', '0F 05'],
  ['sysret', '', '0F 07'],
  ['sysenter', '', '0F 34'],
  ['sysexit', '', '0F 35'],
  // --- I/O and strings ---
  ['in', 'al,imm8', 'E4 ib'],
  ['in', 'ax,imm8', 'o16 E5 ib'],
  ['in', 'eax,imm8', 'o32 E5 ib'],
  ['in', 'al,dx', 'EC'],
  ['in', 'ax,dx', 'o16 ED'],
  ['in', 'eax,dx', 'o32 ED'],
  ['out', 'imm8,al', 'E6 ib'],
  ['out', 'imm8,ax', 'o16 E7 ib'],
  ['out', 'imm8,eax', 'o32 E7 ib'],
  ['out', 'dx,al', 'EE'],
  ['out', 'dx,ax', 'o16 EF'],
  ['out', 'dx,eax', 'o32 EF'],
  ...sized('stos', 'AA AB'),
  ...sized('lods', 'AC AD'),
  ...sized('movs', 'A4 A5'),
  ...sized('cmps', 'A6 A7'),
  ...sized('scas', 'AE AF'),
  ['insb', '', '6C'],
  ['insw', '', 'o16 6D'],
  ['insd', '', 'o32 6D'],
  ['outsb', '', '6E'],
  ['outsw', '', 'o16 6F'],
  ['outsd', '', 'o32 6F'],
  // --- system ---
  ['hlt', '', 'F4'],
  ['nop', '', '90'],
  ['nop', 'rm16', 'o16 0F 1F /0'],
  ['nop', 'rm32', 'o32 0F 1F /0'],
  ['nop', 'rm64', 'o64 0F 1F /0'],
  ['pause', '', 'F3 90'],
  ['ud2', '', '0F 0B'],
  ['ud2a', '', '0F 0B'],
  ['ud2b', '', '0F B9'],
  ['ud0', '', '0F FF', 'obsolete'],
  // The undefined opcodes with a ModRM byte (its operands are only decoded).
  ...(['ud0', 'ud1', 'ud2b'] as const).flatMap((mn): RawRow[] => {
    const op = mn === 'ud0' ? 'FF' : 'B9';
    return [[mn, 'r16,rm16', `o16 0F ${op} /r`], [mn, 'r32,rm32', `o32 0F ${op} /r`], [mn, 'r64,rm64', `o64 0F ${op} /r`]];
  }),
  ['ud1', '', '0F B9'],
  ['int01', '', 'F1'],
  ['int03', '', 'CC'],
  // Operand-less system instructions of later CPUs (SMAP, CET, TSX, SGX, PKU, UINTR, ...), checked byte by byte against NASM.
  ['clac', '', '0F 01 CA'], ['stac', '', '0F 01 CB'], ['endbr64', '', 'F3 0F 1E FA'], ['endbr32', '', 'F3 0F 1E FB'],
  ['xtest', '', '0F 01 D6'], ['xend', '', '0F 01 D5'], ['serialize', '', '0F 01 E8'], ['wbnoinvd', '', 'F3 0F 09'],
  ['rdpkru', '', '0F 01 EE', 'long'], ['wrpkru', '', '0F 01 EF', 'long'], ['femms', '', '0F 0E'],
  ['encls', '', '0F 01 CF'], ['enclu', '', '0F 01 D7'], ['enclv', '', '0F 01 C0'], ['pconfig', '', '0F 01 C5'],
  ['xsusldtrk', '', 'F2 0F 01 E8'], ['xresldtrk', '', 'F2 0F 01 E9'],
  ['uiret', '', 'F3 0F 01 EC', 'long'], ['clui', '', 'F3 0F 01 EE', 'long'], ['stui', '', 'F3 0F 01 EF', 'long'], ['testui', '', 'F3 0F 01 ED', 'long'],
  ['cpuid', '', '0F A2'],
  ['rdmsr', '', '0F 32'],
  ['wrmsr', '', '0F 30'],
  ['rdtsc', '', '0F 31'],
  ['rdtscp', '', '0F 01 F9'],
  ['rdpmc', '', '0F 33'],
  ['clts', '', '0F 06'],
  ['invd', '', '0F 08'],
  ['wbinvd', '', '0F 09'],
  ['swapgs', '', '0F 01 F8', 'long'],
  ['xgetbv', '', '0F 01 D0'],
  ['xsetbv', '', '0F 01 D1'],
  ['monitor', '', '0F 01 C8'],
  ['mwait', '', '0F 01 C9'],
  // The operands only name the implicit registers.
  ['monitor', 'eax,ecx,edx', '0F 01 C8', 'nolong'], ['monitor', 'rax,ecx,edx', '0F 01 C8', 'long'], ['mwait', 'eax,ecx', '0F 01 C9'],
  ['lfence', '', '0F AE E8'],
  ['mfence', '', '0F AE F0'],
  ['sfence', '', '0F AE F8'],
  ['emms', '', '0F 77'],
  ['rsm', '', '0F AA'],
  ['rdrand', 'r16', 'o16 0F C7 /6'],
  ['rdrand', 'r32', 'o32 0F C7 /6'],
  ['rdrand', 'r64', 'o64 0F C7 /6'],
  ['rdseed', 'r16', 'o16 0F C7 /7'],
  ['rdseed', 'r32', 'o32 0F C7 /7'],
  ['rdseed', 'r64', 'o64 0F C7 /7'],
  ['rdfsbase', 'r32', 'F3 0F AE /0', 'long'],
  ['rdfsbase', 'r64', 'F3 o64 0F AE /0'],
  ['rdgsbase', 'r32', 'F3 0F AE /1', 'long'],
  ['rdgsbase', 'r64', 'F3 o64 0F AE /1'],
  ['wrfsbase', 'r32', 'F3 0F AE /2', 'long'],
  ['wrfsbase', 'r64', 'F3 o64 0F AE /2'],
  ['wrgsbase', 'r32', 'F3 0F AE /3', 'long'],
  ['wrgsbase', 'r64', 'F3 o64 0F AE /3'],
  ['invpcid', 'r32,m128', '66 0F 38 82 /r', 'nolong unsizedok'],
  ['invpcid', 'r64,m128', '66 o64 0F 38 82 /r', 'unsizedok'],
  ['xsaveopt', 'm', '0F AE /6'],
  ['xsaveopt64', 'm', 'o64 0F AE /6'],
  // Compacted and supervisor state (Intel SDM: 0F C7 /4 xsavec, /5 xsaves, /3 xrstors).
  ['xsavec', 'm', '0F C7 /4'], ['xsaves', 'm', '0F C7 /5'], ['xrstors', 'm', '0F C7 /3'],
  ['xsavec64', 'm', 'o64 0F C7 /4'], ['xsaves64', 'm', 'o64 0F C7 /5'], ['xrstors64', 'm', 'o64 0F C7 /3'],
  // RTM: xbegin's fallback address is relative, sized like a near call's (no short form).
  ['xabort', 'imm8', 'C6 F8 ib', 'smem'],
  ['xbegin', 'imm16', 'o16 C7 F8 rw', 'dflt nolong'], ['xbegin', 'imm32', 'o32 C7 F8 rd', 'dflt nolong'], ['xbegin', 'imm64', 'o64nw C7 F8 rd', 'dflt long'],
  ['clflushopt', 'm', '66 0F AE /7'],
  ['clwb', 'm', '66 0F AE /6'],
  ['movbe', 'r16,m16', 'o16 0F 38 F0 /r'],
  ['movbe', 'r32,m32', 'o32 0F 38 F0 /r'],
  ['movbe', 'r64,m64', 'o64 0F 38 F0 /r'],
  ['movbe', 'm16,r16', 'o16 0F 38 F1 /r'],
  ['movbe', 'm32,r32', 'o32 0F 38 F1 /r'],
  ['movbe', 'm64,r64', 'o64 0F 38 F1 /r'],
  ['crc32', 'r32,rm8', 'F2 0F 38 F0 /r', 'nosm'],
  ['crc32', 'r32,rm16', 'o16 F2 0F 38 F1 /r', 'nosm'],
  ['crc32', 'r32,rm32', 'o32 F2 0F 38 F1 /r', 'nosm'],
  ['crc32', 'r64,rm8', 'F2 o64 0F 38 F0 /r', 'nosm'],
  ['crc32', 'r64,rm64', 'F2 o64 0F 38 F1 /r', 'nosm'],
  // AMD SVM's invlpga and clzero: the optional register operands only pick the address size.
  ['invlpga', '', '0F 01 DF'],
  ['invlpga', 'ax,ecx', 'a16 0F 01 DF', 'nolong'],
  ['invlpga', 'eax,ecx', 'a32 0F 01 DF'],
  ['invlpga', 'rax,ecx', 'a64 0F 01 DF', 'long'],
  ['clzero', '', '0F 01 FC'],
  ['clzero', 'ax', 'a16 0F 01 FC', 'nolong'],
  ['clzero', 'eax', 'a32 0F 01 FC'],
  ['clzero', 'rax', 'a64 0F 01 FC', 'long'],
  // umonitor's register is an address (its size is the address size); movdir64b's too, for the destination.
  ['umonitor', '~r16', 'a16 F3 0F AE /6', 'nolong'],
  ['umonitor', '~r32', 'a32 F3 0F AE /6'],
  ['umonitor', '~r64', 'a64 F3 0F AE /6', 'long'],
  ['movdir64b', 'r16,m512', 'a16 66 0F 38 F8 /r', 'nolong unsizedok'],
  ['movdir64b', 'r32,m512', 'a32 66 0F 38 F8 /r', 'unsizedok'],
  ['movdir64b', 'r64,m512', 'a64 66 0F 38 F8 /r', 'long unsizedok'],
  // Intel VMX and AMD SVM.
  ['vmread', 'rm32,r32', '0F 78 /r', 'nolong anycpu'],
  ['vmread', 'rm64,r64', '0F 78 /r', 'long anycpu'],
  ['vmwrite', 'r32,rm32', '0F 79 /r', 'nolong anycpu'],
  ['vmwrite', 'r64,rm64', '0F 79 /r', 'long anycpu'],
  ['vmxon', 'm', 'F3 0F C7 /6', 'unsized anycpu'],
  ['vmclear', 'm', '66 0F C7 /6', 'unsized anycpu'],
  ['vmptrld', 'm', '0F C7 /6', 'unsized anycpu'],
  ['vmptrst', 'm', '0F C7 /7', 'unsized anycpu'],
  ['invept', 'r32,m128', '66 0F 38 80 /r', 'nolong anycpu unsizedok smem'],
  ['invept', 'r64,m128', '66 0F 38 80 /r', 'long anycpu unsizedok smem'],
  ['invvpid', 'r32,m128', '66 0F 38 81 /r', 'nolong anycpu unsizedok smem'],
  ['invvpid', 'r64,m128', '66 0F 38 81 /r', 'long anycpu unsizedok smem'],
  ...(
    [
      ['vmcall', 'C1'], ['vmlaunch', 'C2'], ['vmresume', 'C3'], ['vmxoff', 'C4'], ['vmfunc', 'D4'],
      ['vmrun', 'D8'], ['vmmcall', 'D9'], ['vmload', 'DA'], ['vmsave', 'DB'], ['stgi', 'DC'], ['clgi', 'DD'],
    ] as [string, string][]
  ).map(([mn, op]): RawRow => [mn, '', `0F 01 ${op}`, 'anycpu']),
  ['skinit', '', '0F 01 DE', 'long'],
  // VIA PadLock: the F3 is part of the instruction and is not repeated for a written `rep`.
  ['xstore', '', '0F A7 C0'],
  ...(
    [
      ['xcryptecb', 'A7 C8'], ['xcryptcbc', 'A7 D0'], ['xcryptctr', 'A7 D8'], ['xcryptcfb', 'A7 E0'], ['xcryptofb', 'A7 E8'],
      ['montmul', 'A6 C0'], ['xsha1', 'A6 C8'], ['xsha256', 'A6 D0'],
    ] as [string, string][]
  ).map(([mn, op]): RawRow => [mn, '', `F3 0F ${op}`, 'onerep']),
  // MPX: bound registers bnd0-3; memory operands take no size keyword.
  ['bndmk', 'bnd,m', 'F3 0F 1B /r', 'mib future'],
  ...([['bndcl', 'F3 0F 1A'], ['bndcu', 'F2 0F 1A'], ['bndcn', 'F2 0F 1B']] as const).flatMap(([mn, op]): RawRow[] => [
    [mn, 'bnd,~r32', `${op} /r`, 'nolong future'], [mn, 'bnd,~r64', `${op} /r`, 'long future'], [mn, 'bnd,m', `${op} /r`, 'future'],
  ]),
  ['bndmov', 'bnd,bnd', '66 0F 1A /r', 'future'], ['bndmov', 'bnd,m', '66 0F 1A /r', 'future'], ['bndmov', 'm,bnd', '66 0F 1B /r', 'future'],
  ['bndldx', 'bnd,m', '0F 1A /r', 'mib future'], ['bndstx', 'm,bnd', '0F 1B /r', 'mib future'],
  // The index may follow the address as an operand of its own (`bndldx bnd0, [rax+8], rcx`).
  ['bndldx', 'bnd,m,~r32', '0F 1A /r', 'mib nolong future'], ['bndldx', 'bnd,m,~r64', '0F 1A /r', 'mib long future'],
  ['bndstx', 'm,~r32,bnd', '0F 1B /r', 'mib nolong future'], ['bndstx', 'm,~r64,bnd', '0F 1B /r', 'mib long future'],
  ['bndstx', 'm,bnd,~r32', '0F 1B /r', 'mib nolong future'], ['bndstx', 'm,bnd,~r64', '0F 1B /r', 'mib long future'],
  // Undocumented, vendor-specific and withdrawn instructions of the 286-Pentium era (Cyrix SMM and
  // its descriptor-cache saves, 386 bit-string and user-move, Intel's loadall, IA-64's jmpe).
  ['bb0_reset', '', '0F 3A', 'obsolete'], ['bb1_reset', '', '0F 3B', 'obsolete'], ['cpu_read', '', '0F 3D'], ['cpu_write', '', '0F 3C'],
  ['dmint', '', '0F 39'], ['rdm', '', '0F 3A'], ['loadall', '', '0F 07', 'obsolete'], ['loadall286', '', '0F 05', 'obsolete'],
  ['smi', '', 'F1'], ['smint', '', '0F 38'], ['smintold', '', '0F 7E', 'obsolete'],
  ['rdshr', 'rm32', 'o32 0F 36 /0'], ['wrshr', 'rm32', 'o32 0F 37 /0'],
  ['rsdc', 'sreg,m80', '0F 79 /r', 'unsizedok'], ['svdc', 'm80,sreg', '0F 78 /r', 'unsizedok'],
  ['rsldt', 'm80', '0F 7B /0', 'unsizedok'], ['svldt', 'm80', '0F 7A /0', 'unsizedok'], ['rsts', 'm80', '0F 7D /0', 'unsizedok'], ['svts', 'm80', '0F 7C /0', 'unsizedok'],
  ['ibts', 'rm16,r16', 'o16 0F A7 /r', 'obsolete'], ['ibts', 'rm32,r32', 'o32 0F A7 /r', 'obsolete'],
  ['xbts', 'r16,rm16', 'o16 0F A6 /r'], ['xbts', 'r32,rm32', 'o32 0F A6 /r'],
  ['cmpxchg486', 'rm8,r8', '0F A6 /r', 'obsolete'], ['cmpxchg486', 'rm16,r16', 'o16 0F A7 /r', 'obsolete'], ['cmpxchg486', 'rm32,r32', 'o32 0F A7 /r', 'obsolete'],
  ['umov', 'rm8,r8', '0F 10 /r'], ['umov', 'rm16,r16', 'o16 0F 11 /r'], ['umov', 'rm32,r32', 'o32 0F 11 /r'],
  ['umov', 'r8,rm8', '0F 12 /r'], ['umov', 'r16,rm16', 'o16 0F 13 /r'], ['umov', 'r32,rm32', 'o32 0F 13 /r'],
  // NASM's JMPE rows take a size keyword in every mode (`jmpe word $` in 64-bit is 66 0F B8 rw), no distance keyword.
  ['jmpe', 'imm16', 'o16 0F B8 rw', 'dflt nodistance'], ['jmpe', 'imm32', 'o32 0F B8 rd', 'dflt nodistance'], ['jmpe', 'imm64', 'o64nw 0F B8 rd', 'dflt long unsizedimm nodistance'],
  ['jmpe', 'rm16', 'o16 0F 00 /6'], ['jmpe', 'rm32', 'o32 0F 00 /6'],
  // Later additions with an operand (Intel SDM, AMD APM), NASM's `future` level unless marked.
  ['adcx', 'r32,rm32', '66 0F 38 F6 /r', 'future'], ['adcx', 'r64,rm64', '66 o64 0F 38 F6 /r', 'future'],
  ['adox', 'r32,rm32', 'F3 0F 38 F6 /r', 'future'], ['adox', 'r64,rm64', 'F3 o64 0F 38 F6 /r', 'future'],
  ['movdiri', 'm32,r32', '0F 38 F9 /r', 'future'], ['movdiri', 'm64,r64', 'o64 0F 38 F9 /r', 'future'],
  ['cldemote', 'm', '0F 1C /0', 'future'],
  ['prefetchit0', 'm8', '0F 18 /7', 'unsizedok future'], ['prefetchit1', 'm8', '0F 18 /6', 'unsizedok future'],
  ['tpause', '~r32', '66 0F AE /6', 'future'], ['tpause', '~r32,edx,eax', '66 0F AE /6', 'future'],
  ['umwait', '~r32', 'F2 0F AE /6', 'future'], ['umwait', '~r32,edx,eax', 'F2 0F AE /6', 'future'],
  // AMD's monitorx/mwaitx: the operands only name the implicit registers (no address-size prefix).
  ['monitorx', '', '0F 01 FA', 'anycpu'], ['monitorx', 'ax,ecx,edx', '0F 01 FA', 'anycpu'], ['monitorx', 'eax,ecx,edx', '0F 01 FA', 'anycpu'],
  ['monitorx', 'rax,ecx,edx', '0F 01 FA', 'anycpu long'],
  ['mwaitx', '', '0F 01 FB', 'anycpu'], ['mwaitx', 'eax,ecx', '0F 01 FB', 'anycpu'],
  ['getsec', '', '0F 37'], ['pcommit', '', '66 0F AE F8', 'future neverimpl'],
  ['pvalidate', '', 'F2 0F 01 FF', 'anycpu'], ['rmpadjust', '', 'F3 0F 01 FE', 'anycpu'],
  ['senduipi', '~r64', 'F3 0F C7 /6', 'long future'],
  ['wrmsrns', '', '0F 01 C6', 'long future'], ['rdmsrlist', '', 'F2 0F 01 C6', 'long future'], ['wrmsrlist', '', 'F3 0F 01 C6', 'long future'],
  ['hreset', 'imm8', 'F3 0F 3A F0 C0 ib', 'smem future'], ['hreset', 'imm8,eax', 'F3 0F 3A F0 C0 ib', 'smem future'],
  // CET shadow stacks.
  ['incsspd', '~r32', 'o32 F3 0F AE /5', 'future'], ['incsspq', '~r64', 'F3 o64 0F AE /5', 'future'],
  ['rdsspd', '~r32', 'o32 F3 0F 1E /1', 'future'], ['rdsspq', '~r64', 'F3 o64 0F 1E /1', 'future'],
  ['saveprevssp', '', 'F3 0F 01 EA', 'future'], ['setssbsy', '', 'F3 0F 01 E8', 'future'],
  ['rstorssp', 'm64', 'F3 0F 01 /5', 'unsizedok future'], ['clrssbsy', 'm64', 'F3 0F AE /6', 'unsizedok future'],
  ['wrssd', 'm32,r32', 'o32 0F 38 F6 /r', 'future'], ['wrssq', 'm64,r64', 'o64 0F 38 F6 /r', 'future'],
  ['wrussd', 'm32,r32', 'o32 66 0F 38 F5 /r', 'future'], ['wrussq', 'm64,r64', '66 o64 0F 38 F5 /r', 'future'],
  // RAO-INT atomics.
  ...([['aadd', ''], ['aand', '66 '], ['axor', 'F3 ']] as const).flatMap(([mn, pp]): RawRow[] => [
    [mn, 'm32,r32', `${pp}0F 38 FC /r`, 'future'], [mn, 'm64,r64', `${pp}o64 0F 38 FC /r`, 'future'],
  ]),
  // CMPccXADD: the compared value in ModRM.reg, the added one in VEX.vvvv.
  ...CONDS.flatMap(([cc, n]): RawRow[] => [
    [`cmp${cc}xadd`, 'm32,r32,vr32', `VEX.128.66.0F38.W0 ${h(0xe0 + n)} /r`, 'long future'],
    [`cmp${cc}xadd`, 'm64,r64,vr64', `VEX.128.66.0F38.W1 ${h(0xe0 + n)} /r`, 'long future'],
  ]),
  // Hint NOPs: 0F 18-1F with every ModRM.reg.
  ...Array.from({ length: 64 }, (_, n): RawRow[] => [
    [`hint_nop${n}`, 'rm16', `o16 0F ${h(0x18 + (n >> 3))} /${n & 7}`], [`hint_nop${n}`, 'rm32', `o32 0F ${h(0x18 + (n >> 3))} /${n & 7}`],
    [`hint_nop${n}`, 'rm64', `o64 0F ${h(0x18 + (n >> 3))} /${n & 7}`],
  ]).flat(),
  ['rdpid', '~r32', 'F3 0F C7 /7'],
  ['rdpid', '~r64', 'F3 0F C7 /7', 'long'],
  ['ffreep', 'fpu', 'DF C0+r'],
  ['ffreep', '', 'DF C1'],
  ['lgdt', 'm', '0F 01 /2'],
  ['lidt', 'm', '0F 01 /3'],
  ['sgdt', 'm', '0F 01 /0'],
  ['sidt', 'm', '0F 01 /1'],
  ['lldt', 'rm16', '0F 00 /2', 'unsizedok smem'],
  ['ltr', 'rm16', '0F 00 /3', 'unsizedok smem'],
  ['sldt', 'm16', '0F 00 /0', 'unsizedok smem'],
  ['sldt', 'r16', 'o16 0F 00 /0'],
  ['sldt', 'r32', 'o32 0F 00 /0'],
  ['sldt', 'r64', '0F 00 /0'],
  ['str', 'm16', '0F 00 /1', 'unsizedok smem'],
  ['str', 'r16', 'o16 0F 00 /1'],
  ['str', 'r32', 'o32 0F 00 /1'],
  ['str', 'r64', 'o64 0F 00 /1'],
  ['verr', 'rm16', '0F 00 /4', 'unsizedok smem'],
  ['verw', 'rm16', '0F 00 /5', 'unsizedok smem'],
  ['lmsw', 'rm16', '0F 01 /6', 'unsizedok smem'],
  ['smsw', 'm16', '0F 01 /4', 'unsizedok smem'],
  ['smsw', 'r16', 'o16 0F 01 /4'],
  ['smsw', 'r32', 'o32 0F 01 /4'],
  ['smsw', 'r64', 'o64 0F 01 /4'],
  ['lar', 'r16,rm16', 'o16 0F 02 /r'],
  ['lar', 'r32,m16', 'o32 0F 02 /r'],
  ['lar', 'r32,~r32', 'o32 0F 02 /r'],
  ['lar', 'r32,~r16', 'o32 0F 02 /r'],
  ['lar', 'r64,m16', 'o64 0F 02 /r', 'long'],
  ['lar', 'r64,~r16', 'o64 0F 02 /r', 'long'],
  ['lar', 'r64,~r64', 'o64 0F 02 /r', 'long'],
  // Any general register as the source: only the destination sets the operand size.
  ['lar', 'r16,~r32', 'o16 0F 02 /r'],
  ['lar', 'r16,~r64', 'o16 0F 02 /r', 'long'],
  ['lar', 'r32,~r64', 'o32 0F 02 /r', 'long'],
  ['lar', 'r64,~r32', 'o64 0F 02 /r', 'long'],
  ['lsl', 'r16,rm16', 'o16 0F 03 /r'],
  ['lsl', 'r32,m16', 'o32 0F 03 /r'],
  ['lsl', 'r32,~r32', 'o32 0F 03 /r'],
  ['lsl', 'r32,~r16', 'o32 0F 03 /r'],
  ['lsl', 'r64,m16', 'o64 0F 03 /r', 'long'],
  ['lsl', 'r64,~r16', 'o64 0F 03 /r', 'long'],
  ['lsl', 'r64,~r64', 'o64 0F 03 /r', 'long'],
  // Any general register as the source: only the destination sets the operand size.
  ['lsl', 'r16,~r32', 'o16 0F 03 /r'],
  ['lsl', 'r16,~r64', 'o16 0F 03 /r', 'long'],
  ['lsl', 'r32,~r64', 'o32 0F 03 /r', 'long'],
  ['lsl', 'r64,~r32', 'o64 0F 03 /r', 'long'],
  ['invlpg', 'm', '0F 01 /7'],
  ['lss', 'r16,m', 'o16 0F B2 /r'],
  ['lss', 'r32,m', 'o32 0F B2 /r'],
  ['lfs', 'r16,m', 'o16 0F B4 /r'],
  ['lfs', 'r32,m', 'o32 0F B4 /r'],
  ['lgs', 'r16,m', 'o16 0F B5 /r'],
  ['lgs', 'r32,m', 'o32 0F B5 /r'],
  ['lss', 'r64,m', 'o64 0F B2 /r'], ['lfs', 'r64,m', 'o64 0F B4 /r'], ['lgs', 'r64,m', 'o64 0F B5 /r'],
  ['lds', 'r16,m', 'o16 C5 /r', 'nolong'],
  ['lds', 'r32,m', 'o32 C5 /r', 'nolong'],
  ['les', 'r16,m', 'o16 C4 /r', 'nolong'],
  ['les', 'r32,m', 'o32 C4 /r', 'nolong'],
  ['arpl', 'rm16,r16', '63 /r', 'nolong'],
  ['bound', 'r16,m', 'o16 62 /r', 'nolong'],
  ['bound', 'r32,m', 'o32 62 /r', 'nolong'],
  ...x87(),
  ...sse(),
  ...mmx(),
  ...amd3dnow(),
  ...sse4a(),
  ...sseExtras(),
  ...avx(),
];

/** The EVEX (AVX-512) rows, generated on first use (see EVEX_MNEMONICS); they come after all of RAW_ROWS. */
export const evexRows = avx512;

/**
 * Every mnemonic with EVEX rows, written out so that start-up need not generate the rows (a
 * one-line file would pay for ~1,300 of them); isa.test.ts checks this list against evexRows().
 */
export const EVEX_MNEMONICS = `
  kadd kaddb kaddd kaddq kaddw kand kandb kandd kandn kandnb kandnd kandnq kandnw kandq kandw kmov kmovb kmovd kmovq kmovw knot knotb knotd knotq knotw
  kor korb kord korq kortest kortestb kortestd kortestq kortestw korw kshiftl kshiftlb kshiftld kshiftlq kshiftlw kshiftr kshiftrb kshiftrd kshiftrq
  kshiftrw ktest ktestb ktestd ktestq ktestw kunpck kunpckbw kunpckdq kunpckwd kxnor kxnorb kxnord kxnorq kxnorw kxor kxorb kxord kxorq kxorw v4dpwssd
  v4dpwssds v4fmaddps v4fmaddss v4fnmaddps v4fnmaddss vaddpd vaddps vaddsd vaddss vaesdec vaesdeclast vaesenc vaesenclast valignd valignq vandnpd
  vandnps vandpd vandps vblendmpd vblendmps vbroadcastf32x2 vbroadcastf32x4 vbroadcastf32x8 vbroadcastf64x2 vbroadcastf64x4 vbroadcasti32x2
  vbroadcasti32x4 vbroadcasti32x8 vbroadcasti64x2 vbroadcasti64x4 vbroadcastsd vbroadcastss vcmpeq_oqpd vcmpeq_oqps vcmpeq_oqsd vcmpeq_oqss vcmpeq_ospd
  vcmpeq_osps vcmpeq_ossd vcmpeq_osss vcmpeq_uqpd vcmpeq_uqps vcmpeq_uqsd vcmpeq_uqss vcmpeq_uspd vcmpeq_usps vcmpeq_ussd vcmpeq_usss vcmpeqpd vcmpeqps
  vcmpeqsd vcmpeqss vcmpfalse_oqpd vcmpfalse_oqps vcmpfalse_oqsd vcmpfalse_oqss vcmpfalse_ospd vcmpfalse_osps vcmpfalse_ossd vcmpfalse_osss vcmpfalsepd
  vcmpfalseps vcmpfalsesd vcmpfalsess vcmpge_oqpd vcmpge_oqps vcmpge_oqsd vcmpge_oqss vcmpge_ospd vcmpge_osps vcmpge_ossd vcmpge_osss vcmpgepd vcmpgeps
  vcmpgesd vcmpgess vcmpgt_oqpd vcmpgt_oqps vcmpgt_oqsd vcmpgt_oqss vcmpgt_ospd vcmpgt_osps vcmpgt_ossd vcmpgt_osss vcmpgtpd vcmpgtps vcmpgtsd vcmpgtss
  vcmple_oqpd vcmple_oqps vcmple_oqsd vcmple_oqss vcmple_ospd vcmple_osps vcmple_ossd vcmple_osss vcmplepd vcmpleps vcmplesd vcmpless vcmplt_oqpd
  vcmplt_oqps vcmplt_oqsd vcmplt_oqss vcmplt_ospd vcmplt_osps vcmplt_ossd vcmplt_osss vcmpltpd vcmpltps vcmpltsd vcmpltss vcmpneq_oqpd vcmpneq_oqps
  vcmpneq_oqsd vcmpneq_oqss vcmpneq_ospd vcmpneq_osps vcmpneq_ossd vcmpneq_osss vcmpneq_uqpd vcmpneq_uqps vcmpneq_uqsd vcmpneq_uqss vcmpneq_uspd
  vcmpneq_usps vcmpneq_ussd vcmpneq_usss vcmpneqpd vcmpneqps vcmpneqsd vcmpneqss vcmpnge_uqpd vcmpnge_uqps vcmpnge_uqsd vcmpnge_uqss vcmpnge_uspd
  vcmpnge_usps vcmpnge_ussd vcmpnge_usss vcmpngepd vcmpngeps vcmpngesd vcmpngess vcmpngt_uqpd vcmpngt_uqps vcmpngt_uqsd vcmpngt_uqss vcmpngt_uspd
  vcmpngt_usps vcmpngt_ussd vcmpngt_usss vcmpngtpd vcmpngtps vcmpngtsd vcmpngtss vcmpnle_uqpd vcmpnle_uqps vcmpnle_uqsd vcmpnle_uqss vcmpnle_uspd
  vcmpnle_usps vcmpnle_ussd vcmpnle_usss vcmpnlepd vcmpnleps vcmpnlesd vcmpnless vcmpnlt_uqpd vcmpnlt_uqps vcmpnlt_uqsd vcmpnlt_uqss vcmpnlt_uspd
  vcmpnlt_usps vcmpnlt_ussd vcmpnlt_usss vcmpnltpd vcmpnltps vcmpnltsd vcmpnltss vcmpord_qpd vcmpord_qps vcmpord_qsd vcmpord_qss vcmpord_spd vcmpord_sps
  vcmpord_ssd vcmpord_sss vcmpordpd vcmpordps vcmpordsd vcmpordss vcmppd vcmpps vcmpsd vcmpss vcmptrue_uqpd vcmptrue_uqps vcmptrue_uqsd vcmptrue_uqss
  vcmptrue_uspd vcmptrue_usps vcmptrue_ussd vcmptrue_usss vcmptruepd vcmptrueps vcmptruesd vcmptruess vcmpunord_qpd vcmpunord_qps vcmpunord_qsd
  vcmpunord_qss vcmpunord_spd vcmpunord_sps vcmpunord_ssd vcmpunord_sss vcmpunordpd vcmpunordps vcmpunordsd vcmpunordss vcomisd vcomiss vcompresspd
  vcompressps vcvtdq2pd vcvtdq2ps vcvtne2ps2bf16 vcvtneps2bf16 vcvtpd2dq vcvtpd2ps vcvtpd2qq vcvtpd2udq vcvtpd2uqq vcvtph2ps vcvtps2dq vcvtps2pd
  vcvtps2ph vcvtps2qq vcvtps2udq vcvtps2uqq vcvtqq2pd vcvtqq2ps vcvtsd2si vcvtsd2ss vcvtsd2usi vcvtsi2sd vcvtsi2ss vcvtss2sd vcvtss2si vcvtss2usi
  vcvttpd2dq vcvttpd2qq vcvttpd2udq vcvttpd2uqq vcvttps2dq vcvttps2qq vcvttps2udq vcvttps2uqq vcvttsd2si vcvttsd2usi vcvttss2si vcvttss2usi vcvtudq2pd
  vcvtudq2ps vcvtuqq2pd vcvtuqq2ps vcvtusi2sd vcvtusi2ss vdbpsadbw vdivpd vdivps vdivsd vdivss vdpbf16ps vexp2pd vexp2ps vexpandpd vexpandps
  vextractf32x4 vextractf32x8 vextractf64x2 vextractf64x4 vextracti32x4 vextracti32x8 vextracti64x2 vextracti64x4 vextractps vfixupimmpd vfixupimmps
  vfixupimmsd vfixupimmss vfmadd132pd vfmadd132ps vfmadd132sd vfmadd132ss vfmadd213pd vfmadd213ps vfmadd213sd vfmadd213ss vfmadd231pd vfmadd231ps
  vfmadd231sd vfmadd231ss vfmaddsub132pd vfmaddsub132ps vfmaddsub213pd vfmaddsub213ps vfmaddsub231pd vfmaddsub231ps vfmsub132pd vfmsub132ps vfmsub132sd
  vfmsub132ss vfmsub213pd vfmsub213ps vfmsub213sd vfmsub213ss vfmsub231pd vfmsub231ps vfmsub231sd vfmsub231ss vfmsubadd132pd vfmsubadd132ps
  vfmsubadd213pd vfmsubadd213ps vfmsubadd231pd vfmsubadd231ps vfnmadd132pd vfnmadd132ps vfnmadd132sd vfnmadd132ss vfnmadd213pd vfnmadd213ps vfnmadd213sd
  vfnmadd213ss vfnmadd231pd vfnmadd231ps vfnmadd231sd vfnmadd231ss vfnmsub132pd vfnmsub132ps vfnmsub132sd vfnmsub132ss vfnmsub213pd vfnmsub213ps
  vfnmsub213sd vfnmsub213ss vfnmsub231pd vfnmsub231ps vfnmsub231sd vfnmsub231ss vfpclasspd vfpclassps vfpclasssd vfpclassss vgatherdpd vgatherdps
  vgatherpf0dpd vgatherpf0dps vgatherpf0qpd vgatherpf0qps vgatherpf1dpd vgatherpf1dps vgatherpf1qpd vgatherpf1qps vgatherqpd vgatherqps vgetexppd
  vgetexpps vgetexpsd vgetexpss vgetmantpd vgetmantps vgetmantsd vgetmantss vgf2p8affineinvqb vgf2p8affineqb vgf2p8mulb vinsertf32x4 vinsertf32x8
  vinsertf64x2 vinsertf64x4 vinserti32x4 vinserti32x8 vinserti64x2 vinserti64x4 vinsertps vmaxpd vmaxps vmaxsd vmaxss vminpd vminps vminsd vminss
  vmovapd vmovaps vmovd vmovddup vmovdqa32 vmovdqa64 vmovdqu16 vmovdqu32 vmovdqu64 vmovdqu8 vmovhlps vmovhpd vmovhps vmovlhps vmovlpd vmovlps vmovntdq
  vmovntdqa vmovntpd vmovntps vmovq vmovsd vmovshdup vmovsldup vmovss vmovupd vmovups vmulpd vmulps vmulsd vmulss vorpd vorps vp2intersectd vpabsb
  vpabsd vpabsq vpabsw vpackssdw vpacksswb vpackusdw vpackuswb vpaddb vpaddd vpaddq vpaddsb vpaddsw vpaddusb vpaddusw vpaddw vpalignr vpandd vpandnd
  vpandnq vpandq vpavgb vpavgw vpblendmb vpblendmd vpblendmq vpblendmw vpbroadcastb vpbroadcastd vpbroadcastmb2q vpbroadcastmw2d vpbroadcastq
  vpbroadcastw vpclmulhqhqdq vpclmulhqlqdq vpclmullqhqdq vpclmullqlqdq vpclmulqdq vpcmpb vpcmpd vpcmpeqb vpcmpeqd vpcmpeqq vpcmpequb vpcmpequd vpcmpequq
  vpcmpequw vpcmpeqw vpcmpgeb vpcmpged vpcmpgeq vpcmpgeub vpcmpgeud vpcmpgeuq vpcmpgeuw vpcmpgew vpcmpgtb vpcmpgtd vpcmpgtq vpcmpgtub vpcmpgtud
  vpcmpgtuq vpcmpgtuw vpcmpgtw vpcmpleb vpcmpled vpcmpleq vpcmpleub vpcmpleud vpcmpleuq vpcmpleuw vpcmplew vpcmpltb vpcmpltd vpcmpltq vpcmpltub
  vpcmpltud vpcmpltuq vpcmpltuw vpcmpltw vpcmpneqb vpcmpneqd vpcmpneqq vpcmpnequb vpcmpnequd vpcmpnequq vpcmpnequw vpcmpneqw vpcmpngtb vpcmpngtd
  vpcmpngtq vpcmpngtub vpcmpngtud vpcmpngtuq vpcmpngtuw vpcmpngtw vpcmpnleb vpcmpnled vpcmpnleq vpcmpnleub vpcmpnleud vpcmpnleuq vpcmpnleuw vpcmpnlew
  vpcmpnltb vpcmpnltd vpcmpnltq vpcmpnltub vpcmpnltud vpcmpnltuq vpcmpnltuw vpcmpnltw vpcmpq vpcmpub vpcmpud vpcmpuq vpcmpuw vpcmpw vpcompressb
  vpcompressd vpcompressq vpcompressw vpconflictd vpconflictq vpdpbusd vpdpbusds vpdpwssd vpdpwssds vpermb vpermd vpermi2b vpermi2d vpermi2pd vpermi2ps
  vpermi2q vpermi2w vpermilpd vpermilps vpermpd vpermps vpermq vpermt2b vpermt2d vpermt2pd vpermt2ps vpermt2q vpermt2w vpermw vpexpandb vpexpandd
  vpexpandq vpexpandw vpextrb vpextrd vpextrq vpextrw vpgatherdd vpgatherdq vpgatherqd vpgatherqq vpinsrb vpinsrd vpinsrq vpinsrw vplzcntd vplzcntq
  vpmadd52huq vpmadd52luq vpmaddubsw vpmaddwd vpmaxsb vpmaxsd vpmaxsq vpmaxsw vpmaxub vpmaxud vpmaxuq vpmaxuw vpminsb vpminsd vpminsq vpminsw vpminub
  vpminud vpminuq vpminuw vpmovb2m vpmovd2m vpmovdb vpmovdw vpmovm2b vpmovm2d vpmovm2q vpmovm2w vpmovq2m vpmovqb vpmovqd vpmovqw vpmovsdb vpmovsdw
  vpmovsqb vpmovsqd vpmovsqw vpmovswb vpmovsxbd vpmovsxbq vpmovsxbw vpmovsxdq vpmovsxwd vpmovsxwq vpmovusdb vpmovusdw vpmovusqb vpmovusqd vpmovusqw
  vpmovuswb vpmovw2m vpmovwb vpmovzxbd vpmovzxbq vpmovzxbw vpmovzxdq vpmovzxwd vpmovzxwq vpmuldq vpmulhrsw vpmulhuw vpmulhw vpmulld vpmullq vpmullw
  vpmultishiftqb vpmuludq vpopcntb vpopcntd vpopcntq vpopcntw vpord vporq vprold vprolq vprolvd vprolvq vprord vprorq vprorvd vprorvq vpsadbw
  vpscatterdd vpscatterdq vpscatterqd vpscatterqq vpshldd vpshldq vpshldvd vpshldvq vpshldvw vpshldw vpshrdd vpshrdq vpshrdvd vpshrdvq vpshrdvw vpshrdw
  vpshufb vpshufbitqmb vpshufd vpshufhw vpshuflw vpslld vpslldq vpsllq vpsllvd vpsllvq vpsllvw vpsllw vpsrad vpsraq vpsravd vpsravq vpsravw vpsraw
  vpsrld vpsrldq vpsrlq vpsrlvd vpsrlvq vpsrlvw vpsrlw vpsubb vpsubd vpsubq vpsubsb vpsubsw vpsubusb vpsubusw vpsubw vpternlogd vpternlogq vptestmb
  vptestmd vptestmq vptestmw vptestnmb vptestnmd vptestnmq vptestnmw vpunpckhbw vpunpckhdq vpunpckhqdq vpunpckhwd vpunpcklbw vpunpckldq vpunpcklqdq
  vpunpcklwd vpxord vpxorq vrangepd vrangeps vrangesd vrangess vrcp14pd vrcp14ps vrcp14sd vrcp14ss vrcp28pd vrcp28ps vrcp28sd vrcp28ss vreducepd
  vreduceps vreducesd vreducess vrndscalepd vrndscaleps vrndscalesd vrndscaless vrsqrt14pd vrsqrt14ps vrsqrt14sd vrsqrt14ss vrsqrt28pd vrsqrt28ps
  vrsqrt28sd vrsqrt28ss vscalefpd vscalefps vscalefsd vscalefss vscatterdpd vscatterdps vscatterpf0dpd vscatterpf0dps vscatterpf0qpd vscatterpf0qps
  vscatterpf1dpd vscatterpf1dps vscatterpf1qpd vscatterpf1qps vscatterqpd vscatterqps vshuff32x4 vshuff64x2 vshufi32x4 vshufi64x2 vshufpd vshufps
  vsqrtpd vsqrtps vsqrtsd vsqrtss vsubpd vsubps vsubsd vsubss vucomisd vucomiss vunpckhpd vunpckhps vunpcklpd vunpcklps vxorpd vxorps
`;


/**
 * Mnemonics NASM 2.16.01 knows that have no rows here yet. NASM reads each as an instruction (never
 * as a label, unless followed by a colon), so taking one for a label would give other bytes than
 * NASM without an error: the parser refuses them by name instead. The list shrinks as rows are added;
 * isa-more.test.ts checks that it shares no name with the table and that NASM takes each as an
 * instruction.
 */
export const UNSUPPORTED_MNEMONICS = `
  enqcmd enqcmds ptwrite vaddph vaddsh vcmpph vcmpsh vcomish vcvtdq2ph vcvtpd2ph vcvtph2dq vcvtph2pd vcvtph2psx vcvtph2qq vcvtph2udq vcvtph2uqq
  vcvtph2uw vcvtph2w vcvtqq2ph vcvtsd2sh vcvtsh2sd vcvtsh2si vcvtsh2ss vcvtsh2usi vcvtsi2sh vcvtss2sh vcvttph2dq vcvttph2qq vcvttph2udq vcvttph2uqq
  vcvttph2uw vcvttph2w vcvttsh2si vcvttsh2usi vcvtudq2ph vcvtuqq2ph vcvtusi2sh vcvtuw2ph vcvtw2ph vdivph vdivsh vendscaleph vendscalesh vfcmaddcph
  vfcmaddcsh vfcmulcpch vfcmulcsh vfmadd132ph vfmadd213ph vfmadd231ph vfmaddcph vfmaddcsh vfmaddsub132ph vfmaddsub213ph vfmaddsub231ph vfmsub132ph
  vfmsub213ph vfmsub231ph vfmsubadd132ph vfmsubadd213ph vfmsubadd231ph vfmulcpch vfmulcsh vfpclassph vfpclasssh vgetexpph vgetexpsh vgetmantph
  vgetmantsh vgetmaxph vgetmaxsh vgetminph vgetminsh vmgexit vmovsh vmovw vmulph vmulsh vpmadd132ph vpmadd132sh vpmadd213ph vpmadd213sh vpmadd231ph
  vpmadd231sh vpmsub132ph vpmsub132sh vpmsub213ph vpmsub213sh vpmsub231ph vpmsub231sh vpnmadd132sh vpnmadd213sh vpnmadd231sh vpnmsub132sh vpnmsub213sh
  vpnmsub231sh vrcpph vrcpsh vreduceph vreducesh vrsqrtph vrsqrtsh vscalefph vscalefsh vsqrtph vsqrtsh vsubph vsubsh vucomish
`;
