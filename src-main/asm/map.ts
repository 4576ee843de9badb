// `[map ...]` output in NASM's outbin format: origin, section summary, section details, symbols.

import type { Section } from './assembler.js';

export interface MapSymbol {
  name: string;
  /** Section index, or -1 for an absolute symbol (its value in `off`). */
  seg: number;
  off: bigint;
}

const rule = (title: string): string => (title + ' ').padEnd(79, '-');
const hx = (v: bigint, w = 16): string => v.toString(16).toUpperCase().padStart(w);

export function formatMap(
  kind: string,
  source: string,
  output: string,
  origin: bigint,
  sections: (Section & { fixedStart?: bigint; fixedVstart?: bigint })[],
  symbols: MapSymbol[],
): string {
  // NASM lists progbits sections first, then nobits ones.
  const byStart = (a: Section, b: Section): number => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  sections = [...sections.filter((s) => !s.nobits).sort(byStart), ...sections.filter((s) => s.nobits)];
  const k = kind.toLowerCase();
  const all = k === 'all' || k === '';
  const summary = all || k === 'brief' || k === 'sections' || k === 'segments';
  const detailed = all || k === 'sections' || k === 'segments';
  const syms = all || k === 'symbols';
  const out: string[] = ['', rule('- NASM Map file'), '', `Source file:  ${source}`, `Output file:  ${output}`, ''];
  if (summary) {
    out.push(rule('-- Program origin'), '', origin.toString(16).toUpperCase().padStart(8, '0'), '');
    out.push(rule('-- Sections (summary)'), '', 'Vstart            Start             Stop              Length    Class     Name');
    for (const s of sections) {
      const cls = s.nobits ? 'nobits' : 'progbits';
      const stop = s.vstart === s.start || s.nobits ? s.vstart + BigInt(s.size) : s.start + BigInt(s.size);
      out.push(`${hx(s.vstart)}  ${hx(s.start)}  ${hx(stop)}  ${s.size.toString(16).toUpperCase().padStart(8, '0')}  ${cls.padEnd(8)}  ${s.name}`);
    }
    out.push('');
  }
  if (detailed) {
    out.push(rule('-- Sections (detailed)'), '');
    const progbits = sections.filter((s) => !s.nobits);
    for (const s of sections) {
      const first = progbits[0] === s;
      const placedByFollow = !s.nobits && !first && s.fixedStart === undefined;
      const follows = s.attrs.follows;
      const align = s.explicitAlign || placedByFollow ? hx(BigInt(s.align)) : 'not defined';
      const valign = s.attrs.vfollows || (s.nobits && s.fixedStart === undefined) ? hx(BigInt(s.align)) : 'not defined';
      out.push(
        rule(`---- Section ${s.name}`),
        '',
        `class:     ${s.nobits ? 'nobits' : 'progbits'}`,
        `length:    ${hx(BigInt(s.size))}`,
        `start:     ${hx(s.start)}`,
        `align:     ${align}`,
        `follows:   ${follows ?? 'not defined'}`,
        `vstart:    ${hx(s.vstart)}`,
        `valign:    ${valign}`,
        `vfollows:  ${s.attrs.vfollows ?? 'not defined'}`,
        '',
      );
    }
  }
  if (syms) {
    out.push(rule('-- Symbols'), '');
    // Absolute symbols (constants, labels in absolute space and structures) first, as 64-bit values.
    const absolute = symbols.filter((x) => x.seg < 0);
    if (absolute.length) {
      out.push(rule('---- No Section'), '', 'Value     Name');
      for (const x of absolute) out.push(`${BigInt.asUintN(64, x.off).toString(16).toUpperCase().padStart(8, '0')}  ${x.name}`);
      out.push('', '');
    }
    for (const s of sections) {
      const list = symbols.filter((x) => x.seg === s.idx);
      if (!list.length) continue;
      out.push(rule(`---- Section ${s.name}`), '', 'Real              Virtual           Name');
      for (const x of list) out.push(`${hx(s.start + x.off)}  ${hx(s.vstart + x.off)}  ${x.name}`);
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}
