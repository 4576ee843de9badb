// Instruction-set extensions (issue 11), class by class: SSE4.1 inserts/extracts and blends,
// MMX/SSE conversions, AES-NI, PCLMULQDQ, SHA, x87 extras, VEX (AVX, AVX2, FMA, BMI) and EVEX
// (AVX-512). Each block is assembled by NASM 2.16.01 and by us at -O0, -O1 and -Ox in the modes
// given: accepted blocks must give the same bytes and warnings, rejected lines the same errors on
// the same lines.
import { describe, expect, it } from 'vitest';
import { tableRows, type Row } from './encoder.js';
import { EVEX_MNEMONICS, evexRows } from './table.js';
import { assemble } from './index.js';
import { hex, listingBytes, runNasm } from './oracle.test-helper.js';
import { classes, compareBlock, type Mode } from './isa.test-helper.js';

const LEVELS = ['0', '1', 'x'] as const;
const compare = (mode: Mode, lines: string[], expectOk: boolean): void => compareBlock(mode, lines, expectOk, LEVELS);

classes({
  'SSE4.1 inserts and extracts': {
    ok: [
      'pinsrb xmm1, eax, 3', 'pinsrb xmm1, [rax], 3', 'pinsrb xmm1, byte [rax], 3', 'pinsrw xmm1, eax, 3', 'pinsrw xmm1, [rax], 3', 'pinsrw xmm1, ax, 3',
      'pinsrd xmm1, eax, 1', 'pinsrd xmm1, [rax], 1', 'pinsrd xmm12, r9d, 1',
      'pextrb eax, xmm1, 1', 'pextrb [rax], xmm1, 1', 'pextrb r10, xmm11, 1', 'pextrw eax, xmm1, 1', 'pextrw [rax], xmm1, 1', 'pextrw word [rax], xmm1, 1',
      'pextrd eax, xmm1, 1', 'pextrd [rax], xmm1, 1', 'insertps xmm1, xmm2, 3', 'insertps xmm1, [rax], 3', 'insertps xmm1, dword [rax], 1',
      'extractps eax, xmm1, 1', 'extractps [rax], xmm1, 1', 'movntdqa xmm1, [rax]', 'movntdqa xmm1, oword [rax]',
    ],
    bad: ['pinsrb xmm1, ax, 3', 'pextrb ax, xmm1, 1', 'pinsrd xmm1, qword [rax], 1', 'insertps xmm1, oword [rax], 1', 'pinsrw mm1, rax, 2'],
  },
  'byte and word registers in pinsrb/vpinsrb/vpinsrw (NASM encodes them by number, without REX)': {
    ok: ['pinsrb xmm1, sil, 0', 'pinsrb xmm1, al, 1', 'vpinsrb xmm1, bl, 0', 'vpinsrb xmm5, xmm1, sil, 0', 'vpinsrw xmm1, si, 0', 'vpinsrw xmm5, xmm1, si, 0'],
    bad: ['pinsrb xmm1, bh, 0', 'vpinsrb xmm1, xmm2, ah, 1'],
  },
  'REX-only byte registers in pinsrb outside 64-bit mode': { modes: [16, 32], ok: [], bad: ['pinsrb xmm1, r9b, 0', 'vpinsrb xmm1, xmm2, r10b, 1'] },
  'x87 `to` operands': {
    ok: ['fadd to st1', 'fmul to st0', 'fsub to st3', 'fsubr to st2', 'fdiv to st7', 'fdivr to st1', 'fadd st1'],
    bad: ['faddp to st1', 'fld to st1', 'fcom to st1', 'fxch to st1', 'fadd st0, to st1', 'fadd to st1, st0', 'mov ax, to bx'],
  },
  'x87 forms without operands': { ok: ['fld', 'fst', 'fstp', 'ffree', 'ffreep', 'fcom', 'fucomp', 'fxch'] },
  'SSE4.1 64-bit inserts and extracts': {
    modes: [64],
    ok: ['pinsrq xmm1, rax, 1', 'pinsrq xmm1, [rax], 1', 'pinsrw xmm1, rax, 3', 'pextrb rax, xmm1, 1', 'pextrw rax, xmm1, 1', 'pextrq rax, xmm1, 1', 'pextrq [rax], xmm1, 1', 'extractps rax, xmm1, 1'],
    bad: ['pinsrq xmm1, eax, 1', 'pextrq eax, xmm1, 1', 'pextrd rax, xmm1, 1', 'pinsrd xmm1, rax, 3', 'pextrw rax, mm1, 1', 'pmovmskb rax, mm1'],
  },
  'variable blends (implicit xmm0)': {
    ok: ['blendvps xmm1, xmm2', 'blendvps xmm1, xmm2, xmm0', 'blendvps xmm1, [rax], xmm0', 'pblendvb xmm1, xmm2', 'blendvpd xmm1, xmm2, xmm0', 'blendvpd xmm11, [rax]'],
    bad: ['blendvps xmm1, xmm2, xmm1', 'pblendvb xmm1, xmm2, xmm3'],
  },
  'MMX and SSE conversions and moves': {
    ok: [
      'pshufw mm1, mm2, 3', 'pshufw mm1, [rax], 3', 'maskmovq mm1, mm2', 'maskmovdqu xmm1, xmm2', 'cvtpi2ps xmm1, mm2', 'cvtpi2ps xmm1, [rax]',
      'cvtpi2ps xmm1, qword [rax]', 'cvtps2pi mm1, xmm2', 'cvtps2pi mm1, [rax]', 'cvttps2pi mm1, xmm2', 'cvtpi2pd xmm1, mm2', 'cvtpi2pd xmm1, [rax]',
      'cvtpd2pi mm1, xmm2', 'cvtpd2pi mm1, oword [rax]', 'cvttpd2pi mm1, xmm2', 'movq2dq xmm1, mm2', 'movdq2q mm1, xmm2', 'movntq [rax], mm1',
      'pmovmskb eax, mm1', 'pinsrw mm1, eax, 2', 'pinsrw mm1, ax, 2', 'pinsrw mm1, [rax], 1', 'pextrw eax, mm1, 1',
    ],
    bad: ['maskmovq mm1, [rax]', 'pextrw [rax], mm1, 1', 'movq2dq mm1, xmm2'],
  },
  'AES-NI and PCLMULQDQ': {
    ok: [
      'aesenc xmm1, xmm2', 'aesenclast xmm1, [rax]', 'aesdec xmm11, xmm2', 'aesdeclast xmm1, xmm12', 'aesimc xmm1, oword [rax]', 'aeskeygenassist xmm1, xmm2, 5',
      'pclmulqdq xmm1, xmm2, 0x11', 'pclmulqdq xmm1, [rax], 0', 'pclmullqlqdq xmm1, xmm2', 'pclmulhqlqdq xmm1, xmm2', 'pclmullqhqdq xmm1, [rax]', 'pclmulhqhqdq xmm1, xmm2',
    ],
    bad: ['aesenc xmm1, mm2', 'aesenc xmm1, qword [rax]', 'pclmullqlqdq xmm1, xmm2, 1', 'aeskeygenassist xmm1, xmm2'],
  },
  SHA: {
    ok: [
      'sha1rnds4 xmm1, xmm2, 3', 'sha1nexte xmm1, xmm2', 'sha1msg1 xmm1, [rax]', 'sha1msg2 xmm1, xmm2', 'sha256rnds2 xmm1, xmm2',
      'sha256rnds2 xmm1, xmm2, xmm0', 'sha256rnds2 xmm1, [rax], xmm0', 'sha256msg1 xmm1, xmm2', 'sha256msg2 xmm10, xmm2',
    ],
    bad: ['sha256rnds2 xmm1, xmm2, xmm3', 'sha1rnds4 xmm1, xmm2'],
  },
  'x87 extras': {
    ok: [
      'fcmovb st0, st1', 'fcmove st1', 'fcmovbe st0, st2', 'fcmovu st0, st3', 'fcmovnb st0, st1', 'fcmovne st0, st1', 'fcmovnbe st0, st7', 'fcmovnu st0',
      'fbld [rax]', 'fbld tword [rax]', 'fbstp [rax]', 'fbstp tword [rax]', 'ficom word [rax]', 'ficom dword [rax]', 'ficomp word [rax]', 'ficomp dword [rax]',
      'fucom st0, st1', 'fucomp st0, st1', 'fsetpm', 'feni', 'fneni', 'fdisi', 'fndisi',
    ],
    bad: ['fcmovb st1, st0', 'fcmovb st0, xmm1', 'ficom [rax]', 'ficom qword [rax]', 'fbld st1'],
  },
  'VEX: 2-byte or 3-byte prefix as NASM chooses': {
    modes: [64],
    ok: [
      'vaddps xmm1, xmm2, xmm3', 'vaddps xmm1, xmm2, xmm10', 'vaddps xmm1, xmm10, xmm2', 'vaddps xmm9, xmm2, xmm3', 'vaddps xmm1, xmm2, [r8]',
      'vaddps xmm1, xmm2, [rax+r9]', 'vmovaps xmm10, xmm2', 'vmovaps xmm2, xmm10', 'vmovq xmm1, xmm2', 'vpabsb xmm1, xmm2', 'vpermq ymm1, ymm2, 3',
      'vaddps ymm1, ymm2, [rax+0x100]', 'vaddps ymm1, ymm2, yword [rax]', 'vaddps xmm1, xmm2, oword [rax]', 'vzeroupper', 'vzeroall',
    ],
    bad: ['vaddps ymm1, ymm2, oword [rax]', 'vaddps xmm1, ymm2, ymm3', 'vaddps xmm1, xmm2, qword [rax]', 'vmovaps ymm1, xmm2'],
  },
  'VEX: omitted first source, is4 register, compare predicates': {
    ok: [
      'vaddps xmm1, xmm2', 'vsqrtss xmm1, xmm2', 'vroundss xmm1, xmm2, 3', 'vblendvps xmm1, xmm2, xmm3', 'vblendvps ymm1, ymm2, [rax], ymm14',
      'vpblendvb ymm1, ymm2, ymm3, ymm4', 'vpsllw xmm1, 3', 'vpsrldq ymm1, 3', 'vpsllw ymm1, ymm2, xmm3', 'vmovss xmm1, xmm2', 'vmovhlps xmm1, xmm2',
      'vcmpeqps xmm1, xmm2, xmm3', 'vcmpps ymm1, ymm2, ymm3, 30', 'vcmptrue_usps ymm1, ymm2, [rax]', 'vcmpngesd xmm1, xmm2, xmm3', 'vcmpeqss xmm1, xmm2, [rax]',
      'vcmpeqss xmm1, xmm2, qword [rax]',
    ],
    bad: ['vcmpeqss xmm1, xmm2, dword [rax]', 'vblendvps xmm1, xmm2', 'vmaskmovps xmm1, [rax]'],
  },
  'AVX conversions, inserts and extracts': {
    ok: [
      'vcvtsi2ss xmm1, xmm2, eax', 'vcvtsi2sd xmm1, xmm2, [rax]', 'vcvtdq2pd ymm1, xmm2', 'vcvtpd2ps xmm1, ymm2', 'vcvtpd2ps xmm1, [rax]',
      'vcvtpd2ps xmm1, yword [rax]', 'vcvtps2pd ymm1, [rax]', 'vcvttpd2dq xmm1, ymm2', 'vcvtph2ps ymm1, xmm2', 'vcvtps2ph [rax], ymm2, 3',
      'vpextrb eax, xmm1, 1', 'vpextrw eax, xmm1, 1', 'vpextrd [rax], xmm1, 1', 'vpinsrb xmm1, xmm2, eax, 1', 'vpinsrw xmm1, xmm2, [rax], 1',
      'vinsertps xmm1, xmm2, xmm3, 1', 'vextractps eax, xmm1, 1', 'vinsertf128 ymm1, ymm2, xmm3, 1', 'vextracti128 [rax], ymm1, 1',
      'vmovd xmm1, eax', 'vmovd [rax], xmm1', 'vmovq xmm1, [rax]', 'vmovq [rax], xmm1', 'vmovmskps eax, ymm1', 'vpmovmskb eax, ymm1', 'vldmxcsr [rax]',
      'vbroadcastss ymm1, [rax]', 'vbroadcastsd ymm1, xmm2', 'vpbroadcastq ymm1, [rax]', 'vmaskmovps [rax], xmm2, xmm3', 'vpmaskmovq ymm1, ymm2, [rax]',
    ],
    bad: ['vcvtpd2ps ymm1, ymm2', 'vinsertf128 xmm1, xmm2, xmm3, 1', 'vbroadcastsd xmm1, xmm2', 'vpermq xmm1, xmm2, 3', 'vldmxcsr xmm1'],
  },
  'AVX 64-bit forms': {
    modes: [64],
    ok: ['vmovq xmm1, rax', 'vmovq rax, xmm1', 'vcvtsi2ss xmm1, xmm2, rax', 'vcvtss2si rax, xmm1', 'vpinsrq xmm1, xmm2, rax, 1', 'vpextrq [rax], xmm1, 1', 'vpextrb rax, xmm1, 1', 'vmovmskps rax, xmm1'],
    bad: ['vpinsrq xmm1, xmm2, eax, 1', 'vmovd xmm1, rax'],
  },
  'FMA and BMI': {
    ok: [
      'vfmadd132ps xmm1, xmm2, xmm3', 'vfmadd231pd ymm1, ymm2, [rax]', 'vfmadd213ss xmm1, xmm2, xmm3', 'vfnmsub231sd xmm1, xmm2, [rax]', 'vfmsubadd132ps ymm1, ymm2, ymm3',
      'andn eax, ebx, ecx', 'bextr eax, ebx, ecx', 'blsr eax, ebx', 'blsi eax, [rax]', 'blsmsk eax, ecx', 'shlx eax, ebx, ecx', 'sarx eax, [rax], ecx',
      'rorx eax, ebx, 3', 'mulx eax, ebx, ecx', 'pdep eax, ebx, [rax]', 'pext eax, ebx, ecx', 'bzhi eax, [rax], ecx',
    ],
    bad: ['vfmadd132ps xmm1, xmm2', 'andn eax, ebx', 'andn eax, ebx, cx', 'rorx eax, ebx', 'vfmaddsub132ss xmm1, xmm2, xmm3'],
  },
  'AMD FMA4 (VEX, four operands; W picks which source is memory)': {
    modes: [64],
    ok: [
      'vfmaddpd xmm0, xmm1, [0], xmm3', 'vfmaddpd xmm0, xmm1, xmm2, [0]', 'vfmaddpd ymm0, ymm1, [0], ymm3', 'vfmaddpd ymm0, ymm1, ymm2, [0]',
      'vfmaddps xmm1, xmm2, xmm3, xmm4', 'vfmaddps xmm1, xmm2, xmm3', 'vfnmsubsd xmm1, xmm2, xmm3, [rax]', 'vfmaddsubps ymm9, ymm10, ymm11, ymm12', 'vfmsubss xmm1, xmm2, [rax], xmm4',
    ],
    bad: ['vfmaddsubss xmm1, xmm2, xmm3, xmm4', 'vfmaddps xmm1, [rax], [rbx], xmm2'],
  },
  'AMD TBM and LWP (XOP prefix)': {
    ok: [
      'lwpins eax, edi, 0x12345678', 'lwpval ecx, [rax], 5', 'llwpcb eax', 'slwpcb edi', 'blci eax, ebx', 'blcfill edx, [rax]', 'tzmsk eax, ecx', 'bextr eax, [rax], 0x1234',
      'bextr eax, esi, 1', 'bextr eax, esi, eax',
    ],
    bad: ['llwpcb ax', 'blci ax, bx'],
  },
  'AMD TBM and LWP in 64-bit mode': { modes: [64], ok: ['lwpins rax, edi, 1', 'llwpcb r9', 'blcmsk rax, rbx', 't1mskc r10, [r11]', 'bextr rax, rsi, 1'] },
  'BMI 64-bit forms': {
    modes: [64],
    ok: ['andn rax, rbx, [rcx]', 'pdep rax, rbx, rcx', 'shrx r9, r10, r11', 'blsr r12, [r13]', 'rorx r8, [rax], 7'],
    bad: ['andn rax, ebx, ecx', 'shrx rax, rbx, ecx'],
  },
  'EVEX: zmm, registers 16-31 and disp8*N': {
    modes: [64],
    ok: [
      'vaddps zmm1, zmm2, zmm3', 'vaddps zmm1, zmm2, [rax]', 'vaddps zmm1, zmm2, [rax+64]', 'vaddps zmm1, zmm2, [rax+32]', 'vaddps zmm1, zmm2, [rax+0x2000]',
      'vaddps zmm1, zmm2, [rax-0x2000]', 'vmovups zmm20, [rsp+0x80]', 'vmovups zmm20, [rsp+0x1fc0]', 'vaddps xmm16, xmm1, xmm2', 'vaddps xmm1, xmm16, xmm2',
      'vaddps xmm1, xmm2, xmm16', 'vaddps xmm1, xmm2, xmm25', 'vaddps ymm1, ymm2, [rax+r13*4-128]', 'vaddpd zmm30, zmm29, zmm28', 'vaddss xmm16, xmm1, [rax+8]',
      'vaddsd xmm16, xmm1, [rax+8]', 'vmovdqa32 [rdi+64], zmm16', 'vmovdqu8 zmm1, [rax]', 'vpaddd zmm1, zmm2, zmm3', 'vpaddb zmm1, zmm2, zmm3',
      'vaesenc ymm1, ymm2, ymm3', 'vaesenc zmm0, zmm0, zmm4', 'vpclmulqdq zmm0, zmm1, zmm2, 0', 'vpclmullqlqdq zmm1, zmm1, zmm5', 'vaddps zmm1, zmm2',
      'vpxord zmm1, zmm2, [rax-0x40]', 'vpandq xmm1, xmm2, xmm3', 'vmovaps zmm1, zmm2', 'vmovaps [rax], zmm31', 'vaddps xmm1, xmm2, [rax+16]',
      'vaddps xmm16, xmm2, [rax+16]', 'vaddps xmm16, xmm2, [rax+17]', 'vaddps zmm1, zmm2, [r12+r15*8+0x40]', 'vaddps zmm1, zmm2, [rel $]', 'vpand xmm1, xmm2, xmm3',
    ],
    bad: ['vaddps zmm1, zmm2, ymm3', 'vaddps zmm1, zmm2, yword [rax]', 'addps xmm16, xmm1', 'vpand xmm16, xmm1, xmm2', 'vaddps zmm1, ymm2, zmm3'],
  },
  'EVEX opmask {k1}..{k7} and zeroing {z}': {
    modes: [64],
    ok: [
      'vaddps zmm0 {k1}, zmm0, zmm0', 'vaddpd zmm30{k7}, zmm29, zmm28', 'vaddpd zmm30{k7}{z}, zmm29, zmm28', 'vaddps xmm1{k1}, xmm2, xmm3', 'vmovaps [rax]{k3}, zmm1',
      'vmovaps zmm1{k3}{z}, [rax+64]', 'vaddps zmm0{z}, zmm1, zmm2', 'vaddps xmm1{k1}, xmm2', 'vaddss xmm1{k2}{z}, xmm2, [rax+4]', 'vaddps zmm0 {k1}, zmm0, zmm0|rep|vaddps zmm0 {k1}, zmm0, zmm0|rep movsd',
    ],
    bad: ['vaddps zmm1, zmm2{k1}, zmm3', 'addps xmm1{k1}, xmm2', 'vmovaps [rax]{k1}{z}, zmm1', 'mov eax{k1}, ebx'],
  },
  'EVEX compares into opmask registers': {
    modes: [64],
    ok: [
      'vpcmpb k2{k2}, zmm0, zmm1, 0', 'vpcmpd k2{k2}, zmm0, zmm1, 6', 'vpcmpeqb k2{k2}, zmm0, zmm1', 'vpcmpeqq k2{k2}, zmm0, zmm1', 'vpcmpgtw k2, zmm0, zmm1',
      'vpcmpleq k2{k2}, zmm0, zmm1', 'vpcmpneqw k2, zmm0, [rax+64]', 'vpcmpequb k1, zmm1, zmm2', 'vpcmpltuw k1, xmm1, [rax+16]', 'vpcmpnleud k3{k1}, ymm1, ymm2',
      'vpcmpeqd k1, xmm16, xmm2', 'vpcmpub k1, zmm2, zmm3, 5', 'vpcmpeqb xmm1, xmm2, xmm3',
    ],
    bad: ['vpcmptrueq k1, zmm1, zmm2', 'vpcmpeqb k1, xmm2', 'vpcmpeqb k1, k2, k3', 'vaddps k1, zmm1, zmm2'],
  },
  'EVEX embedded broadcast {1toN} (disp8*N counts elements)': {
    modes: [64],
    ok: [
      'vaddps zmm1, zmm2, [rax]{1to16}', 'vaddps zmm1, zmm2, dword [rax+64]{1to16}', 'vaddps zmm1, zmm2, [rax+0x1fc]{1to16}', 'vaddps zmm1, zmm2, [rax+0x200]{1to16}',
      'vaddpd ymm1{k1}{z}, ymm2, qword [rax-8]{1to4}', 'vaddps xmm1, xmm2, [rax]{1to4}', 'vpaddd zmm0{k1}, zmm0, [rax]{1to16}', 'vpaddq xmm30, xmm29, [rcx]{1to2}',
      'vcvtdq2pd zmm1, [rax]{1to8}', 'vcvtpd2ps ymm1, [rax+8]{1to8}', 'vcvtpd2ps xmm1, [rax]{1to2}', 'vcvtpd2ps xmm1, qword [rax]{1to4}', 'vpsrld zmm1, [rax+4]{1to16}, 3',
      'vcmpps k1{k2}, zmm1, [rax]{1to16}, 5', 'vpternlogq zmm1, zmm2, [rax+8]{1to8}, 0xca', 'vfmadd231ps zmm1, zmm2, [rax]{1to16}',
    ],
    bad: [
      'vaddps zmm1, zmm2, [rax]{1to8}', 'vaddps zmm1, zmm2, qword [rax]{1to16}', 'vmovaps zmm1, [rax]{1to16}', 'vaddps zmm1, zmm2{1to16}, zmm3',
      'vmovdqa32 [rsi]{z}{1to16}, zmm1',
    ],
  },
  'EVEX embedded rounding {rn-sae}..{rz-sae} and {sae}': {
    modes: [64],
    ok: [
      'vaddps zmm1, zmm2, zmm3, {rn-sae}', 'vaddpd zmm1{k1}, zmm2, zmm3, {rd-sae}', 'vaddss xmm1, xmm2, xmm3, {rz-sae}', 'vsqrtps zmm1, zmm2, {ru-sae}',
      'vmaxps zmm30, zmm29, zmm28, {sae}', 'vmaxss xmm1{k7}, xmm2, xmm3, {sae}', 'vcmpps k5, zmm30, zmm29, {sae}, 0x7b', 'vcmpeqsd k1{k2}, xmm1, xmm2, {sae}',
      'vcvtsi2sd xmm1, xmm2, {rn-sae}, rax', 'vcvtsi2ss xmm1, xmm2, {rz-sae}, eax', 'vcvtss2si eax, xmm1, {rd-sae}', 'vcvttsd2usi r8, xmm30, {sae}',
      'vcvtps2ph ymm1{k1}, zmm2, {sae}, 3', 'vcomiss xmm30, xmm29, {sae}', 'vfmadd132pd zmm1, zmm2, zmm3, {rz-sae}', 'vgetmantps zmm1, zmm2, {sae}, 4',
    ],
    bad: [
      'vaddps zmm1, zmm2, zmm3, {sae}', 'vaddps zmm1, zmm2, {rd-sae}, zmm3', 'vaddps ymm1, ymm2, ymm3, {rn-sae}', 'vmaxps zmm1, zmm2, zmm3, {rn-sae}',
      'vmovaps zmm1, zmm2, {sae}', 'vcvtsi2ss xmm1, xmm1, {ru-sae}, [rax+64]', 'vcvtusi2sd xmm1, xmm2, [rax]',
    ],
  },
  'VSIB gathers and scatters (AVX2 with the mask in VEX.vvvv, AVX-512 with an opmask)': {
    modes: [64],
    ok: [
      'vgatherdps xmm1, [rax+xmm2*4], xmm3', 'vgatherdps ymm1, [rax+ymm2*4+64], ymm3', 'vgatherdpd ymm1, [rcx+xmm2], ymm3', 'vgatherqps xmm1, [rax+ymm2*8], xmm3',
      'vgatherqpd xmm0, [xmm2], xmm3', 'vgatherdpd xmm0, [xmm2*2], xmm3', 'vpgatherdd xmm1, [xmm0+rsi], xmm2', 'vpgatherqq ymm1, [rax+ymm2*8-8], ymm3',
      'vgatherdps zmm1{k1}, [rax+zmm2*4+64]', 'vgatherdps zmm1{k1}, [zmm2]', 'vpgatherdq zmm1{k2}, [rax+ymm2*8+0x100]', 'vgatherqps ymm1{k1}, [rax+zmm2]',
      'vscatterdps [rax+zmm2*4]{k1}, zmm3', 'vpscatterqq [rax+zmm2*8+8]{k1}, zmm3', 'vscatterqps [rax+zmm20]{k1}, ymm3', 'vgatherpf0dps [rax+zmm2*4]{k1}',
      'vscatterpf1qpd [rax+zmm31*8+0x400]{k7}',
    ],
    bad: ['vgatherdps xmm1, [rax+ymm2*4], xmm3', 'vgatherdps xmm1, [rax+rbx], xmm3', 'vmovaps xmm1, [rax+xmm2]', 'mov eax, [rax+xmm1]', 'vgatherdps xmm1, [xmm2+xmm3], xmm4'],
  },
  'AVX-512F/CD/ER/PF families (conversions, permutes, compress/expand, shifts, ternary logic, moves)': {
    modes: [64],
    ok: [
      'vcvtudq2ps zmm1, zmm2', 'vcvtps2udq xmm20{k1}, [rax]', 'vcvtpd2dq xmm1, oword [rax]', 'vcvtpd2dq xmm1, yword [rax]', 'vcvtpd2dq ymm20, [rax]',
      'vcvtph2ps zmm1{k1}{z}, [rax+32]', 'vcvtps2ph [rax+32]{k1}, zmm2, 3', 'vcvtusi2sd xmm1, xmm2, rax', 'vcvtss2usi eax, [rax+4]',
      'vpermi2d zmm1, zmm2, zmm3', 'vpermt2pd zmm1{k1}, zmm2, [rax+64]', 'vpermq zmm1, zmm2, 0x1b', 'vpermpd ymm1, ymm2, ymm20', 'vshufi64x2 zmm1, zmm2, [rax], 3',
      'valignd zmm1, zmm2, zmm3, 5', 'vpblendmq zmm1{k1}, zmm2, zmm3', 'vpternlogd zmm1, zmm2, zmm3, 0xff',
      'vcompressps [rax+4]{k1}, zmm2', 'vcompressps [rax+64]{k1}, zmm2', 'vpexpandq zmm1{k1}{z}, [rax+8]', 'vexpandpd xmm1, xmm20',
      'vpslld zmm1, zmm2, xmm3', 'vpsraq zmm1, zmm2, 3', 'vpsraq zmm1, 3', 'vprolq zmm1{k1}, [rax+64], 3', 'vpsllvq zmm1, zmm2, zmm3', 'vprorvd xmm1, xmm2, xmm20',
      'vpmovdb xmm1{k1}, zmm2', 'vpmovusqw [rax+16], zmm2', 'vpmovsxbq zmm1, [rax+8]', 'vpmovzxdq zmm1, ymm2', 'vpabsq zmm1, zmm2', 'vpmaxuq zmm1, zmm2, zmm3',
      'vpconflictd zmm30, zmm29', 'vplzcntq zmm1, [rax]', 'vpbroadcastmw2d zmm1, k2', 'vexp2ps zmm1, zmm2, {sae}', 'vrcp28sd xmm1{k1}, xmm2, xmm3', 'vrsqrt14ps zmm1, zmm2',
      'vscalefps zmm1, zmm2, zmm3, {rn-sae}', 'vgetexpsd xmm1, xmm2, xmm3', 'vrndscaleps zmm1, zmm2, 4', 'vfixupimmpd zmm1, zmm2, zmm3, 1',
      'vmovdqa32 [rsi]{k1}{z}, zmm1', 'vmovq xmm30, [rcx]', 'vmovq [rcx], xmm30', 'vmovq xmm30, rax', 'vmovd xmm20, eax', 'vextractps rax, xmm29, 1', 'vextractps rax, xmm1, 1',
      'vbroadcasti32x4 zmm1, [rax]', 'vbroadcastf64x4 zmm1{k1}, [rax+32]', 'vinserti64x4 zmm1, zmm2, ymm3, 1', 'vextractf32x4 [rax+16], zmm2, 3', 'vpbroadcastq zmm1, rax',
      'vptestnmd k1, zmm2, zmm3', 'vmovddup zmm1, [rax+64]', 'vmovsldup zmm1, zmm2', 'vunpcklps zmm1, zmm2, zmm3', 'prefetchwt1 [rax]',
    ],
    bad: ['vcvtpd2ps xmm29, [rax]', 'vcvtss2sd xmm1, xmm30', 'vfmadd132ps zmm1, zmm2', 'vpermi2d zmm1, zmm2', 'vpsllw [rax], 7', 'vmovaps [rax]{k1}{z}, zmm1'],
  },
  'AVX-512 BW/DQ rest, IFMA, VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ, BF16, VP2INTERSECT, GFNI': {
    modes: [64],
    ok: [
      'vdbpsadbw zmm1{k1}, zmm2, zmm3, 5', 'vpalignr zmm1, zmm2, [rax+64], 3', 'vpblendmb zmm1{k1}, zmm2, zmm3', 'vpermw zmm1, zmm2, zmm3', 'vpermi2w ymm1, ymm2, ymm20',
      'vpsllvw zmm1, zmm2, zmm3', 'vpbroadcastb zmm1, [rax+1]', 'vpbroadcastb zmm1{k1}, eax', 'vpbroadcastb xmm20, sil', 'vpbroadcastw ymm1, ax', 'vpbroadcastw zmm1, xmm2',
      'vpmovb2m k1, zmm2', 'vpmovm2q zmm1, k2', 'vpmovd2m k3, xmm20', 'vpextrb eax, xmm20, 1', 'vpextrw [rax+2], xmm20, 1', 'vpextrq rax, xmm20, 1', 'vpinsrd xmm20, xmm21, eax, 1',
      'vpinsrb xmm20, xmm21, [rax+1], 1', 'vpinsrq xmm1, xmm20, [rax+8], 1',
      'vbroadcasti32x2 zmm1, [rax+8]', 'vbroadcastf64x2 zmm1{k1}, [rax+16]', 'vbroadcastf32x8 zmm1, [rax+32]', 'vinserti64x2 zmm1, zmm2, xmm3, 3', 'vextractf32x8 [rax+32], zmm2, 1',
      'vcvtpd2qq zmm1, zmm2, {rn-sae}', 'vcvtps2uqq zmm1, [rax]{1to8}', 'vcvttpd2uqq zmm1, zmm2, {sae}', 'vcvtqq2ps ymm1, zmm2', 'vcvtuqq2ps xmm1, oword [rax]',
      'vfpclassps k1, zword [rax], 3', 'vfpclasspd k1{k2}, [rax]{1to8}, 3', 'vfpclasssd k1, xmm2, 3',
      'vpmadd52luq zmm1, zmm2, [rax]{1to8}', 'vpmadd52huq xmm20, xmm21, xmm22', 'vpermb zmm1, zmm2, zmm3', 'vpermt2b zmm1, zmm2, zmm3', 'vpmultishiftqb zmm1, zmm2, zmm3',
      'vpcompressb [rax+1]{k1}, zmm2', 'vpcompressw [rax+64]{k1}, zmm2', 'vpexpandb zmm1{k1}{z}, [rax+1]', 'vpshldd zmm1, zmm2, [rax]{1to16}, 3', 'vpshrdvq zmm1, zmm2, zmm3',
      'vpshldw zmm1, zmm2, zmm3, 4', 'vpdpbusd zmm1, zmm2, zmm3', 'vpdpwssds zmm1, zmm2, [rax]{1to16}', 'vpopcntb zmm1, zmm2', 'vpopcntq zmm1, [rax+64]',
      'vpshufbitqmb k1, zmm2, zmm3', 'vcvtne2ps2bf16 zmm1, zmm2, zmm3', 'vdpbf16ps zmm1, zmm2, [rax+64]', 'vp2intersectd k2, zmm2, zmm3',
      'vgf2p8affineqb zmm1, zmm2, [rax]{1to8}, 3', 'vgf2p8mulb zmm1, zmm2, zmm3', 'vgf2p8mulb xmm1, xmm2, xmm3', 'vgf2p8affineinvqb ymm1, ymm2, ymm3, 1',
      'gf2p8mulb xmm1, xmm2', 'gf2p8affineqb xmm1, [rax], 2', 'vpcmpgeb k1, zmm2, zmm3', 'vpcmpgtuw k1, zmm2, zmm3', 'vpcmpngtd k1, zmm2, [rax]{1to16}', 'vcmpeq_oqps k1, zmm2, zmm3',
    ],
    bad: ['vcvtqq2ps xmm1, [rax]', 'vfpclassps k1, [rax], 3', 'vpblendmb zmm1, zmm2', 'vpopcntq zmm1, [rax]{1to8}', 'vpbroadcastb xmm1, ah'],
  },
  'AMX: tile registers, tile configuration, loads/stores with SIB-only memory, dot products': {
    modes: [64],
    ok: [
      'ldtilecfg [rsi]', 'sttilecfg [rdi+64]', 'tilerelease', 'tilezero tmm3', 'tileloadd tmm3, [rax]', 'tileloadd tmm3, [rax,rdx]', 'tileloadd tmm7, [rax,rdx*2]',
      'tileloadd tmm3, [rax+rdx*2+8]', 'tileloaddt1 tmm2, [r8,r9]', 'tileloadd tmm1, [rsp]', 'tileloadd tmm1, [rbp]', 'tileloadd tmm1, [r13+r12*4]', 'tilestored [rax,rdx*2], tmm4',
      'tilestored [rax], tmm4', 'tdpbf16ps tmm1, tmm2, tmm3', 'tdpbssd tmm7, tmm6, tmm5', 'tdpbusd tmm0, tmm0, tmm0', 'tdpbsud tmm0, tmm1, tmm2', 'tdpbuud tmm0, tmm1, tmm2',
    ],
    bad: ['tilezero xmm1', 'tdpbssd tmm1, tmm2', 'tileloadd tmm1, tmm2', 'tilestored tmm1, [rax]', 'mov tmm1, rax'],
  },
  'AVX512_4FMAPS and AVX512_4VNNIW register sets (zmm1+3)': {
    modes: [64],
    ok: [
      'v4fmaddps zmm0, zmm1+3, [rax]', 'v4fnmaddps zmm2, zmm3, [rax]', 'v4fmaddss zmm4{k1}, zmm5+3, [rax+16]', 'v4fnmaddss zmm6, zmm7+3, [rax+64]',
      'v4dpwssds zmm8, zmm9, [rax]', 'v4dpwssd zmm10{k2}{z}, zmm11+3, [rax-16]', 'v4dpwssd zmm10+0, zmm11+3, [rax]', 'vaddps zmm1, zmm2+0, zmm3',
    ],
    bad: ['v4dpwssd zmm10+1, zmm11+3, [rax]', 'v4dpwssd zmm10, zmm11+4, [rax]', 'v4dpwssd zmm10, zmm11+7, [rax]', 'vaddps zmm1, zmm2+3, zmm3', 'v4fmaddps zmm0, zmm1+1, [rax]'],
  },
  'opmask instructions': {
    modes: [64],
    ok: [
      'kandw k1, k2, k3', 'kandb k1, k2, k3', 'kandd k1, k2, k3', 'kandq k1, k2, k3', 'kandnw k1, k2, k3', 'korw k1, k2, k3', 'kxnorb k1, k2, k3', 'kxord k7, k6, k5',
      'kaddw k1, k2, k3', 'kaddb k1, k2, k3', 'knotw k1, k2', 'knotq k1, k2', 'kortestw k1, k2', 'ktestb k1, k2', 'kmovw k1, k2', 'kmovw k1, [rax]', 'kmovw [rax], k1',
      'kmovw k1, eax', 'kmovw k1, ax', 'kmovw eax, k1', 'kmovb k1, eax', 'kmovb eax, k1', 'kmovd k1, eax', 'kmovd eax, k1', 'kmovq k1, rax', 'kmovq rax, k1', 'kmovq k1, [rax]',
      'kmovd k1, k2', 'kmovb k1, [rax+1]', 'kunpckbw k1, k2, k3', 'kunpckwd k1, k2, k3', 'kunpckdq k1, k2, k3', 'kshiftlw k1, k2, 3', 'kshiftrb k1, k2, 3',
      'kshiftld k1, k2, 3', 'kshiftrq k1, k2, 3', 'kmovw k1, r9d', 'kmovw r10d, k1',
    ],
    bad: ['kandw k1, k2', 'kmovb k1, ax', 'kmovw ax, k1', 'kmovw k1, rax', 'kmovd rax, k1', 'knotw k1, xmm1'],
  },
  'encoding prefixes {rex} {vex} {vex2} {vex3} {evex}': {
    modes: [64],
    ok: [
      '{rex} add eax, edx', '{rex} add al, dl', '{rex} comisd xmm0, xmm1', 'vcomisd xmm0, xmm31', '{vex} vcomisd xmm0, xmm1', '{vex2} vcomisd xmm0, xmm1',
      '{vex3} vcomisd xmm0, xmm1', '{evex} vcomisd xmm0, xmm1', '{evex} vcomisd xmm0, [r8+rax*1]', '{vex3} vcomisd xmm0, [rax+r8*2]',
      '{evex} vaddps xmm1, xmm2, [rax+16]', '{vex3} vaddps xmm1, xmm2, xmm3', '{evex} vucomiss xmm1, [rax+4]', 'lbl: {vex3} vzeroupper', '{vex3} andn eax, ebx, ecx',
    ],
    bad: [
      '{vex2} vcomisd xmm0, [rax+r8*2]', '{rex} add ah, dl', '{rex} vcomisd xmm0, xmm1', '{vex} add eax, edx', '{vex3} add eax, edx', '{evex} add eax, edx', '{evex} vzeroupper',
    ],
  },
  'EVEX outside 64-bit mode (NASM takes bit 4 in R and X, not in vvvv or with bit 3)': {
    modes: [32],
    ok: ['vaddps zmm1, zmm2, zmm3', 'vaddps zmm1, zmm2, [eax+64]', 'vaddps xmm1, xmm2, xmm16', 'vaddps xmm20, xmm2, xmm16', 'vmovdqa32 [edi+64], zmm16', 'vmovaps zmm7, [ebp-128]'],
    bad: ['vaddps zmm20, zmm21, [eax]', 'vaddps xmm1, xmm25, xmm2', 'vaddps xmm1, xmm2, xmm31', 'vaddps zmm8, zmm1, zmm2'],
  },
  'ymm registers outside 64-bit mode': {
    modes: [16, 32],
    ok: ['vaddps ymm1, ymm2, ymm3', 'vpmovmskb rdx, ymm3', 'vaddps xmm1, xmm2, [eax+ecx*2]', 'vmovaps xmm1, xmm7', 'vpermq ymm1, [ebp], 3'],
    bad: ['vaddps ymm9, ymm1, ymm2', 'vaddps ymm1, ymm1, ymm8', 'vmovq xmm1, rax', 'vpmovmskb rdx, xmm3'],
  },
  'FMA operand-order aliases (312, 123, 321)': {
    ok: ['vfmadd312ps xmm1, xmm2, xmm3', 'vfmadd123pd ymm1, ymm2, [rax]', 'vfmadd321pd xmm1, xmm2, xmm3', 'vfnmsub312sd xmm1, xmm2, [rax]', 'vfmsubadd123ps ymm1, ymm2, ymm3'],
    bad: ['vfmadd312ps xmm1, xmm2', 'vfmaddsub123ss xmm1, xmm2, xmm3'],
  },
  'rdpid, invlpga, clzero, umonitor, movdir64b (the register picks the address size)': {
    modes: [16, 32],
    ok: ['rdpid eax', 'invlpga', 'invlpga ax, ecx', 'invlpga eax, ecx', 'clzero', 'clzero ax', 'clzero eax', 'umonitor eax', 'umonitor ax', 'movdir64b eax, [edi]', 'movdir64b ax, [di]', 'movdir64b eax, [ebx+4]'],
    bad: ['rdpid ax', 'rdpid rcx', 'invlpga rax, ecx', 'invlpga eax, edx', 'clzero rax', 'umonitor rax', 'movdir64b rax, [rdi]'],
  },
  'rdpid, invlpga, clzero, umonitor, movdir64b in 64-bit mode': {
    modes: [64],
    ok: ['rdpid rcx', 'rdpid ecx', 'rdpid r9', 'invlpga', 'invlpga eax, ecx', 'invlpga rax, ecx', 'clzero eax', 'clzero rax', 'umonitor rax', 'umonitor eax', 'movdir64b rax, [rdi]', 'movdir64b eax, [edi]'],
    bad: ['rdpid ax', 'invlpga ax, ecx', 'clzero ax', 'umonitor ax', 'movdir64b ax, [di]'],
  },
  'VMX, SVM and VIA PadLock': {
    modes: [32],
    ok: [
      'vmread dword [0], eax', 'vmread [0], eax', 'vmread eax, ebx', 'vmwrite eax, [0]', 'vmcall', 'vmlaunch', 'vmresume', 'vmxoff', 'vmxon [eax]', 'vmclear [eax]',
      'vmptrld [eax]', 'vmptrst [eax]', 'invept eax, [ebx]', 'invvpid eax, oword [ebx]', 'vmfunc', 'vmrun', 'vmmcall', 'vmload', 'vmsave', 'stgi', 'clgi',
      'xstore', 'rep xstore', 'xcryptecb', 'rep xcryptecb', 'repe xcryptcbc', 'xcryptctr', 'xcryptcfb', 'xcryptofb', 'montmul', 'xsha1', 'rep xsha256',
    ],
    bad: ['skinit', 'vmrun eax', 'vmread qword [0], eax'],
  },
  'VMX and SVM in 64-bit mode': {
    modes: [64],
    ok: ['vmread [0], rax', 'vmread qword [0], rax', 'vmread r9, r10', 'vmwrite rax, [0]', 'invept rax, [rbx]', 'vmxon [rax]', 'skinit', 'xstore'],
    bad: ['vmread [0], eax', 'vmwrite eax, dword [0]', 'vmload rax'],
  },
  'retn with an operand size': {
    modes: [16, 32],
    ok: ['retnw', 'retnd', 'retnw 4', 'retnd 4', 'retw 4', 'retd'],
    bad: ['retnq', 'retnq 8'],
  },
  'retn with an operand size in 64-bit mode': { modes: [64], ok: ['retnw', 'retnq', 'retnw 4', 'retnq 8'], bad: ['retnd', 'retnd 4'] },
  'lar/lsl take any general register as the source': {
    modes: [16, 32],
    ok: ['lar ax, ax', 'lar ax, eax', 'lar eax, ax', 'lsl ax, eax', 'lsl eax, eax', 'lar ax, [0]', 'lsl eax, word [0]'],
    bad: ['lar ax, rcx', 'lsl eax, rdx'],
  },
  'lar/lsl in 64-bit mode': { modes: [64], ok: ['lar ax, rax', 'lar eax, rax', 'lar rax, eax', 'lsl r10w, r9', 'lsl rax, word [0]'] },
  'HLE prefixes xacquire/xrelease and the osp/asp prefixes': {
    modes: [32],
    ok: [
      'xacquire lock add [esi], eax', 'xacquire xchg [eax], ebx', 'xrelease lock mov [eax], ecx', 'xrelease mov [eax], ecx', 'xacquire add ecx, [eax]',
      'mov [0x1234], eax', 'xrelease mov [0x1234], eax', 'xacquire mov [0x1234], eax', 'xrelease mov [0x1234], al', 'xrelease mov dword [eax], 1',
      'xacquire lock inc dword [eax]', 'xacquire', 'osp mov eax, 1', 'osp add eax, ebx', 'osp push ax', 'asp lodsb', 'osp',
    ],
  },
  'osp with 64-bit fs/gs base instructions': { modes: [64], ok: ['osp rdfsbase eax', 'osp rdfsbase rax', 'osp wrgsbase rax', 'rdrand ax'] },
  'address-size errors: the second message only when a form matched': {
    modes: [32],
    ok: [],
    bad: ['mov rax, [rdi]', 'mov eax, [rdi]', 'push qword [rdi]', 'push dword [rdi]', 'inc qword [rdi]', 'inc [rdi]', 'mov [rdi], 1', 'mov r8d, [rdi]', 'fld qword [rdi]'],
  },
  'registers that need REX outside 64-bit mode': {
    modes: [16, 32],
    ok: ['nop'],
    bad: ['addps xmm9, xmm1', 'mov eax, r8d', 'mov sil, 1', 'mov r8, rax', 'aesenc xmm9, xmm1', 'push r8'],
  },
}, LEVELS);

describe('cpu levels of the extensions', () => {
  // The lowest `cpu` NASM accepts for each: below it, both reject with the same error on the same line.
  const cases: [string, string][] = [
    ['p3', 'pshufw mm1, mm2, 3|cvtpi2ps xmm1, mm2|maskmovq mm1, mm2|pinsrw mm1, eax, 1'],
    ['p4', 'cvtpi2pd xmm1, mm2|movq2dq xmm1, mm2|maskmovdqu xmm1, xmm2|pinsrw xmm1, eax, 1'],
    ['686', 'fcmovb st0, st1|fcmovnu st1'],
    ['sandybridge', 'aesenc xmm1, xmm2|pclmulqdq xmm1, xmm2, 1'],
    ['default', 'sha1msg1 xmm1, xmm2|sha256rnds2 xmm1, xmm2'],
    // AVX-512 (opmask instructions included), AVX2 gathers, GFNI: no `cpu` level below `default` in NASM 2.16.01.
    ['default', 'vaddps zmm1, zmm2, zmm3|kmovw k1, k2|vpopcntb zmm1, zmm2|vexp2ps zmm1, zmm2|vgatherdps xmm1, [eax+xmm2], xmm3|gf2p8mulb xmm1, xmm2'],
  ];
  const order = ['386', '486', '586', '686', 'p3', 'p4', 'prescott', 'x64', 'nehalem', 'sandybridge', 'default'];
  it.each(cases)('%s: %s', (lowest, body) => {
    const i = order.indexOf(lowest);
    for (const cpu of [order[i - 1], lowest]) compare(32, [`cpu ${cpu}`, ...body.split('|')], cpu === lowest);
  });
  it('pextrw falls back to the SSE4.1 encoding below cpu p4', () => compare(32, ['cpu p3', 'pextrw eax, xmm1, 1', 'pextrw [eax], xmm1, 1'], true));
});

it('EVEX_MNEMONICS (read at start-up instead of generating the EVEX rows) lists exactly the mnemonics of the EVEX rows', () => {
  expect(EVEX_MNEMONICS.split(/\s+/).filter(Boolean)).toEqual([...new Set(evexRows().map((r) => r[0]))].sort());
});

// Every VEX/EVEX row of the table, instantiated with registers that need the inverted R/X/B and
// vvvv bits (xmm12, ymm13, r9d, [rax+r9*2+...]) and without, in 16-, 32- and 64-bit mode: NASM's
// listing maps its bytes to lines, lines NASM rejects must be rejected by us too.
describe('VEX and EVEX table rows vs NASM, row by row', () => {
  const MEM: Record<Mode, string[]> = { 16: ['[bx+si+4]', '[0x1234]'], 32: ['[ebx+ecx*4+8]', '[ebp-0x40]'], 64: ['[rax+r9*2+0x100]', '[r13]', '[rel fwd]'] };
  const SIZE: Record<number, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword', 128: 'oword', 256: 'yword', 512: 'zword' };
  const GPR: Record<number, string[]> = { 8: ['bl', 'sil'], 16: ['dx'], 32: ['ecx', 'r9d'], 64: ['rdx', 'r11'] };
  function instances(p: Row['pats'][number], mode: Mode, which: number, evex: boolean): string[] {
    const wide = mode === 64;
    // With EVEX also registers 16-31 (bit 4 in R', V' or X); outside 64-bit mode NASM takes only some of them.
    const extra = (cls: string): string[] => (evex ? (p.vvvv ? [`${cls}21`] : which === 0 ? [`${cls}20`, `${cls}29`] : [`${cls}17`, `${cls}30`]) : []);
    const vec = (cls: string): string[] =>
      [...(p.vvvv ? [`${cls}5`, `${cls}14`] : p.is4 ? [`${cls}6`, `${cls}15`] : which === 0 ? [`${cls}1`, `${cls}12`] : [`${cls}3`, `${cls}10`]), ...extra(cls)].filter(
        (r) => wide || !/(1[0-5]|2[4-9]|3[01])$/.test(r),
      );
    const mem = MEM[mode];
    switch (p.t) {
      case 'xmm':
      case 'ymm':
      case 'zmm':
        return vec(p.t);
      case 'xmmrm':
      case 'ymmrm':
      case 'zmmrm':
        // The second memory form has a displacement that a disp8*N may or may not scale.
        return [...vec(p.t.slice(0, 3)), mem[0], `${SIZE[p.size]} ${mem[1]}`, ...(mode === 64 ? ['[rsp+0x40]', '[rbp-0x1000]'] : [])];
      case 'reg':
      case 'rmreg':
        return GPR[p.size].filter((r) => wide || !/r\d/.test(r));
      case 'rm':
        return [...GPR[p.size].filter((r) => wide || !/r\d/.test(r)).slice(0, 1), mem[0], `${SIZE[p.size]} ${mem[1]}`];
      case 'mem':
        return [mem[0], ...(p.size ? [`${SIZE[p.size]} ${mem[1]}`] : [])];
      case 'kreg':
        return ['k1', 'k6'];
      case 'fixed':
        return [p.fixed!];
      case 'imm':
        return ['7'];
      default:
        return [];
    }
  }
  function corpus(mode: Mode): string[] {
    const lines = new Set<string>();
    for (const [mn, rows] of tableRows()) {
      for (const row of rows) {
        if (!row.vex || (row.long && mode !== 64)) continue;
        let combos: string[][] = [[]];
        row.pats.forEach((p, i) => {
          const list = instances(p, mode, i, row.vex?.evex === true);
          combos = combos.flatMap((c) => list.map((x) => [...c, x]));
          if (combos.length > 8) combos = combos.filter((_, k) => k % 3 === 0);
        });
        for (const c of combos) lines.add(`${mn} ${c.join(', ')}`.trim());
      }
    }
    return [...lines];
  }
  const build = (mode: Mode, body: string[]): string => [`bits ${mode}`, ...body, 'fwd: nop', ''].join('\n');
  for (const mode of [16, 32, 64] as Mode[]) {
    for (const level of LEVELS) {
      it(`bits ${mode}, -O${level}`, () => {
        let body = corpus(mode);
        let n = runNasm(build(mode, body), { listing: true, args: [`-O${level}`] });
        const rejected: string[] = [];
        for (let attempt = 0; attempt < 6 && !n.ok; attempt++) {
          const bad = new Set(n.errors.map((e) => e.line - 2));
          rejected.push(...body.filter((_, i) => bad.has(i)));
          body = body.filter((_, i) => !bad.has(i));
          n = runNasm(build(mode, body), { listing: true, args: [`-O${level}`] });
        }
        expect(n.ok, n.stderr.slice(0, 2000)).toBe(true);
        expect(body.length).toBeGreaterThan(500);
        const src = build(mode, body);
        const r = assemble(src, { fileName: 'in.asm', optimize: level, readFile: () => undefined });
        const lines = src.split('\n');
        expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.message}: ${lines[d.line - 1]}`).slice(0, 20)).toEqual([]);
        const theirs = listingBytes(n.listing);
        const mine = listingBytes(r.listing);
        const mismatches = [...theirs].filter(([line, b]) => mine.get(line) !== b).map(([line, b]) => `${lines[line - 1]}: nasm ${b} ours ${mine.get(line)}`);
        expect(mismatches.slice(0, 30)).toEqual([]);
        expect(hex(r.bytes)).toBe(hex(n.bytes));
        // Rejected lines: rejected by us too (one file each, so one error cannot hide another).
        const accepted = rejected.filter((l) => assemble(build(mode, [l]), { fileName: 'in.asm', optimize: level, readFile: () => undefined }).ok);
        expect(accepted.slice(0, 40)).toEqual([]);
      });
    }
  }
});

// Every EVEX row again, now with AVX-512 decorators: opmasks and `{z}` on the destination, a
// broadcast `{1toN}` on memory sources, `{rn-sae}`..`{rz-sae}`/`{sae}` after register operands,
// VSIB memory with indices 0-31, in 64-bit mode. The choices cycle deterministically; each line is
// compared with NASM's listing (bytes) or NASM's error on that line.
describe('EVEX rows with masks, zeroing, broadcast, rounding and VSIB vs NASM, line by line', () => {
  it('bits 64, -Ox', () => {
    let n = 0;
    const next = <T,>(a: T[]): T => a[(n = (n * 7 + 3) % 1009) % a.length];
    const lines = new Set<string>();
    for (const [mn, rows] of tableRows()) {
      for (const row of rows) {
        if (!row.vex?.evex) continue;
        for (let k = 0; k < 3; k++) {
          const ops: string[] = [];
          let usable = true;
          row.pats.forEach((p, i) => {
            const num = next([1, 2, 17, 30]);
            let s = '';
            if (p.t === 'xmm' || p.t === 'ymm' || p.t === 'zmm') s = `${p.t}${num}`;
            else if (p.t === 'kreg') s = `k${next([1, 2, 5])}`;
            else if (p.t === 'reg' || p.t === 'rmreg') s = ({ 8: 'al', 16: 'ax', 32: next(['eax', 'r9d']), 64: next(['rax', 'r10']) } as Record<number, string>)[p.size];
            else if (p.t === 'xmmrm' || p.t === 'ymmrm' || p.t === 'zmmrm') {
              const form = next([0, 1, 2, 3]);
              if (form === 0) s = `${p.t.slice(0, 3)}${num}`;
              else if (form === 1 && p.bcst) s = `[rax+${next([4, 8, 64, 0x100])}]{1to${p.size / p.bcst}}`;
              else s = `[rax+${next([8, 16, 32, 64, 0x100, 0x1000])}]`;
            } else if (p.t === 'rm') s = next([true, false]) ? `[rax+${next([4, 8, 64])}]` : ({ 8: 'cl', 16: 'cx', 32: 'ecx', 64: 'rcx' } as Record<number, string>)[p.size];
            else if (p.t === 'mem') s = `[rax+${next([4, 8, 16, 64, 0x100])}]`;
            else if (p.t === 'vsib') s = `[rax+${p.vsib}${next([2, 18])}*${next([1, 4, 8])}+${next([8, 64, 0x200])}]`;
            else if (p.t === 'imm') s = String(next([0, 5, 0x7f]));
            else usable = false;
            if (i === 0 && p.t !== 'rm' && p.t !== 'reg' && next([true, false])) s += `{k${next([1, 7])}}${next([false, false, true]) ? '{z}' : ''}`;
            ops.push(s);
            if ((p.er || p.sae) && next([true, false])) ops.push(p.er ? next(['{rn-sae}', '{rd-sae}', '{ru-sae}', '{rz-sae}']) : '{sae}');
          });
          // Rounding goes with register operands (with memory NASM's error depends on its template order).
          if (ops.some((o) => o.includes('-sae}') || o === '{sae}') && ops.some((o) => o.includes('['))) continue;
          if (usable) lines.add(`${mn} ${ops.join(', ')}`);
        }
      }
    }
    const body = [...lines];
    expect(body.length).toBeGreaterThan(3000);
    const src = ['bits 64', ...body, ''].join('\n');
    const theirs = runNasm(src, { listing: true });
    const want = listingBytes(theirs.listing);
    const nasmErrors = new Map(theirs.errors.map((e) => [e.line, e.message]));
    const mismatches: string[] = [];
    body.forEach((l, i) => {
      const r = assemble(`bits 64\n${l}\n`, { fileName: 'in.asm', readFile: () => undefined });
      const got = r.ok ? hex(r.bytes).replace(/ /g, '').toUpperCase() : `error: ${r.diagnostics.find((d) => d.severity === 'error')?.message}`;
      const w = nasmErrors.has(i + 2) ? `error: ${nasmErrors.get(i + 2)}` : want.get(i + 2);
      if (got !== w) mismatches.push(`${l}: nasm ${w} ours ${got}`);
    });
    expect(mismatches.slice(0, 30)).toEqual([]);
  });
});
