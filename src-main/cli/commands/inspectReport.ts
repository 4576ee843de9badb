// The text `bootlab inspect` prints for a paused machine: sections `registers`, `control`, `gdt`,
// `idt`, `mappings` and `segments`, then `elf segments: N/M mapped with the ELF's permissions`.
// Mapping lines are `0xVSTART..0xVEND -> 0xPSTART SIZE PERMS PAGE WHAT`, one merged run a line.
import { decodeCr0, decodeCr3, decodeCr4, decodeEfer, decodeRflags, setBitNames } from '../../image/inspect/controlBits.js';
import { describeSegmentAttributes } from '../../image/inspect/descriptors.js';
import { permissionString, type MappingRun } from '../../image/inspect/pageTables.js';
import { describeDifference } from '../../image/inspect/segmentCheck.js';
import type { MachineSnapshot } from '../../services/inspect/snapshot.js';
import { sizeText } from '../../services/inspect/views.js';

export { sizeText };

export interface ReportOptions {
  /** "symbol (file:line)" for a code address, or undefined. */
  describeCode?: (address: bigint) => string | undefined;
}

const hex = (v: bigint | number, digits = 0) => `0x${v.toString(16).padStart(digits, '0')}`;

export function mappingLine(run: MappingRun, what: string): string {
  const extra = [run.user ? 'user' : '', run.global ? 'global' : ''].filter(Boolean);
  const tail = extra.length ? `${what} [${extra.join(', ')}]` : what;
  return `${hex(run.virtualStart)}..${hex(run.virtualEnd)} -> ${hex(run.physicalStart)} ${sizeText(run.virtualEnd - run.virtualStart)} ${permissionString(run)} ${sizeText(BigInt(run.pageSize))} ${tail}`;
}

export interface Report {
  text: string;
  segmentsOk: number;
  segmentsTotal: number;
}

export function formatReport(snapshot: MachineSnapshot, options: ReportOptions = {}): Report {
  const { cpu } = snapshot;
  const out: string[] = [];
  const long = cpu.mode === 'long' || cpu.mode === 'compatibility';
  const width = long ? 16 : 8;
  const code = (address: bigint) => {
    const where = options.describeCode?.(address);
    return where ? ` ${where}` : '';
  };

  out.push('registers');
  out.push(`  mode ${cpu.mode}, CPL ${cpu.cpl}${cpu.halted ? ', in HLT' : ''}`);
  for (let i = 0; i < cpu.general.length; i += 4) {
    out.push(`  ${cpu.general.slice(i, i + 4).map((r) => `${r.name.padEnd(3)}=${hex(r.value, width)}`).join(' ')}`);
  }
  out.push(`  ${long ? 'RIP' : 'EIP'}=${hex(cpu.rip, width)}${code(cpu.rip)}`);
  out.push(`  RFLAGS=${hex(cpu.rflags)} ${setBitNames(decodeRflags(cpu.rflags))}`.trimEnd());
  for (const s of cpu.segments) {
    out.push(`  ${s.name.padEnd(3)}=${hex(s.selector, 4)} base ${hex(s.base)} limit ${hex(s.limit)} attributes ${hex(s.attributes, 8)} (${describeSegmentAttributes(s.attributes, long)})`);
  }

  out.push('control');
  out.push(`  CR0=${hex(cpu.cr0)} ${setBitNames(decodeCr0(cpu.cr0))}`.trimEnd());
  out.push(`  CR2=${hex(cpu.cr2)}`);
  const cr3 = decodeCr3(cpu.cr3, (cpu.cr4 & (1n << 17n)) !== 0n);
  out.push(`  CR3=${hex(cpu.cr3)} ${[...cr3.fields.map((f) => `${f.name}=${hex(f.value)}`), setBitNames(cr3)].filter(Boolean).join(' ')}`);
  out.push(`  CR4=${hex(cpu.cr4)} ${setBitNames(decodeCr4(cpu.cr4))}`.trimEnd());
  out.push(`  EFER=${hex(cpu.efer)} ${setBitNames(decodeEfer(cpu.efer))}`.trimEnd());

  out.push('gdt');
  out.push(`  base ${hex(cpu.gdt.base)} limit ${hex(cpu.gdt.limit)}`);
  const { gdt, idt } = snapshot.descriptors;
  if (typeof gdt === 'string') out.push(`  cannot read: ${gdt}`);
  else {
    for (const e of gdt) {
      out.push(e.kind === 'null' ? `  ${hex(e.selector, 2)} null` : `  ${hex(e.selector, 2)} ${e.description}: base ${hex(e.base)} limit ${hex(e.limit)} DPL ${e.dpl}`);
    }
  }

  const tr = cpu.segments.find((s) => s.name === 'TR');
  if (snapshot.descriptors.tss !== undefined && tr) {
    const tss = snapshot.descriptors.tss;
    out.push(
      typeof tss === 'string'
        ? `  TSS (TR ${hex(tr.selector, 2)}) at ${hex(tr.base)}: cannot read: ${tss}`
        : `  TSS (TR ${hex(tr.selector, 2)}) at ${hex(tr.base)}: ${tss.rsp.map((v, i) => `RSP${i}=${hex(v)}`).join(' ')} ${tss.ist.map((v, i) => `IST${i + 1}=${hex(v)}`).join(' ')}`,
    );
  }

  out.push('idt');
  out.push(`  base ${hex(cpu.idt.base)} limit ${hex(cpu.idt.limit)}`);
  if (typeof idt === 'string') out.push(`  cannot read: ${idt}`);
  else {
    const present = idt.filter((e) => e.present);
    if (present.length === 0) out.push('  no gates present');
    for (const e of present) {
      out.push(`  vector ${e.vector} ${e.description} -> ${hex(e.selector, 4)}:${hex(e.offset)}${code(e.offset)} DPL ${e.dpl}`);
    }
  }

  out.push('mappings');
  for (const note of snapshot.notes) out.push(`  ${note}`);
  if (snapshot.mappings) {
    for (const { run, what } of snapshot.mappings.runs) out.push(`  ${mappingLine(run, what)}`);
    for (const r of snapshot.mappings.recursive) out.push(`  ${hex(r.virtualStart)}..${hex(r.virtualEnd)} -> ${hex(cpu.cr3 & 0x000f_ffff_ffff_f000n)} 512G recursive entry (level-4 index ${r.index})`);
    for (const p of snapshot.mappings.problems) out.push(`  problem: ${p}`);
  }

  out.push('segments');
  const checks = snapshot.segmentChecks ?? [];
  for (const c of checks) {
    const s = c.segment;
    const head = `  segment ${s.index} ${hex(s.vaddr)}..${hex(s.vaddr + s.memsz)} ${c.expected}${s.sections.length ? ` (${s.sections.join(' ')})` : ''}`;
    out.push(c.ok ? `${head}: mapped as the ELF says` : `${head}: ${c.differences.map(describeDifference).join('; ')}`);
  }
  const ok = checks.filter((c) => c.ok).length;
  out.push(`elf segments: ${ok}/${checks.length} mapped with the ELF's permissions`);
  return { text: `${out.join('\n')}\n`, segmentsOk: ok, segmentsTotal: checks.length };
}
