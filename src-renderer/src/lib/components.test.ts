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
