// Light components in jsdom: accessible names and the DOM shape the end-to-end tests rely on.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import MemoryMap from '../components/MemoryMap.svelte';
import VgaScreen from '../components/VgaScreen.svelte';
import RunResult from '../components/RunResult.svelte';
import Toolchain from '../components/Toolchain.svelte';
import Diagnostics from '../components/Diagnostics.svelte';
import { MemoryMapModel } from './memoryMapModel.svelte.js';
import { decodeScreen } from './vga.js';

describe('MemoryMap', () => {
  it('shows 0.11 region kinds, the framebuffer outside the map and, under UEFI, the firmware\'s UEFI map', () => {
    const model = new MemoryMapModel();
    model.set({
      regions: [
        { start: 0, end: 0x9f000, type: 'Usable' },
        { start: 0x9f000, end: 0xa0000, type: 'UnknownUefi(6)' },
        { start: 0x100000, end: 0x200000, type: 'Bootloader' },
      ],
      e820: [{ start: 0, end: 0x9f000, type: 'Usable' }],
      labels: [{ start: 0x80000000, end: 0x803e8000, label: 'framebuffer (1280x800)' }],
      firmware: 'uefi',
      uefi: [
        { start: 0, end: 0x9f000, type: 7 },
        { start: 0x9f000, end: 0xa0000, type: 6, attribute: '0x800000000000000f' },
      ],
    });
    render(MemoryMap, { model });
    const regions = screen.getByRole('table', { name: 'Memory regions' });
    expect(within(regions).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[3]?.textContent?.trim())).toEqual(['Usable', 'UnknownUefi(6)', 'Bootloader']);
    expect(screen.getByRole('list', { name: 'Totals per type' }).textContent).toContain('UEFI type 6, EfiRuntimeServicesData: not usable');
    expect(screen.getByRole('list', { name: 'Marked ranges outside the map' }).textContent).toMatch(/framebuffer \(1280x800\)\s*0x80000000\.\.0x803e8000/);
    const uefi = screen.getByRole('table', { name: 'UEFI memory map', hidden: true });
    expect(within(uefi).getAllByRole('row', { hidden: true })[2]?.textContent).toContain('EfiRuntimeServicesData (6)');
    expect(screen.getByText(/The E820-style map Bootlab's UEFI loader made from the firmware's UEFI map \(1/)).toBeTruthy();
  });

  it('shows a table with Start, End, Size, Type and the regions exactly as received', async () => {
    const model = new MemoryMapModel();
    model.set({
      regions: [
        { start: 0x1000, end: 0x5000, type: 'PageTable' },
        { start: 0, end: 0x1000, type: 'FrameZero' },
      ],
      e820: [],
    });
    render(MemoryMap, { model });
    const table = screen.getByRole('table');
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers.slice(0, 4)).toEqual(['Start', 'End', 'Size', 'Type']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').slice(0, 4).map((c) => c.textContent?.trim()))).toEqual([
      ['0x1000', '0x5000', '16 KiB', 'PageTable'],
      ['0x0', '0x1000', '4 KiB', 'FrameZero'],
    ]);
    await fireEvent.click(rows[1]);
    expect(model.selected).toBe(1);
    expect(rows[1].classList.contains('highlight')).toBe(true);
  });

  it('offers the raw E820 map in its own table', () => {
    const model = new MemoryMapModel();
    model.set({
      regions: [{ start: 0, end: 0x1000, type: 'FrameZero' }],
      e820: [
        { start: 0, end: 0x9fc00, type: 'Usable' },
        { start: 0x9fc00, end: 0xa0000, type: 'Reserved' },
      ],
    });
    render(MemoryMap, { model });
    const raw = screen.getByRole('table', { name: 'Raw E820 map', hidden: true });
    expect(within(raw).getAllByRole('row', { hidden: true })).toHaveLength(3);
    expect(screen.getByRole('table', { name: 'Memory regions' })).toBeTruthy();
  });

  it('reaches the segments with the keyboard: arrows move, Enter selects the region', async () => {
    const model = new MemoryMapModel();
    model.set({
      regions: [
        { start: 0, end: 0x1000, type: 'FrameZero' },
        { start: 0x1000, end: 0x9f000, type: 'Usable' },
        { start: 0x100000, end: 0x200000, type: 'Kernel' },
      ],
      e820: [],
    });
    render(MemoryMap, { model });
    const picture = screen.getByRole('listbox', { name: 'Regions in address order' });
    const segments = within(picture).getAllByRole('option');
    // Three regions and the gap between the second and third, in address order, one tab stop.
    expect(segments.map((s) => s.getAttribute('aria-label'))).toEqual([
      'FrameZero 0x0..0x1000 (4 KiB)',
      'Usable 0x1000..0x9f000 (632 KiB)',
      'not in the map 0x9f000..0x100000 (388 KiB)',
      'Kernel 0x100000..0x200000 (1 MiB)',
    ]);
    expect(segments.map((s) => s.tabIndex)).toEqual([0, -1, -1, -1]);
    segments[0].focus();
    await fireEvent.keyDown(segments[0], { key: 'ArrowRight' });
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(segments[3]);
    await fireEvent.keyDown(segments[3], { key: 'Enter' });
    expect(model.selected).toBe(2);
    expect(segments[3].getAttribute('aria-selected')).toBe('true');
    // Enter again keeps the selection (a click toggles it, a key press does not).
    await fireEvent.keyDown(segments[3], { key: 'Enter' });
    expect(model.selected).toBe(2);
    const row = screen.getByRole('table', { name: 'Memory regions' }).querySelector('#region-row-2')!;
    expect(row.classList.contains('selected')).toBe(true);
    expect(screen.getByText(/^Selected: Kernel 0x100000\.\.0x200000/)).toBeTruthy();
    // The gap has its own legend entry.
    const legend = screen.getByRole('list', { name: 'Totals per type' });
    expect(legend.textContent).toMatch(/not in the map\s*388 KiB\s*\(1 range;/);
  });

  it('explains that the map comes with a boot', () => {
    render(MemoryMap, { model: new MemoryMapModel() });
    expect(screen.getByText(/appears when a kernel boots/)).toBeTruthy();
  });
});

describe('VgaScreen', () => {
  it('renders one row element per screen row with real text', () => {
    const bytes = new Uint8Array(4000);
    'Hello'.split('').forEach((c, i) => ((bytes[i * 2] = c.charCodeAt(0)), (bytes[i * 2 + 1] = 0x0f)));
    const { container } = render(VgaScreen, { screen: decodeScreen(bytes), live: true });
    const region = screen.getByRole('region', { name: 'VGA screen' });
    expect(region).toBeTruthy();
    const rows = container.querySelectorAll('.vga-row');
    expect(rows).toHaveLength(25);
    expect(rows[0].textContent?.startsWith('Hello')).toBe(true);
    expect(rows[0].querySelector('.fg-15')?.textContent).toBe('Hello');
  });
});

describe('RunResult, Toolchain, Diagnostics', () => {
  it('shows a triple fault with its chain', () => {
    render(RunResult, {
      outcome: { kind: 'triple-fault', message: 'Triple fault in k::f', exceptions: [{ vector: 14, name: 'Page Fault' }], symbol: 'k::f' },
      running: false,
    });
    const region = screen.getByRole('region', { name: 'Run result' });
    expect(region.textContent).toContain('Triple fault in k::f');
    expect(region.textContent).toContain('#14 Page Fault');
    expect(region.textContent).toContain('k::f');
  });

  it('lists missing tools with install commands', () => {
    render(Toolchain, {
      report: { ok: false, platform: 'linux', tools: [{ name: 'qemu', found: false, install: 'sudo apt-get install -y qemu-system-x86' }] },
      onrecheck: () => {},
    });
    expect(screen.getByRole('region', { name: 'Toolchain' }).textContent).toContain('sudo apt-get install -y qemu-system-x86');
  });

  it('lists diagnostics with their places as buttons', () => {
    render(Diagnostics, { diagnostics: [{ level: 'error', message: 'cannot find value', file: 'src/main.rs', line: 4, column: 7 }] });
    expect(screen.getByRole('button', { name: 'src/main.rs:4:7' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Diagnostics' }).textContent).toContain('1 error');
  });

  it('shows the kernel and image the build produced', () => {
    render(Diagnostics, { diagnostics: [], artifact: { kernelPath: '/k/target/kernel', elfBytes: 2048, imagePath: '/k/kernel.img', imageBytes: 1 << 20 } });
    const text = screen.getByRole('region', { name: 'Diagnostics' }).textContent ?? '';
    expect(text).toContain('/k/target/kernel (2 KiB)');
    expect(text).toContain('/k/kernel.img (1 MiB)');
  });
});
