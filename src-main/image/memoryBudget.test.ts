import { describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X } from '../elf/index.js';
import { code, synthElf } from '../elf/synth.test-helper.js';
import { checkGuestMemory, DEFAULT_GUEST_RAM, guestRamFromQemuArgs, kernelMemory, parseQemuSize, usableBelow4G } from './memoryBudget.js';
import { makePlan } from './plan.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

const withBss = (bss: bigint) =>
  makePlan(
    synthElf({
      entry: 0x201000n,
      segments: [
        { flags: PF_R | PF_X, vaddr: 0x201000n, data: code(0x1800) },
        { flags: PF_R | PF_W, vaddr: 0x203000n, data: code(16), memsz: 16n + bss },
      ],
    }),
  );

describe('guest RAM from QEMU arguments', () => {
  it('reads -m in the forms QEMU takes, the last one winning, MiB without a suffix', () => {
    expect(guestRamFromQemuArgs([])).toEqual({ bytes: DEFAULT_GUEST_RAM, source: "QEMU's default 128 MiB" });
    expect(guestRamFromQemuArgs(['-m', '512'])).toEqual({ bytes: 512 * MiB, source: '-m 512' });
    expect(guestRamFromQemuArgs(['-m', '512M'])?.bytes).toBe(512 * MiB);
    expect(guestRamFromQemuArgs(['-m', 'size=1G'])?.bytes).toBe(GiB);
    expect(guestRamFromQemuArgs(['-m', 'size=1G,slots=2,maxmem=4G'])?.bytes).toBe(GiB);
    expect(guestRamFromQemuArgs(['--m', '2g'])?.bytes).toBe(2 * GiB);
    expect(guestRamFromQemuArgs(['-m', '1.5G'])?.bytes).toBe(1.5 * GiB);
    expect(guestRamFromQemuArgs(['-m', '64M', '-serial', 'stdio', '-m', '256'])).toEqual({ bytes: 256 * MiB, source: '-m 256' });
    expect(guestRamFromQemuArgs(['-m', 'slots=2,maxmem=4G'])?.bytes).toBe(DEFAULT_GUEST_RAM);
    expect(guestRamFromQemuArgs(['-M', 'q35', '-m', '4G'])).toEqual({ bytes: 4 * GiB, source: '-m 4G', machine: 'q35' });
    expect(guestRamFromQemuArgs(['-machine', 'type=q35,accel=tcg'])?.machine).toBe('q35');
    // Not a size: QEMU will say so itself.
    expect(guestRamFromQemuArgs(['-m', 'lots'])).toBeUndefined();
    expect(parseQemuSize('0')).toBeUndefined();
    expect(parseQemuSize('2048k')).toBe(2 * MiB);
  });

  it('only the RAM below 4 GiB counts: QEMU puts the rest above the PCI hole', () => {
    expect(usableBelow4G({ bytes: 512 * MiB, source: '' })).toBe(512 * MiB);
    expect(usableBelow4G({ bytes: 3.25 * GiB, source: '' })).toBe(3.25 * GiB);
    expect(usableBelow4G({ bytes: 8 * GiB, source: '' })).toBe(3 * GiB);
    expect(usableBelow4G({ bytes: 8 * GiB, source: '', machine: 'q35' })).toBe(2 * GiB);
  });
});

describe('the kernel against the guest RAM', () => {
  it('adds segments, .bss, stack, boot info, page tables and the loader', () => {
    const plan = withBss(0n);
    const m = kernelMemory(plan);
    expect(m).toMatchObject({ loader: MiB, segments: 3 * 4096, bss: 0, stack: 512 * 4096, bootInfo: 4096 });
    // PML4; the kernel's 2 MiB region, the stack's and the first MiB's PTs; their PDs and PDPTs.
    expect(m.pageTables).toBe((1 + 3 + 3 + 2) * 4096);
    expect(m.total).toBe(m.loader + m.segments + m.bss + m.stack + m.bootInfo + m.pageTables);
    expect(checkGuestMemory(m, guestRamFromQemuArgs([])!)).toBeUndefined();
  });

  it("counts a 0.11 kernel's three boot-info pages (BootInfo and its memory-region list)", () => {
    const plan09 = withBss(0n);
    const m09 = kernelMemory(plan09);
    const m011 = kernelMemory({ ...plan09, abi: '0.11' });
    expect(m011.bootInfo).toBe(3 * 4096);
    expect(m011.total).toBe(m09.total + 2 * 4096);
  });

  it('refuses a kernel whose .bss does not fit, naming every number', () => {
    const plan = withBss(200n * BigInt(MiB));
    const m = kernelMemory(plan);
    expect(m.bss).toBe(200 * MiB);
    const message = checkGuestMemory(m, guestRamFromQemuArgs(['-m', '128M'])!);
    expect(message).toMatch(/^the kernel needs at least 203 MiB \d+ KiB of memory \(segments 12 KiB, \.bss 200 MiB, stack 2 MiB, page tables \d+ KiB, boot info 4 KiB, loader 1 MiB\), but the guest has 128 MiB \(-m 128M\): give QEMU more memory/);
    expect(checkGuestMemory(m, guestRamFromQemuArgs(['-m', '256'])!)).toBeUndefined();
    // 8 GiB of RAM, but only 3 GiB below 4 GiB: a 3.5 GiB .bss does not fit.
    const huge = kernelMemory(withBss(3584n * BigInt(MiB)), 8 * GiB);
    expect(checkGuestMemory(huge, guestRamFromQemuArgs(['-m', '8G'])!)).toMatch(/the guest has 8 GiB \(-m 8G\), of which 3 GiB lie below 4 GiB/);
  });

  it('counts the physical-memory map only with map_physical_memory', () => {
    const k = synthElf({ entry: 0x201000n, segments: [{ flags: PF_R | PF_X, vaddr: 0x201000n, data: code(16) }] });
    const without = kernelMemory(makePlan(k));
    const withMap = kernelMemory(makePlan(k, { features: ['map_physical_memory'] }));
    // 4 PDs (2 MiB pages up to 4 GiB) and one PDPT.
    expect(withMap.pageTables - without.pageTables).toBe(5 * 4096);
  });
});
