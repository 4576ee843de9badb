// The Inspector tab's model over a fake API (one module under test): pause reads the CPU, the
// page tables and the stack; a step marks the registers that changed; resume; a refusal becomes
// the window's message; the hex view and the stack words; F6/F7.
import { describe, expect, it, vi } from 'vitest';
import type { BootlabEvent } from '../../../src-main/shared/api.js';
import type { CpuView, MemoryRequest, PageTablesView } from '../../../src-main/shared/inspector.js';
import type { ClientApi } from './api.js';
import { addressSpaceMarks, hexRows, hexText, InspectorModel, MEMORY_CHUNK } from './inspector.svelte.js';
import { shortcutFor } from './keyboard.js';

function cpu(rip: string, rax: string): CpuView {
  const control = { name: 'RFLAGS', value: '0x2', summary: '', bits: [] };
  const stack = { rsp: '0x10000201ff0', words: [{ address: '0x10000201ff0', value: '0x0000000000206270', pointsInto: 'sample_kernel::main (src/main.rs:3)' }], frames: [] };
  return {
    stack,
    mode: 'long',
    cpl: 0,
    halted: false,
    general: [
      { name: 'RAX', value: rax },
      { name: 'RSP', value: '0x10000201ff0' },
    ],
    rip,
    rflags: control,
    segments: [],
    control: [],
    gdt: { base: '0x0', limit: 0, entries: [] },
    idt: { base: '0x0', limit: 0, entries: [] },
  };
}

const tables: PageTablesView = { mappings: [], recursive: [], problems: [], segmentChecks: [], summary: "elf segments: 0/0 mapped with the ELF's permissions" };

function setup() {
  const states = [cpu('0x201000', '0x1'), cpu('0x201003', '0x2')];
  const reads: MemoryRequest[] = [];
  const api = {
    pause: vi.fn(async () => {}),
    resume: vi.fn(async () => {}),
    step: vi.fn(async () => {}),
    cpuState: vi.fn(async () => states.shift()!),
    pageTables: vi.fn(async () => tables),
    readMemory: vi.fn(async (request: MemoryRequest) => {
      reads.push(request);
      // Mapped up to 0x10000 (virtual): the third chunk of a read at 0xe000 is not.
      if (request.space === 'virtual' && BigInt(request.address) >= 0x10000n) return { address: String(request.address), space: request.space, mapped: false as const, reason: `${request.address}: not mapped: level-1 entry 16 is not present`, level: 1 };
      const bytes = new Uint8Array(request.length);
      bytes[0] = 0x41;
      return { address: String(request.address), space: request.space, mapped: true as const, bytes: btoa(String.fromCharCode(...bytes)) };
    }),
  } as unknown as ClientApi;
  // The pushed events: `emit` plays the service.
  const listeners = new Set<(event: BootlabEvent) => void>();
  (api as { onEvent: ClientApi['onEvent'] }).onEvent = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const emit = (event: BootlabEvent) => listeners.forEach((l) => l(event));
  const host = { running: true, pausedVm: false, report: vi.fn() };
  return { model: new InspectorModel(api, host), api, host, reads, emit };
}

describe('InspectorModel and the vm-state events', () => {
  it('a kept VM that stopped by itself again is paused, says why, and fills the panels; running again clears it', async () => {
    const { model, api, emit } = setup();
    const stop = model.start();
    emit({ type: 'vm-state', paused: false });
    expect(model.paused).toBe(false);
    emit({ type: 'vm-state', paused: true, reason: 'the kernel halted (HLT with interrupts disabled)' });
    expect(model.paused).toBe(true);
    expect(model.stoppedBecause).toBe('the kernel halted (HLT with interrupts disabled)');
    await vi.waitFor(() => expect(model.cpu?.rip).toBe('0x201000'));
    expect(api.cpuState).toHaveBeenCalledTimes(1);
    // A pause from another window: paused, nothing read again here, no reason.
    emit({ type: 'vm-state', paused: true });
    expect(model.stoppedBecause).toBeUndefined();
    expect(api.cpuState).toHaveBeenCalledTimes(1);
    emit({ type: 'vm-state', paused: false });
    expect(model.paused).toBe(false);
    stop();
    emit({ type: 'vm-state', paused: true, reason: 'the guest shut down (a triple fault?)' });
    expect(model.paused).toBe(false);
  });
});

describe('InspectorModel', () => {
  it('pause reads CPU (with its stack) and page tables in two requests; a step marks what changed', async () => {
    const { model, api, reads } = setup();
    await model.pause();
    expect(model.paused).toBe(true);
    expect(model.cpu!.rip).toBe('0x201000');
    expect(model.tables!.summary).toContain('elf segments');
    expect(reads).toEqual([]);
    expect(api.cpuState).toHaveBeenCalledTimes(1);
    expect(model.stack!.words[0]!.pointsInto).toBe('sample_kernel::main (src/main.rs:3)');
    expect(model.changed).toEqual([]);
    await model.step();
    expect(api.step).toHaveBeenCalledWith(1);
    expect(model.changed).toEqual(['RAX', 'RIP']);
    await model.toggle();
    expect(api.resume).toHaveBeenCalled();
    expect(model.paused).toBe(false);
  });

  it('marks control registers and segment selectors that changed too', async () => {
    const { model, api } = setup();
    const withCr3 = (cr3: string, cs: number): CpuView => ({
      ...cpu('0x201000', '0x1'),
      control: [{ name: 'CR3', value: cr3, summary: '', bits: [] }],
      segments: [{ name: 'CS', selector: cs, base: '0x0', limit: '0xffffffff' } as CpuView['segments'][number]],
    });
    (api.cpuState as ReturnType<typeof vi.fn>).mockResolvedValueOnce(withCr3('0x1000', 8)).mockResolvedValueOnce(withCr3('0x5000', 0x10));
    await model.pause();
    await model.step();
    expect(model.changed).toEqual(['CR3', 'CS']);
  });

  it('a refusal from the service becomes the window message, and the model is usable again', async () => {
    const { model, api, host } = setup();
    (api.pause as ReturnType<typeof vi.fn>).mockRejectedValueOnce(new Error('No virtual machine is running'));
    await model.pause();
    expect(host.report).toHaveBeenCalledWith(new Error('No virtual machine is running'));
    expect(model.paused).toBe(false);
    expect(model.busy).toBe(false);
  });

  it('reads memory into hex rows', async () => {
    const { model } = setup();
    await model.readMemory('0xb8000', 'physical', 32);
    const rows = hexRows(model.memory!.bytes, model.memory!.start);
    expect(rows.map((r) => r.address)).toEqual(['0x000b8000', '0x000b8010']);
    expect(rows[0]!.hex.startsWith('41 00')).toBe(true);
    expect(rows[0]!.ascii).toBe('A...............');
  });

  it('scrolling loads the next chunks until the walk says the next page is not mapped', async () => {
    const { model, reads } = setup();
    await model.readMemory('0xe000', 'virtual');
    expect(model.memory!.bytes.length).toBe(MEMORY_CHUNK);
    await model.loadMore();
    expect(reads.at(-1)).toEqual({ address: '0xf000', length: MEMORY_CHUNK, space: 'virtual' });
    expect(model.memory!.bytes.length).toBe(2 * MEMORY_CHUNK);
    expect(model.memory!.bytes[MEMORY_CHUNK]).toBe(0x41);
    await model.loadMore();
    expect(model.memory!.bytes.length).toBe(2 * MEMORY_CHUNK);
    expect(model.memory!.end).toBe('0x10000: not mapped: level-1 entry 16 is not present');
    // At its end, scrolling asks for nothing more.
    const asked = reads.length;
    await model.loadMore();
    expect(reads.length).toBe(asked);
    // A read that is not mapped at all says so instead of bytes.
    await model.readMemory('0x10000', 'virtual');
    expect(model.memory).toMatchObject({ problem: '0x10000: not mapped: level-1 entry 16 is not present', bytes: new Uint8Array(0) });
  });

  it('copies the bytes as hex, 16 a line', () => {
    const bytes = Uint8Array.from({ length: 18 }, (_, i) => i);
    expect(hexText(bytes)).toBe('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n10 11');
  });

  it('Pause, Resume and Step are enabled only when they can act', async () => {
    const { model, host } = setup();
    host.running = false;
    expect([model.canPause, model.canResume, model.stepBlocked]).toEqual([false, false, 'No virtual machine is running']);
    host.running = true;
    expect([model.canPause, model.canResume, model.stepBlocked]).toEqual([true, false, undefined]);
    await model.pause();
    expect([model.canPause, model.canResume, model.stepBlocked]).toEqual([false, true, undefined]);
    // Halted with interrupts off (RFLAGS.IF clear): no step can complete.
    model.cpu = { ...model.cpu!, halted: true, rflags: { ...model.cpu!.rflags, value: '0x46' } };
    expect(model.stepBlocked).toBe('The CPU is halted with interrupts off: no instruction can run');
  });

  it('a run that ended with its VM kept paused fills the panels; once it is gone nothing can act', async () => {
    const { model, api, host } = setup();
    host.running = false;
    host.pausedVm = true;
    await model.adoptPausedAtEnd();
    expect(api.pause).not.toHaveBeenCalled();
    expect(model.paused).toBe(true);
    expect(model.cpu!.rip).toBe('0x201000');
    expect(model.canResume).toBe(true);
    host.pausedVm = false;
    model.reset();
    expect([model.canPause, model.canResume, model.paused]).toEqual([false, false, false]);
  });
});

describe('inspector helpers and keys', () => {
  it('places mappings to scale on the two halves of the address space', () => {
    const mapping = (virtualStart: string, virtualEnd: string, permissions: string) => ({ virtualStart, virtualEnd, physicalStart: '0x0', size: '', pageSize: '4K', permissions, user: false, global: false, what: 'x' });
    const marks = addressSpaceMarks([mapping('0x200000', '0x204000', 'R-X'), mapping('0x400000000000', '0x800000000000', 'RW-'), mapping('0xffffc00000000000', '0xffffffffffffffff', 'R--')]);
    expect(marks.map((m) => [m.half, m.left, m.permissions])).toEqual([
      ['lower', (0x200000 / 2 ** 47) * 100, 'R-X'],
      ['lower', 50, 'RW-'],
      ['higher', 50, 'R--'],
    ]);
    expect(marks[1]!.width).toBe(50);
    expect(marks[0]!.width).toBe((0x4000 / 2 ** 47) * 100);
  });

  it('hex rows', () => {
    expect(hexRows(new TextEncoder().encode('Hello, world!\n'), 0x200000n)).toEqual([{ address: '0x00200000', hex: '48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 0a', ascii: 'Hello, world!.' }]);
  });

  it('F6 pauses or resumes, F7 steps; with modifiers they are not the inspector\'s', () => {
    const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods });
    expect(shortcutFor(key('F6'))).toBe('pauseResume');
    expect(shortcutFor(key('F7'))).toBe('step');
    expect(shortcutFor(key('F6', { ctrlKey: true }))).toBeUndefined();
    expect(shortcutFor(key('F7', { shiftKey: true }))).toBeUndefined();
  });
});
