// The inspector's API methods through the app service with real cargo and QEMU, on the outcomes
// fixture's idle kernel (it runs until Stop): pause, CPU state, page tables checked against the
// ELF, memory read physically (the VGA text buffer) and virtually (a .rodata string), an
// unmapped address named with the level where the walk stopped, resume, and nothing left after Stop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PT_LOAD, readElf } from '../../elf/index.js';
import type { BootlabEvent } from '../../shared/api.js';
import { validateRequest } from '../../shared/validate.js';
import { createBootlabService, type BootlabService } from '../app.js';
import { openSockets, processesMatching, REPO_ROOT, TEST_TARGET_DIR } from '../testkit.js';

let home: string;
let service: BootlabService;
const events: BootlabEvent[] = [];

function waitFor(test: (e: BootlabEvent) => boolean, ms = 120_000): Promise<BootlabEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const hit = events.find(test);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) return reject(new Error('timed out waiting for an event'));
      setTimeout(tick, 50);
    };
    tick();
  });
}


beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bootlab inspector test ü '));
  service = createBootlabService({ resourcesDir: join(REPO_ROOT, 'resources'), settingsPath: join(home, 'settings.json'), targetDir: TEST_TARGET_DIR, vgaIntervalMs: 100 });
  service.onEvent((e) => events.push(e));
});
afterAll(async () => {
  await service.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('inspector API on a running VM', () => {
  it('refuses to inspect when no VM runs', async () => {
    await expect(service.cpuState()).rejects.toThrow('No virtual machine is running');
    await expect(service.pause()).rejects.toThrow('No virtual machine is running');
  });

  it('pauses the idle kernel, reads CPU, page tables and memory, resumes, and leaves nothing after Stop', async () => {
    const project = await service.openProject(join(REPO_ROOT, 'fixtures', 'crates', 'outcomes'));
    const socketsBefore = openSockets();
    const run = service.buildAndBoot({});
    await waitFor((e) => e.type === 'cpu-state' && e.state === 'idle');
    await service.pause();

    const cpu = await service.cpuState();
    expect(cpu.mode).toBe('long');
    expect(cpu.ripLocation).toMatch(/^outcomes::idle \(src\/main\.rs:\d+\)$/);
    expect(cpu.control.find((c) => c.name === 'CR0')!.summary).toMatch(/^PG .*PE$/);
    expect(cpu.control.find((c) => c.name === 'EFER')!.bits.find((b) => b.name === 'NXE')!.set).toBe(true);
    expect(cpu.rflags.bits.find((b) => b.name === 'IF')!.set).toBe(true);
    expect(cpu.gdt.entries.find((e) => e.selector === 8)!.description).toMatch(/^code 64-bit/);
    // The stack: words at RSP, and the call chain unwound from the kernel's CFI.
    expect(cpu.stack!.rsp).toBe(cpu.general.find((r) => r.name === 'RSP')!.value);
    expect(cpu.stack!.words.length).toBeGreaterThan(0);
    expect(cpu.stack!.frames[0]!.location).toMatch(/^outcomes::idle \(src\/main\.rs:\d+\)$/);
    expect(cpu.stack!.frames.map((f) => f.location)).toEqual(expect.arrayContaining([expect.stringMatching(/^_start \(src\/main\.rs:\d+\)$/)]));

    const artifact = events.find((e): e is Extract<BootlabEvent, { type: 'artifact' }> => e.type === 'artifact' && !!e.imagePath)!;
    const elf = readElf(readFileSync(artifact.kernelPath!));
    const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0n);
    const tables = await service.pageTables();
    expect(tables.summary).toBe(`elf segments: ${loads.length}/${loads.length} mapped with the ELF's permissions`);
    expect(tables.segmentChecks.every((c) => c.ok)).toBe(true);
    expect(tables.mappings.find((m) => m.what.includes('stack'))).toMatchObject({ permissions: 'RW-', pageSize: '4K' });

    // Physical: the banner the kernel wrote to the VGA text buffer.
    const vga = await service.readMemory({ address: '0xb8000', length: 20, space: 'physical' });
    expect(vga.mapped && Buffer.from(vga.bytes, 'base64').toString('latin1').replace(/\x0f/g, '')).toBe('outcomes: ');
    // Virtual: a string of .rodata, found in the ELF, read through the guest's page tables.
    const rodata = elf.sections.find((s) => s.name === '.rodata')!;
    const at = Buffer.from(elf.bytes.subarray(rodata.offset, rodata.offset + rodata.size)).indexOf('idling');
    expect(at).toBeGreaterThanOrEqual(0);
    const text = await service.readMemory({ address: `0x${(rodata.addr + BigInt(at)).toString(16)}`, length: 6, space: 'virtual' });
    expect(text.mapped && Buffer.from(text.bytes, 'base64').toString('latin1')).toBe('idling');
    // Unmapped: where the walk stopped.
    expect(await service.readMemory({ address: '0xdeadbeef000', length: 8, space: 'virtual' })).toEqual({
      address: '0xdeadbeef000',
      space: 'virtual',
      mapped: false,
      reason: '0xdeadbeef000: not mapped: level-4 entry 27 is not present',
      level: 4,
    });

    // In HLT with interrupts on but every IRQ masked: a step can never complete, and says why.
    await expect(service.step(1)).rejects.toThrow('the CPU is in HLT waiting for an interrupt, and none came within 2000 ms (are its interrupts masked?): resume it instead');
    await service.resume();
    await service.pause();
    expect((await service.cpuState()).ripLocation).toMatch(/^outcomes::idle/);
    await service.stop();
    await run;
    expect(processesMatching('qemu-system').filter((p) => p.cmd.includes(project.dir))).toEqual([]);
    // No socket left open: serial, debug console, QMP and the step's gdbstub connection all closed.
    expect(openSockets()).toEqual(socketsBefore);
    await expect(service.pageTables()).rejects.toThrow('No virtual machine is running');
  });
});

describe('inspector request validation', () => {
  it('caps lengths, wants canonical virtual addresses, and names the problem', () => {
    expect(validateRequest('readMemory', [{ address: '0xb8000', length: 16, space: 'physical' }]).args).toEqual([{ address: '0xb8000', length: 16, space: 'physical' }]);
    expect(validateRequest('readMemory', [{ address: 753664, length: 1, space: 'virtual' }]).args).toEqual([{ address: '0xb8000', length: 1, space: 'virtual' }]);
    expect(() => validateRequest('readMemory', [{ address: '0xb8000', length: 65537, space: 'physical' }])).toThrow('readMemory: length must be 1..65536');
    expect(() => validateRequest('readMemory', [{ address: '0x800000000000', length: 8, space: 'virtual' }])).toThrow('readMemory: 0x800000000000..0x800000000008 is not a canonical virtual range (bits 48-63 must copy bit 47)');
    expect(() => validateRequest('readMemory', [{ address: '0x7ffffffffffc', length: 8, space: 'virtual' }])).toThrow(/not a canonical virtual range/);
    expect(validateRequest('readMemory', [{ address: '0xffff800000000000', length: 8, space: 'virtual' }]).args[0]).toMatchObject({ address: '0xffff800000000000' });
    expect(() => validateRequest('readMemory', [{ address: '0x10000000000000', length: 8, space: 'physical' }])).toThrow('readMemory: a physical address must be below 2^52');
    expect(() => validateRequest('readMemory', [{ address: 'rip', length: 8, space: 'physical' }])).toThrow('readMemory: the address must be a number, a hex string like "0xb8000", or (virtual) a kernel symbol\'s name');
    expect(() => validateRequest('readMemory', [{ address: '0xzz', length: 8, space: 'virtual' }])).toThrow(/the address must be a number/);
    expect(() => validateRequest('readMemory', [{ address: 'a b', length: 8, space: 'virtual' }])).toThrow(/the address must be a number/);
    // A symbol's name in virtual space: the service resolves it against the booted kernel.
    expect(validateRequest('readMemory', [{ address: ' sample_kernel::halt ', length: 8, space: 'virtual' }]).args).toEqual([{ address: 'sample_kernel::halt', length: 8, space: 'virtual' }]);
    expect(() => validateRequest('readMemory', [{ address: '0x0', length: 8, space: 'linear' }])).toThrow('readMemory: space must be "virtual" or "physical"');
    expect(() => validateRequest('readMemory', [{ address: '0x0', length: 8, space: 'physical', extra: 1 }])).toThrow('readMemory: unknown field "extra"');
    expect(validateRequest('step', []).args).toEqual([1]);
    expect(() => validateRequest('step', [0])).toThrow('step: count must be 1..1000');
    expect(() => validateRequest('pause', [1])).toThrow('pause: expected at most 0 arguments, got 1');
  });
});
