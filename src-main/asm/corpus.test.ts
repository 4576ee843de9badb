// Differential test: every table row, instantiated with representative operands, in 16/32/64-bit
// mode. One NASM run (with a listing) per mode maps bytes back to source lines.
import { describe, expect, it } from 'vitest';
import { tableRows } from './encoder.js';
import { hex, listingBytes, ours, runNasm } from './oracle.test-helper.js';

type Mode = 16 | 32 | 64;

const MEM: Record<Mode, string[]> = {
  16: ['[bx+si+4]', '[bp-2]', '[di]', '[0x1234]', '[ebx+ecx*4+8]'],
  32: ['[ebx+ecx*4+8]', '[esp+0x100]', '[ebp]', '[0x12345]', '[bx+si]'],
  64: ['[rax+r9*2+0x100]', '[rsp]', '[r13]', '[rel fwd]', '[ebx+eax]', '[0x1000]'],
};

function memForms(mode: Mode): string[] {
  return MEM[mode];
}

const SIZE_KW: Record<number, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword', 80: 'tword', 128: 'oword', 256: 'yword', 512: 'zword' };

function gprs(size: number, mode: Mode): string[] {
  const base: Record<number, string[]> = {
    8: ['cl', 'ah'],
    16: ['dx', 'bp'],
    32: ['ecx', 'esi'],
    64: ['rdx', 'r10'],
  };
  const extra: Record<number, string[]> = { 8: ['sil', 'r9b'], 16: ['r11w'], 32: ['r12d'], 64: ['r15'] };
  return mode === 64 ? [...base[size], ...extra[size]] : base[size];
}

function instances(p: string, mode: Mode, mn: string): string[] {
  let m: RegExpExecArray | null;
  if (['al', 'ax', 'eax', 'rax', 'cl', 'cx', 'ecx', 'rcx', 'dx', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', 'st0'].includes(p)) return [p];
  if ((m = /^~?r(\d+)$/.exec(p))) return gprs(+m[1], mode);
  if ((m = /^rm(\d+)$/.exec(p))) return [...gprs(+m[1], mode).slice(0, 1), ...memForms(mode).map((x) => `${SIZE_KW[+m![1]]} ${x}`)];
  if ((m = /^m(\d+)$/.exec(p))) return memForms(mode).slice(0, 3).map((x) => `${SIZE_KW[+m![1]]} ${x}`);
  if (p === 'm') return memForms(mode).slice(0, 3);
  if (p === 'mfar') return memForms(mode).slice(0, 2).map((x) => `far ${x}`);
  if (p === 'mo') return mode === 64 ? ['[qword 0x1234]'] : ['[0x1234]', '[es:0x10]'];
  if ((m = /^xmm\/m(\d+)$/.exec(p))) return [mode === 64 ? 'xmm10' : 'xmm2', memForms(mode)[0]];
  if (p === 'xmm') return mode === 64 ? ['xmm3', 'xmm12'] : ['xmm3'];
  if ((m = /^mmx\/m(\d+)$/.exec(p))) return ['mm2', memForms(mode)[0]];
  if (p === 'mmx') return ['mm3', 'mm7'];
  if (p === 'sreg') return ['ds', 'fs'];
  if (p === 'creg') return ['cr0', 'cr3'];
  if (p === 'dreg') return ['dr1'];
  if (p === 'fpu') return ['st1', 'st0'];
  if (p === 'one') return ['1'];
  if (p === 'imm' && (mn.startsWith('loop') || /^j.?cxz$/.test(mn))) return ['back', 'fwd', '$'];
  if (p === 'imm') return mn.startsWith('j') || mn.startsWith('loop') || mn === 'call' ? ['back', 'fwd', 'near_back'] : ['3'];
  if (p === 'imm8') return ['5', '0x7f'];
  if (p === 'imm16') return mn === 'enter' ? ['0x100'] : ['0x1234', '5', 'back'];
  if (p === 'imm32') return ['0x12345678', '-5', 'back'];
  if (p === 'imm64') return ['0x123456789a', 'back'];
  if (/^sb\d+$/.test(p)) return ['-3', '100'];
  if (p === 'sd64') return ['-2'];
  if (p === 'ud64') return ['0xffffffff'];
  if ((m = /^far(\d+)$/.exec(p))) return ['0x10:0x1234'];
  return [];
}

function combos(lists: string[][]): string[][] {
  let out: string[][] = [[]];
  for (const l of lists) {
    const next: string[][] = [];
    for (const prefix of out) for (const x of l) next.push([...prefix, x]);
    out = next;
    if (out.length > 24) out = out.filter((_, i) => i % 2 === 0);
  }
  return out;
}

function corpus(mode: Mode): string[] {
  const lines = new Set<string>();
  for (const [mn, rows] of tableRows()) {
    for (const row of rows) {
      if (row.long && mode !== 64) continue;
      if (row.nolong && mode === 64) continue;
      const raw = row.pats.map((p) => patName(p));
      const lists = raw.map((p) => instances(p, mode, mn));
      if (lists.some((l) => l.length === 0)) continue;
      for (const c of combos(lists)) lines.add(`${mn} ${c.join(', ')}`.trim());
    }
  }
  return [...lines];
}

function patName(p: { t: string; size: number; fixed?: string }): string {
  switch (p.t) {
    case 'fixed': return p.fixed!;
    case 'reg': return `r${p.size}`;
    case 'rmreg': return `~r${p.size}`;
    case 'rm': return `rm${p.size}`;
    case 'mem': return p.size ? `m${p.size}` : 'm';
    case 'xmmrm': return `xmm/m${p.size}`;
    case 'mmxrm': return `mmx/m${p.size}`;
    case 'imm': return p.size ? `imm${p.size}` : 'imm';
    case 'sb': return `sb${p.size}`;
    case 'sd': return 'sd64';
    case 'ud': return 'ud64';
    case 'far': return `far${p.size}`;
    default: return p.t;
  }
}

function build(mode: Mode, body: string[]): string {
  const pad = 'times 200 nop';
  return [`bits ${mode}`, 'back:', pad, 'near_back:', ...body, pad, 'fwd: nop', ''].join('\n');
}

describe('cpu levels vs NASM', () => {
  // The same corpus under each `cpu` level: NASM and we must reject exactly the same lines
  // ("no instruction for this cpu level" is a final-pass error, so NASM reports all of them).
  for (const level of ['8086', '186', '286', '386', '486', '586', '686', 'p3', 'p4', 'prescott']) {
    // `bits 32` below a 386 is itself an error, so 32-bit code is only checked from the 386 up.
    for (const mode of (['8086', '186', '286'].includes(level) ? [16] : [16, 32]) as Mode[]) {
      it(`cpu ${level}, bits ${mode}`, () => {
        let body = corpus(mode);
        // Lines NASM rejects at any level are not part of this comparison.
        const base = runNasm(build(mode, body));
        const bad = new Set(base.errors.map((e) => e.line - 5));
        body = body.filter((_, i) => !bad.has(i));
        const src = `cpu ${level}\n` + build(mode, body);
        const n = runNasm(src);
        const theirs = [...new Set(n.errors.map((e) => e.line))].sort((a, b) => a - b);
        const r = ours(src);
        const mine = [...new Set(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line))].sort((a, b) => a - b);
        const lines = src.split('\n');
        const onlyNasm = theirs.filter((l) => !mine.includes(l)).map((l) => `nasm only: ${lines[l - 1]}`);
        const onlyOurs = mine.filter((l) => !theirs.includes(l)).map((l) => `ours only: ${lines[l - 1]}`);
        expect([...onlyNasm, ...onlyOurs].slice(0, 40)).toEqual([]);
        if (n.ok) expect(hex(r.bytes)).toBe(hex(n.bytes));
      });
    }
  }
});

describe('instruction corpus vs NASM at -O0 and -O1', () => {
  for (const o of ['0', '1'] as const) {
    for (const mode of [16, 32, 64] as Mode[]) {
      it(`-O${o}, bits ${mode}`, () => {
        let body = corpus(mode);
        // Drop lines NASM rejects at -Ox or at this level (e.g. short-only branches pushed out of range).
        for (const args of [[], [`-O${o}`]]) {
          const base = runNasm(build(mode, body), { args });
          const bad = new Set(base.errors.map((e) => e.line - 5));
          body = body.filter((_, i) => !bad.has(i));
        }
        const src = build(mode, body);
        const n = runNasm(src, { listing: true, args: [`-O${o}`] });
        expect(n.ok, n.stderr.split('\n').filter((l) => l.includes('error')).slice(0, 10).join('\n')).toBe(true);
        const r = ours(src, { optimize: o });
        const nl = listingBytes(n.listing);
        const ol = listingBytes(r.listing);
        const lines = src.split('\n');
        const mismatches: string[] = [];
        for (const [line, nb] of nl) if ((ol.get(line) ?? '') !== nb) mismatches.push(`line ${line} \`${lines[line - 1]}': nasm ${nb} ours ${ol.get(line) ?? ''}`);
        mismatches.sort((a, b) => Number(a.includes('fwd')) - Number(b.includes('fwd')));
        expect(mismatches.slice(0, 30)).toEqual([]);
        expect(hex(r.bytes)).toBe(hex(n.bytes));
      });
    }
  }
});

describe('instruction corpus vs NASM', () => {
  for (const mode of [16, 32, 64] as Mode[]) {
    it(`bits ${mode}: every table row matches NASM byte-for-byte`, () => {
      let body = corpus(mode);
      // Drop lines NASM rejects (after checking we reject them too), then compare the rest.
      let n = runNasm(build(mode, body), { listing: true });
      const rejected: string[] = [];
      for (let attempt = 0; attempt < 12 && !n.ok; attempt++) {
        const bad = new Set(n.errors.map((e) => e.line - 5));
        expect(bad.size, n.stderr.slice(0, 2000)).toBeGreaterThan(0);
        rejected.push(...body.filter((_, i) => bad.has(i)));
        body = body.filter((_, i) => !bad.has(i));
        n = runNasm(build(mode, body), { listing: true });
      }
      expect(n.ok, n.stderr.slice(0, 2000)).toBe(true);
      const src = build(mode, body);
      const r = ours(src);
      const errs = r.diagnostics.filter((d) => d.severity === 'error');
      expect(errs.map((d) => `${d.line}: ${d.message}: ${src.split('\n')[d.line - 1]}`).slice(0, 20)).toEqual([]);
      const nl = listingBytes(n.listing);
      const ol = listingBytes(r.listing);
      const lines = src.split('\n');
      const mismatches: string[] = [];
      for (const [line, nb] of nl) {
        const ob = ol.get(line) ?? '';
        if (nb !== ob) mismatches.push(`line ${line} \`${lines[line - 1]}': nasm ${nb} ours ${ob}`);
      }
      // Lines without forward references first: a size difference shows up there, the rest follow from it.
      mismatches.sort((a, b) => Number(a.includes('fwd')) - Number(b.includes('fwd')));
      expect(mismatches.slice(0, 30)).toEqual([]);
      expect(Buffer.from(r.bytes).equals(Buffer.from(n.bytes))).toBe(true);
      // Same warnings on the same lines.
      const nw = [...n.stderr.matchAll(/^in\.asm:(\d+): warning: (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
      const ow = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}: ${d.message}`);
      expect(ow.slice(0, 20)).toEqual(nw.slice(0, 20));
      expect(ow.length).toBe(nw.length);
      // Lines NASM rejects must be rejected by us too.
      const accepted: string[] = [];
      for (const l of rejected) {
        const rr = ours(build(mode, [l]));
        if (rr.ok) accepted.push(l);
      }
      expect(accepted.slice(0, 60)).toEqual([]);
      expect(body.length).toBeGreaterThan(300);
    });
  }
});
