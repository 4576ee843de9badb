// The paused machine as the API contract carries it (../../shared/inspector.ts): plain data with
// 64-bit values as hex strings.
import { decodeCr0, decodeCr3, decodeCr4, decodeEfer, decodeRflags, setBitNames, type DecodedRegister } from '../../image/inspect/controlBits.js';
import { describeSegmentAttributes } from '../../image/inspect/descriptors.js';
import { permissionString } from '../../image/inspect/pageTables.js';
import type { CpuRegisters } from '../../image/inspect/registers.js';
import { describeDifference } from '../../image/inspect/segmentCheck.js';
import type { ControlRegisterView, CpuView, PageTablesView } from '../../shared/inspector.js';
import type { DescriptorTables } from './machine.js';
import type { MachineSnapshot } from './snapshot.js';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** A size in the largest unit that divides it: 4K, 2M, 1T; odd sizes in bytes. */
export function sizeText(bytes: bigint): string {
  const units: [bigint, string][] = [
    [1n << 40n, 'T'],
    [1n << 30n, 'G'],
    [1n << 20n, 'M'],
    [1n << 10n, 'K'],
  ];
  for (const [unit, name] of units) if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit}${name}`;
  return `${bytes}B`;
}

function controlView(decoded: DecodedRegister): ControlRegisterView {
  return {
    name: decoded.name,
    value: hex(decoded.value),
    summary: [setBitNames(decoded), ...decoded.fields.filter((f) => f.name !== 'IOPL').map((f) => `${f.name}=${hex(f.value)}`)].filter(Boolean).join(' '),
    bits: decoded.bits.map((b) => ({ name: b.name, bit: b.bit, set: b.set, meaning: b.meaning })),
  };
}

export function cpuView(cpu: CpuRegisters, descriptors: DescriptorTables, describeCode: (address: bigint) => string | undefined = () => undefined): CpuView {
  const { gdt, idt, tss } = descriptors;
  const ripLocation = describeCode(cpu.rip);
  const trBase = hex(cpu.segments.find((s) => s.name === 'TR')?.base ?? 0n);
  const longMode = cpu.mode === 'long' || cpu.mode === 'compatibility';
  return {
    ...(tss === undefined ? {} : { tss: typeof tss === 'string' ? { base: trBase, problem: tss } : { base: trBase, rsp: tss.rsp.map(hex), ist: tss.ist.map(hex), iomapBase: tss.iomapBase } }),
    mode: cpu.mode,
    cpl: cpu.cpl,
    halted: cpu.halted,
    general: cpu.general.map((r) => ({ name: r.name, value: hex(r.value) })),
    rip: hex(cpu.rip),
    ...(ripLocation ? { ripLocation } : {}),
    rflags: controlView(decodeRflags(cpu.rflags)),
    segments: cpu.segments.map((s) => ({ name: s.name, selector: s.selector, base: hex(s.base), limit: hex(s.limit), attributes: hex(s.attributes), descriptor: describeSegmentAttributes(s.attributes, longMode) })),
    control: [
      controlView(decodeCr0(cpu.cr0)),
      { name: 'CR2', value: hex(cpu.cr2), summary: '', bits: [] },
      controlView(decodeCr3(cpu.cr3, (cpu.cr4 & (1n << 17n)) !== 0n)),
      controlView(decodeCr4(cpu.cr4)),
      controlView(decodeEfer(cpu.efer)),
    ],
    gdt: {
      base: hex(cpu.gdt.base),
      limit: cpu.gdt.limit,
      entries: typeof gdt === 'string' ? [] : gdt.map((e) => ({ selector: e.selector, kind: e.kind, description: e.description, base: hex(e.base), limit: hex(e.limit), dpl: e.dpl, present: e.present })),
      ...(typeof gdt === 'string' ? { problem: gdt } : {}),
    },
    idt: {
      base: hex(cpu.idt.base),
      limit: cpu.idt.limit,
      entries:
        typeof idt === 'string'
          ? []
          : idt
              .filter((e) => e.present)
              .map((e) => {
                const handler = describeCode(e.offset);
                return { vector: e.vector, description: e.description, selector: e.selector, offset: hex(e.offset), ...(handler ? { handler } : {}), dpl: e.dpl, ist: e.ist };
              }),
      ...(typeof idt === 'string' ? { problem: idt } : {}),
    },
  };
}

export function pageTablesView(snapshot: MachineSnapshot): PageTablesView {
  const checks = snapshot.segmentChecks ?? [];
  const ok = checks.filter((c) => c.ok).length;
  return {
    mappings: (snapshot.mappings?.runs ?? []).map(({ run, what }) => ({
      virtualStart: hex(run.virtualStart),
      virtualEnd: hex(run.virtualEnd),
      physicalStart: hex(run.physicalStart),
      size: sizeText(run.virtualEnd - run.virtualStart),
      pageSize: sizeText(BigInt(run.pageSize)),
      permissions: permissionString(run),
      user: run.user,
      global: run.global,
      what,
    })),
    recursive: (snapshot.mappings?.recursive ?? []).map((r) => ({ index: r.index, virtualStart: hex(r.virtualStart), virtualEnd: hex(r.virtualEnd) })),
    problems: [...snapshot.notes, ...(snapshot.mappings?.problems ?? [])],
    segmentChecks: checks.map((c) => ({
      index: c.segment.index,
      start: hex(c.segment.vaddr),
      end: hex(c.segment.vaddr + c.segment.memsz),
      expected: c.expected,
      sections: c.segment.sections,
      ok: c.ok,
      differences: c.differences.map(describeDifference),
    })),
    summary: `elf segments: ${ok}/${checks.length} mapped with the ELF's permissions`,
  };
}
