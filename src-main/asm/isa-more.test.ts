// Mnemonics NASM 2.16.01 knows beyond the classes of isa.test.ts: the refusal of those still without
// rows (they must never become labels), and the rows added for them, class by class, each block
// assembled by NASM and by us at -O0 and -Ox in the modes that apply (bytes and warnings, or the
// same errors on the same lines), and under the `cpu` levels around the one NASM requires.
import { describe, expect, it } from 'vitest';
import { MNEMONICS } from './encoder.js';
import { UNSUPPORTED_MNEMONICS } from './table.js';
import { classes, compareBlock, errorsOf, narrow, ourRun, type Mode } from './isa.test-helper.js';
import { runNasm } from './oracle.test-helper.js';

const LEVELS = ['0', 'x'] as const;
const UNSUPPORTED = UNSUPPORTED_MNEMONICS.split(/\s+/).filter(Boolean);

const compare = (mode: Mode, lines: string[], expectOk: boolean, head: string[] = []): void => compareBlock(mode, lines, expectOk, LEVELS, head);
/** isa.test-helper's narrowing, and rcx too. */
const narrowMore = (line: string, mode: Mode): string => narrow(mode === 64 ? line : line.replace(/\brcx\b/g, mode === 32 ? 'ecx' : 'si'), mode);

describe('NASM mnemonics without table rows', () => {
  it('share no name with the table', () => {
    expect(UNSUPPORTED.filter((m) => MNEMONICS.has(m))).toEqual([]);
    expect(new Set(UNSUPPORTED).size).toBe(UNSUPPORTED.length);
  });

  it('are instructions to NASM (never labels) and refused by name at their column, alone and with operands', () => {
    const src = ['bits 64', ...UNSUPPORTED.flatMap((m) => [m, `  x${UNSUPPORTED.indexOf(m)}: ${m.toUpperCase()} eax, 1`]), ''].join('\n');
    const n = runNasm(src);
    expect(n.stderr).not.toMatch(/label alone/);
    expect(n.ok).toBe(false);
    const r = ourRun(src, 'x');
    const ours = r.diagnostics.filter((d) => d.severity === 'error');
    const expected = UNSUPPORTED.flatMap((m, i) => [
      { line: 2 + 2 * i, column: 1, message: `instruction \`${m}' is not supported by Bootlab's assembler` },
      { line: 3 + 2 * i, column: 6 + String(i).length, message: `instruction \`${m.toUpperCase()}' is not supported by Bootlab's assembler` },
    ]);
    expect(ours.map((d) => ({ line: d.line, column: d.column, message: d.message }))).toEqual(expected);
    expect(r.diagnostics.some((d) => /label alone/.test(d.message))).toBe(false);
    expect(r.bytes.length).toBe(0);
  });

  it.each(UNSUPPORTED.length ? [UNSUPPORTED[0], UNSUPPORTED[UNSUPPORTED.length - 1]] : [])('%s with a colon is a label, as in NASM', (m) => {
    compare(32, [`${m}:`, `jmp ${m}`, `dw ${m}, $${m}`, `$${m}_x: nop`], true);
  });

  it.each(UNSUPPORTED.length ? [UNSUPPORTED[0]] : [])('%s after a prefix, a label or times is refused too', (m) => {
    for (const line of [`rep ${m}`, `lbl ${m}`, `times 2 ${m}`]) {
      const r = ourRun(`bits 32\n${line}\n`, 'x');
      expect(errorsOf(r)).toEqual([`2: instruction \`${m}' is not supported by Bootlab's assembler`]);
      expect(runNasm(`bits 32\n${line}\n`).stderr).not.toMatch(/label alone/);
    }
  });
});

const THREE_DNOW = 'pi2fw pi2fd pf2iw pf2id pfrcpv pfrsqrtv pfnacc pfpnacc pfcmpge pfmin pfrcp pfrsqrt pfsub pfadd pfcmpgt pfmax pfrcpit1 pfrsqit1 pfsubr pfacc pfcmpeq pfmul pfrcpit2 pmulhrwa pswapd pavgusb'.split(' ');
const EMMI_REG = 'paveb paddsiw pmagw psubsiw pmulhrwc pmulhriw'.split(' ');
const EMMI_MEM = 'pdistib pmvzb pmvnzb pmvlzb pmvgezb pmachriw'.split(' ');

classes({
  '3DNow! and Cyrix EMMI': {
    ok: [
      ...THREE_DNOW.map((m, i) => `${m} mm${i % 8}, mm${(i + 3) % 8}|${m} mm1, [rax+8]|${m} mm7, qword [rax]`),
      ...EMMI_REG.map((m) => `${m} mm1, mm2|${m} mm3, [rax]|${m} mm0, qword [rax+r9*2+0x80]`.replace(/\+r9\*2/, '')),
      ...EMMI_MEM.map((m) => `${m} mm1, [rax]|${m} mm6, [rax-4]`),
      'pmvzb mm1, qword [rax]|pmvgezb mm2, qword [rax]',
      'prefetch [rax]|prefetchw [rax+16]|prefetch qword [rax]|prefetchw qword [rax]|prefetchw [rcx]',
    ],
    bad: [
      'pfadd mm1, dword [rax]', 'pfmul mm1, oword [rax]', 'pfadd xmm1, xmm2', 'pfadd mm1', 'pfadd mm1, mm2, 3', 'pmvzb mm1, mm2', 'pdistib mm1, dword [rax]', 'pdistib mm1, qword [rax]', 'pmachriw mm1, qword [rax]', 'pmachriw mm1, mm2',
      'paveb mm1, word [rax]', 'prefetch byte [rax]', 'prefetchw dword [rax]', 'prefetch rax', 'prefetchw', 'pswapd mm1, rax',
    ],
  },
  '3DNow! with REX registers': { modes: [64], ok: ['pfadd mm1, [r9+rcx*4]|pfmul mm2, [rel $+8]|prefetchw [r12]|pmvzb mm1, [r13]|paveb mm3, [r8+r9]'], bad: ['pfadd mm1, [eax+r9d]'.replace('r9d', 'ax')] },
}, LEVELS, narrowMore);

classes({
  SSE4a: {
    ok: [
      'extrq xmm1, 4, 5|extrq xmm12, 0x3f, 0|extrq xmm1, xmm2|extrq xmm11, xmm15|extrq xmm1, 300, 5',
      'insertq xmm1, xmm2, 4, 5|insertq xmm13, xmm2, 1, 2|insertq xmm1, xmm2|insertq xmm1, xmm14',
      'movntsd [rax], xmm1|movntsd qword [rax+8], xmm11|movntss [rax], xmm2|movntss dword [rax], xmm12',
    ],
    bad: [
      'extrq xmm1, xmm2, 4', 'extrq xmm1, byte 4, 5', 'insertq xmm1, xmm2, 1, word 2', 'extrq xmm1, dword 4, 5', 'extrq xmm1, [rax]', 'insertq xmm1, [rax], 1, 2', 'insertq xmm1, xmm2, 1',
      'movntsd [rax], xmm1, 3', 'movntsd dword [rax], xmm1', 'movntss qword [rax], xmm1', 'movntss xmm1, xmm2', 'movntsd xmm1, [rax]',
    ],
  },
  'SSE4a with REX registers': { modes: [64], ok: ['extrq xmm9, xmm10|insertq xmm9, xmm10, 1, 2|movntsd [rax+r9*2+8], xmm9|movntss [r13], xmm1'] },
}, LEVELS, narrowMore);

classes({
  'XSAVE compacted and supervisor forms, RTM': {
    ok: ['xsavec [rax]|xsaves [rax+8]|xrstors [rax]|xabort 5|xabort byte 5|xabort -1|xabort strict byte 5|xabort 300', 'xbegin $|xbegin $+0x100|xbegin near $|xbegin strict near $|l: xbegin l|xbegin fwd|fwd:'],
    bad: ['xsavec qword [rax]', 'xsaves rax', 'xrstors', 'xabort word 5', 'xabort al', 'xabort', 'xbegin', 'xbegin short $', 'xbegin al'],
  },
  'distance keywords on branches without that form': {
    ok: ['jmp short $|jmp near $|je short $|je near $|call near $|loop $|jecxz $|xbegin near $'],
    bad: ['call short $', 'loop short $', 'loop near $', 'loopne near $', 'jecxz short $', 'jecxz near $', 'xbegin short $'],
  },
  'RTM operand sizes, 16- and 32-bit': { modes: [16, 32], ok: ['xbegin word $|xbegin dword $|xbegin 0x1234'], bad: ['xbegin qword $'] },
  '64-bit XSAVE forms': {
    modes: [64],
    ok: ['xsavec64 [rax]|xsaves64 [r9+rcx*8]|xrstors64 [rax]|xsaveopt64 [rax]|xbegin qword $|xbegin l2|l2:'],
    bad: ['xbegin word $', 'xbegin dword $', 'xsavec64 qword [rax]'],
  },
  'the 64-bit forms outside 64-bit mode': { modes: [16, 32], ok: [], bad: ['xsavec64 [rax]', 'xsaves64 [rax]', 'xrstors64 [rax]', 'xsaveopt64 [rax]'] },
}, LEVELS, narrowMore);

const XOP_HADD = 'vphaddbw vphaddbd vphaddbq vphaddwd vphaddwq vphadddq vphaddubw vphaddubd vphaddubq vphadduwd vphadduwq vphaddudq vphsubbw vphsubwd vphsubdq'.split(' ');
const XOP_SHIFTS = ['vprot', 'vpshl', 'vpsha'].flatMap((m) => ['b', 'w', 'd', 'q'].map((t) => m + t));
const XOP_MACS = 'vpmacssww vpmacsswd vpmacssdql vpmacssdd vpmacssdqh vpmacsww vpmacswd vpmacsdql vpmacsdd vpmacsdqh vpmadcsswd vpmadcswd'.split(' ');
const XOP_COM = ['b', 'w', 'd', 'q', 'ub', 'uw', 'ud', 'uq'].map((t) => `vpcom${t}`);

classes({
  'XOP arithmetic': {
    ok: [
      ...['vfrczps', 'vfrczpd'].map((m) => `${m} xmm1, xmm2|${m} xmm1, [rax]|${m} ymm1, ymm12|${m} ymm3, yword [rax+8]|${m} xmm4|${m} ymm5`),
      'vfrczss xmm1, xmm2|vfrczss xmm1, [rax]|vfrczss xmm1, dword [rax]|vfrczsd xmm1, xmm13|vfrczsd xmm1, qword [rax]|vfrczsd xmm2',
      ...XOP_HADD.map((m) => `${m} xmm1, xmm12|${m} xmm2, [rax]|${m} xmm3, oword [rax+0x100]|${m} xmm4`),
      ...XOP_SHIFTS.map((m) => `${m} xmm1, xmm2, xmm13|${m} xmm1, [rax], xmm3|${m} xmm11, xmm2, [rax]|${m} xmm1, xmm2|${m} xmm1, [rax]`),
      ...XOP_SHIFTS.filter((m) => m.startsWith('vprot')).map((m) => `${m} xmm1, xmm2, 5|${m} xmm1, [rax], 0x80|${m} xmm1, oword [rax], 5|${m} xmm1, 7`),
      ...XOP_MACS.map((m) => `${m} xmm1, xmm2, xmm3, xmm14|${m} xmm1, xmm2, [rax], xmm4|${m} xmm1, xmm3, xmm4`),
      'vpcmov xmm1, xmm2, xmm3, xmm4|vpcmov xmm1, xmm2, [rax], xmm4|vpcmov xmm1, xmm2, xmm3, [rax]|vpcmov xmm1, xmm2, xmm3|vpcmov xmm1, xmm2, [rax]',
      'vpcmov ymm1, ymm2, ymm3, ymm14|vpcmov ymm1, ymm2, [rax], ymm4|vpcmov ymm11, ymm2, ymm3, [rax]|vpcmov ymm1, ymm3, ymm4',
      'vpperm xmm1, xmm2, xmm3, xmm4|vpperm xmm1, xmm2, [rax], xmm4|vpperm xmm1, xmm2, xmm3, [rax]|vpperm xmm1, xmm3, xmm4|vpperm xmm12, xmm2, [rax]',
      ...XOP_COM.map((m) => `${m} xmm1, xmm2, xmm13, 5|${m} xmm1, xmm2, [rax], 0|${m} xmm1, [rax], 7|${m} xmm1, xmm2, xmm3, byte 5`),
    ],
    bad: [
      'vfrczss xmm1, qword [rax]', 'vfrczsd xmm1, dword [rax]', 'vphaddbw ymm1, ymm2', 'vprotb ymm1, ymm2, ymm3', 'vprotb xmm1, [rax], [rax]',
      'vpcmov xmm1, xmm2, [rax], [rax]', 'vpmacsdd xmm1, xmm2, xmm3, [rax]', 'vpcomb xmm1, xmm2, xmm3, word 5', 'vprotb xmm1, xmm2, word 5',
      'vpcomb xmm1, xmm2, xmm3', 'vpperm ymm1, ymm2, ymm3, ymm4', 'vfrczps xmm1, ymm2', 'vpmacsww xmm1, xmm2',
    ],
  },
  'XOP with REX registers': {
    modes: [64],
    ok: ['vfrczps xmm9, xmm10|vpmacsdd xmm9, xmm10, [r9+rax], xmm11|vprotq xmm8, [r12+r13*4], xmm15|vpcmov ymm8, ymm9, [r10], ymm15|vpcomuq xmm9, xmm8, [rel $], 1'],
  },
}, LEVELS, narrowMore);

const CCS = ['o', 'no', 'b', 'c', 'nae', 'ae', 'nb', 'nc', 'e', 'z', 'ne', 'nz', 'be', 'na', 'a', 'nbe', 's', 'ns', 'p', 'pe', 'np', 'po', 'l', 'nge', 'ge', 'nl', 'le', 'ng', 'g', 'nle'];

classes({
  'later instructions with operands': {
    ok: [
      'adcx eax, ebx|adcx eax, [rax]|adox ecx, edx|adox eax, dword [rax]|movdiri [rax], eax|movdiri dword [rax], ecx|cldemote [rax]|cldemote [rax+8]',
      'prefetchit0 [rax]|prefetchit1 byte [rax]|tpause eax|tpause ecx, edx, eax|umwait edx|umwait eax, edx, eax',
      'monitorx|monitorx ax, ecx, edx|monitorx eax, ecx, edx|mwaitx|mwaitx eax, ecx|getsec|pcommit|pvalidate|rmpadjust|hreset 1|hreset 0xff, eax|hreset byte 1',
      'incsspd eax|rdsspd ecx|saveprevssp|setssbsy|rstorssp [rax]|rstorssp qword [rax]|clrssbsy [rax]|clrssbsy qword [rax]',
      'wrssd [rax], eax|wrssd dword [rax], eax|wrussd [rax], ecx',
      'aadd [rax], eax|aand dword [rax], ecx|axor [rax], edx',
      ...[0, 1, 7, 8, 9, 31, 32, 62, 63].map((n) => `hint_nop${n} ax|hint_nop${n} eax|hint_nop${n} word [rax]|hint_nop${n} dword [rax+4]`),
    ],
    bad: [
      'adcx ax, bx', 'movdiri [rax], ax', 'movdiri qword [rax], eax', 'cldemote byte [rax]', 'cldemote eax', 'prefetchit0 qword [rax]', 'tpause ax', 'umwait eax, ecx, edx',
      'mwaitx eax, ecx, ebx', 'hreset 1, ebx', 'hreset word 1', 'hreset', 'rstorssp dword [rax]', 'wrssd [rax], ax', 'aadd qword [rax], eax', 'aadd eax, eax',
      'hint_nop0 [rax]', 'hint_nop0', 'hint_nop3 al', 'incsspd ax',
    ],
  },
  'later 64-bit instructions': {
    modes: [64],
    ok: [
      'adcx rax, [rbx]|adcx r9d, [rax]|adox r9, r10|movdiri [rax], r9|cldemote [rax+r9]',
      'monitorx rax, ecx, edx|tpause r9d|umwait r10d, edx, eax|senduipi rax|senduipi r9|wrmsrns|rdmsrlist|wrmsrlist|prefetchit0 [rel $]',
      'incsspq rax|rdsspq r9|wrssq [rax], rax|wrssq qword [rax], r9|wrussq [rax], r9|aadd [rax], rax|axor [r9], r10|hint_nop5 r9|hint_nop63 qword [rax]',
      ...CCS.map((cc) => `cmp${cc}xadd [rax], eax, ebx|cmp${cc}xadd dword [r9+8], r10d, r11d|cmp${cc}xadd [rax], rax, r9|cmp${cc}xadd qword [rax], r12, rbx`),
    ],
    bad: ['tpause rax', 'umwait r9', 'senduipi eax', 'cmpbexadd qword [rax], eax, ebx', 'cmpoxadd [rax], eax, rbx', 'cmpexadd eax, eax, ebx', 'monitorx rax, rcx, rdx', 'incsspq eax'],
  },
  "NASM's AVX names for 256-bit moves, vmaskmovdqu": {
    ok: ['vldqqu ymm1, [rax]|vldqqu ymm12, yword [rax]|vmovntqq [rax], ymm1|vmovqqa ymm1, ymm2|vmovqqa ymm1, [rax+8]|vmovqqa [rax], ymm13|vmovqqu ymm1, [rax]|vmovqqu ymm11, ymm2|vmovqqu yword [rax], ymm3|vmaskmovdqu xmm1, xmm2|vmaskmovdqu xmm11, xmm12'],
    bad: ['vldqqu ymm1, ymm2', 'vldqqu xmm1, [rax]', 'vmovntqq ymm1, ymm2', 'vmovqqa xmm1, xmm2', 'vmovqqu ymm1, oword [rax]', 'vmaskmovdqu xmm1, [rax]', 'vmaskmovdqu ymm1, ymm2'],
  },
  'opmask instructions without a size suffix': {
    ok: [
      'kadd k1, k2, k3|kand k1, k2, k3|kandn k7, k0, k3|kor k1, k2, k3|kxnor k1, k2, k3|kxor k1, k2, k3|kunpck k1, k2, k3',
      'knot k1, k2|kortest k1, k2|ktest k3, k4|kshiftl k1, k2, 3|kshiftr k1, k2, 0x81|kshiftl k1, k2, byte 3',
      'kmov k1, k2|kmov [rax], k1|kmov byte [rax], k1|kmov word [rax], k1|kmov dword [rax], k2|kmov qword [rax], k3',
      'kmov k1, byte [rax]|kmov k1, word [rax]|kmov k1, dword [rax]|kmov k1, qword [rax+8]|kmov k1, eax|kmov eax, k1|kmov k1, ax|kmov k1, al|kmov k1, sil',
    ],
    bad: ['kmov k1, [rax]', 'kmov k1, ah', 'kmov ax, k1', 'kmov al, k1', 'kadd k1, k2', 'knot k1, [rax]', 'kmov k1, k2, k3', 'kand k1, eax, k2', 'kshiftl k1, k2, word 3'],
  },
  'opmask instructions without a size suffix, 64-bit registers': { modes: [64], ok: ['kmov k1, rax|kmov rax, k1|kmov r9d, k1|kmov k1, r9b|kmov k1, r10'] },
  MPX: {
    ok: [
      'bndmk bnd0, [rax]|bndmk bnd1, [rax+8]|bndcl bnd0, [rax]|bndcu bnd3, [rax]|bndcn bnd2, [rax+4]|bndmov bnd0, bnd1|bndmov bnd3, bnd0',
      'bndmov bnd0, [rax+8]|bndmov [rax], bnd1|bndldx bnd0, [rax]|bndstx [rax], bnd2|bndldx bnd1, [0x1000]|bndmk bnd2, [0x1000]',
    ],
    bad: ['bndmk bnd0, qword [rax]', 'bndmk bnd0, rax', 'bndcl bnd0, dword [rax]', 'bndcl bnd0, qword [rax]', 'bndmov bnd0, qword [rax]', 'bndmov bnd0, oword [rax]', 'bndmov bnd0, xmm1', 'bndldx bnd0, bnd1', 'bndcl rax, bnd0', 'bndmk xmm1, [rax]'],
  },
  'MPX, 16- and 32-bit registers': {
    modes: [16, 32],
    ok: ['bndstx [eax+8], bnd1, ecx|bndcl bnd0, eax|bndcu bnd1, ecx|bndcn bnd3, edi|bndmk bnd0, [eax*2]|bndldx bnd0, [ebx+eax*4]|bndstx [ecx+edx], bnd3|bndmk bnd0, [eax+ebx*8+0x10]|bndldx bnd0, [eax], ecx|bndstx [eax+8], ecx, bnd1|bndldx bnd0, [eax+ebx], ecx'],
    bad: ['bndldx bnd0, [eax], cx', 'bndmk bnd0, [eax], ecx', 'bndldx bnd0, [bx], cx'],
  },
  'MPX, 64-bit': {
    modes: [64],
    ok: ['bndcl bnd0, rax|bndcu bnd3, r9|bndcn bnd1, [r10+r11*8]|bndmk bnd1, [rax+rbx*2+8]|bndmk bnd0, [rax*2]|bndldx bnd0, [rax+rbx]|bndldx bnd0, [rbx*2+rax]|bndstx [rax+rbx], bnd1|bndmk bnd0, [rel $]|bndldx bnd0, [rax*4]|bndldx bnd0, [0x100], rcx|bndstx [r9], r10, bnd3|bndldx bnd1, [rax+8], r12'],
    bad: ['bndcl bnd0, eax', 'bndcu bnd0, r9d', 'bndldx bnd0, [rax], ecx'],
  },
  'the bnd prefix': {
    ok: ['bnd jmp $|bnd jmp near $|bnd ret|bnd ret 4|bnd retn|bnd call $|bnd jmp [rax]|bnd call [rax]|bnd je $|bnd jne near $|nobnd jmp $|bnd o16 ret|nobnd ret|l1: bnd jmp l2|times 200 nop|l2: bnd jmp l1|bnd jz l1'],
    bad: ['bnd retf', 'bnd loop $', 'bnd jmp far [rax]', 'bnd iret', 'bnd mov eax, ebx', 'bnd jmp short $', 'bnd jmp strict short $', 'bnd nop'],
  },
  'instructions of the 286-Pentium era': {
    modes: [16, 32],
    ok: [
      'bb0_reset|bb1_reset|cpu_read|cpu_write|dmint|rdm|loadall|loadall286|smi|smint|smintold',
      'rdshr eax|rdshr [bx]|rdshr dword [bx]|wrshr ecx|wrshr [bx+4]|rsdc ds, [bx]|rsdc es, tword [bx]|svdc [bx], ds|svdc tword [bx], fs|rsldt [bx]|svldt [bx]|rsts [bx]|svts tword [bx]',
      'ibts ax, bx|ibts [bx], ax|ibts eax, ecx|xbts ax, bx|xbts ax, [bx]|xbts ecx, [bx]|cmpxchg486 [bx], al|cmpxchg486 ax, bx|cmpxchg486 [bx], eax',
      'umov al, bl|umov [bx], ax|umov ax, [bx]|umov eax, ebx|umov byte [bx], cl|umov ecx, [bx]',
      'jmpe ax|jmpe eax|jmpe word [bx]|jmpe dword [bx]|jmpe $|jmpe 0x1234|jmpe word $|jmpe dword $',
    ],
    bad: ['rdshr ax', 'wrshr ax', 'rsdc ds, dword [bx]', 'rsdc ds, ax', 'svldt ax', 'ibts al, bl', 'xbts [bx], ax', 'umov [bx], 5', 'jmpe', 'jmpe [bx]', 'smi 1'],
  },
  'instructions of the 286-Pentium era in 64-bit mode': { modes: [64], ok: ['bb0_reset|smi|umov al, bl|rdshr eax|xbts ax, bx|jmpe ax|jmpe dword [rax]|ibts [rax], ecx|umov eax, [rax]|jmpe $|rsdc ds, [rax]'], bad: ['cmpxchg486 [rax], rax', 'jmpe [rax]'] },
  'AVX-VNNI-INT8 and AVX-NE-CONVERT (NASM 2.16.01 wants {vex})': {
    ok: [
      ...['vpdpbssd', 'vpdpbssds', 'vpdpbsud', 'vpdpbsuds', 'vpdpbuud', 'vpdpbuuds'].map((m) => `{vex} ${m} xmm1, xmm2, xmm3|{vex} ${m} xmm1, xmm2, oword [rax]|{vex} ${m} ymm1, ymm2, [rax]|{vex} ${m} ymm11, ymm12, ymm13`),
      '{vex} vbcstnebf16ps xmm1, [rax]|{vex} vbcstnebf16ps ymm1, word [rax]|{vex} vbcstnesh2ps xmm1, [rax]|{vex} vbcstnesh2ps ymm12, [rax+8]',
      ...['vcvtneebf162ps', 'vcvtneeph2ps', 'vcvtneobf162ps', 'vcvtneoph2ps'].map((m) => `{vex} ${m} xmm1, oword [rax]|{vex} ${m} ymm1, [rax]|{vex} ${m} ymm13, yword [rax]`),
    ],
    bad: [
      'vpdpbssd xmm1, xmm2, xmm3', 'vbcstnesh2ps xmm1, [rax]', 'vcvtneoph2ps ymm1, [rax]', '{vex} vpdpbuuds xmm1, xmm2, [rax]', '{vex} vcvtneebf162ps xmm1, [rax]',
      '{vex} vpdpbssd xmm1, xmm2', '{vex} vcvtneeph2ps xmm1, xmm2', '{vex} vbcstnesh2ps xmm1, dword [rax]', '{evex} vpdpbssd xmm1, xmm2, xmm3',
    ],
  },
  'forms found missing by a sweep over every operand shape': {
    ok: [
      ...['pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb', 'psignw', 'psignd', 'pmulhrsw', 'pabsb', 'pabsw', 'pabsd'].map(
        (m) => `${m} mm1, mm2|${m} mm3, [rax]|${m} mm0, qword [rax+8]`,
      ),
      'palignr mm1, mm2, 3|palignr mm1, [rax], 3|palignr mm1, qword [rax], 0x80',
      'ud0 ax, bx|ud0 eax, [rax]|ud1|ud1 cx, [rax]|ud1 eax, ebx|ud2b ax, bx|ud2b eax, dword [rax]',
      'mwait eax, ecx|fcmovb|fcmove|fcmovbe|fcmovu|fcmovnb|fcmovne|fcmovnbe|fcmovnu|fcomi|fcomip|fucomi|fucomip',
      'kmovb k1, cl|kmovb k2, al|lfs ax, [rax]',
    ],
    bad: ['pshufb mm1, dword [rax]', 'palignr mm1, mm2', 'ud1 al, bl', 'monitor ax, ecx, edx', 'mwait ecx, eax', 'invpcid eax, qword [rax]'],
  },
  'the same, 16- and 32-bit': { modes: [16, 32], ok: ['monitor eax, ecx, edx|invpcid eax, [rax]|invpcid ecx, oword [rax]'] },
  'the same, 64-bit': {
    modes: [64],
    ok: ['monitor rax, ecx, edx|ud0 r9, r10|ud1 rcx, [rax]|ud2b rax, rbx|kmovb k1, r9b|lfs rcx, [rax]|lgs r9, [rax]|lss rcx, [rax]|bndstx [rax+8], bnd1, rcx|invpcid r9, oword [rbx]'],
    bad: ['monitor eax, ecx, edx', 'invpcid ecx, [rax]'],
  },
  'the 64-bit-only ones elsewhere': {
    modes: [16, 32],
    ok: [],
    bad: ['wrmsrns', 'rdmsrlist', 'wrmsrlist', 'cmpbexadd [eax], eax, ebx', 'senduipi eax', 'incsspq eax', 'monitorx rax, ecx, edx'],
  },
}, LEVELS, narrowMore);

describe('what is refused instead of ignored', () => {
  it('integers in do, dt, dy and dz (NASM has no integer form for them)', () => {
    compare(16, ['dt 1, 2', 'dt 1.0, 3', 'dy 1', 'nop', 'dt 2 dup (1)', 'times 1 dt 5', 'dz 0', 'db 300', "dy 'ab'", 'do 1', 'do -1'], false);
    compare(16, ["dt 1.5, 'ab'", "dy 'abc'", "dz 'x'", "do 'ab', 1.5", 'dt ?', 'dq -1'], true);
  });
  it("`default bnd' (NASM puts F2 on every branch after it)", () => {
    const r = ourRun('bits 64\ndefault bnd\njmp rax\n', 'x');
    expect(errorsOf(r)).toEqual(["2: `default bnd' is not supported by Bootlab's assembler"]);
    compare(64, ['default nobnd', 'jmp rax', 'ret'], true);
  });
});

describe('cpu levels of the added rows', () => {
  it("obsolete ones warn 'valid' at their own level, 'removed' above it", () => {
    compare(16, ['bb0_reset', 'loadall', 'ud0', 'pop cs'], true, ['cpu pentium']);
    compare(16, ['pop cs'], true, ['cpu 8086']);
    compare(16, ['ud0', 'pop cs'], true, ['cpu 186']);
  });
  it('monitorx/mwaitx, pvalidate and rmpadjust have none', () => compare(16, ['monitorx', 'mwaitx', 'pvalidate', 'rmpadjust', 'monitorx ax, ecx, edx'], true, ['cpu 8086']));
  it('XOP has none', () => compare(16, ['vprotb xmm1, xmm2, xmm3', 'vpcmov xmm1, xmm2, xmm3, xmm4', 'vfrczps xmm1, [bx]', 'vpcomb xmm1, xmm2, xmm3, 1'], true, ['cpu 8086']));
  it('SSE4a has none', () => compare(16, ['extrq xmm1, 4, 5', 'insertq xmm1, xmm2', 'movntss [bx], xmm1'], true, ['cpu 8086']));
  // NASM 2.16.01's `cpu ivybridge` admits everything it knows; these not `cpu sandybridge`.
  it.each([
    ['ivybridge', 'sandybridge', 'xsavec [eax]|xsaves [eax]|xrstors [eax]|xabort 1|xbegin $'],
    ['ivybridge', 'sandybridge', 'clac|kaddw k1, k2, k3|vaddps zmm1, zmm2, zmm3|sha1msg1 xmm1, xmm2|vpbroadcastb xmm1, xmm2|tzcnt eax, ebx|rdrand eax|xsaveopt [eax]|gf2p8mulb xmm1, xmm2'],
    ['ivybridge', 'sandybridge', 'adcx eax, ebx|movdiri [eax], eax|cldemote [eax]|tpause eax|pcommit|hreset 1|incsspd eax|wrssd [eax], eax|aadd [eax], eax|prefetchit0 [eax]'],
    ['p3', 'ppro', 'getsec'],
    ['ppro', 'pentium', 'fcmovb|fcomi|fucomip'],
    ['186', '8086', 'ud1|ud1 ax, bx|ud0 ax, bx|ud2b ax, bx'],
    ['ivybridge', 'sandybridge', '{vex} vpdpbssd xmm1, xmm2, xmm3|{vex} vbcstnesh2ps xmm1, [eax]|{vex} vcvtneoph2ps ymm1, [eax]'],
    ['pentium', '486', 'bb0_reset|bb1_reset|cpu_read|cpu_write'],
    ['ppro', 'pentium', 'dmint|rdm|smint|rdshr eax|wrshr eax'],
    ['486', '386', 'smintold|rsdc ds, [eax]|svdc [eax], ds|rsldt [eax]|svldt [eax]|rsts [eax]|svts [eax]|cmpxchg486 [eax], al'],
    ['386', '286', 'loadall|smi|ibts ax, bx|xbts ax, bx|umov al, bl'],
    ['286', '186', 'loadall286'],
    ['ivybridge', 'sandybridge', 'bndmk bnd0, [eax]|bndcl bnd0, eax|bndmov bnd0, bnd1|bndldx bnd0, [eax]|bndstx [eax], bnd0'],
    ['ivybridge', 'sandybridge', 'kadd k1, k2, k3|kmov k1, k2|kmov k1, byte [eax]|knot k1, k2|kshiftl k1, k2, 1'],
    ['sandybridge', 'nehalem', 'vldqqu ymm1, [eax]|vmovntqq [eax], ymm1|vmovqqa ymm1, ymm2|vmovqqu ymm1, ymm2|vmaskmovdqu xmm1, xmm2'],
    ['ppro', 'pentium', 'hint_nop0 eax|hint_nop63 dword [eax]'],
    ['pentium', '486', 'pfadd mm1, mm2|pswapd mm1, [eax]|pfrcpv mm1, mm2|paveb mm1, mm2|pmvzb mm1, [eax]|prefetch [eax]|prefetchw [eax]'],
  ])('cpu %s (%s refuses)', (lowest, below, body) => {
    const mode = lowest === '286' || lowest === '186' ? 16 : 32;
    compare(mode, body.split('|'), true, [`cpu ${lowest}`]);
    compare(mode, body.split('|'), false, [`cpu ${below}`]);
  });
});
