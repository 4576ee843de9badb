// The runes models: build log, serial, memory map selection.
import { describe, expect, it, vi } from 'vitest';
import { BuildLogModel, MAX_LINES, lineHtml, stripAnsi } from './buildLog.svelte.js';
import { SerialModel } from './serial.svelte.js';
import { MemoryMapModel } from './memoryMapModel.svelte.js';
import { Batcher, immediate, throttled } from './schedule.js';

describe('BuildLogModel', () => {
  it('splits text into lines with classed ANSI colours and escaped HTML', () => {
    const log = new BuildLogModel(immediate);
    log.append('\x1b[1m\x1b[32m   Compiling\x1b[0m kernel v0.1.0\n<b>raw</b>\n', 'cargo');
    expect(log.lines.map((l) => l.text)).toEqual(['   Compiling kernel v0.1.0', '<b>raw</b>']);
    expect(lineHtml(log.lines[0])).toContain('class="ansi-green-fg"');
    expect(lineHtml(log.lines[0])).toContain('Compiling</span>');
    expect(lineHtml(log.lines[1])).toBe('&#60;b&#62;raw&#60;/b&#62;');
    expect(lineHtml({ id: 0, source: 'cargo', text: '', raw: '\x1b[31m<i>&' })).toBe('<span class="ansi-red-fg">&lt;i&gt;&amp;</span>');
    expect(log.lines[0].source).toBe('cargo');
  });

  it('keeps the last state of a carriage-return progress line', () => {
    const log = new BuildLogModel(immediate);
    log.append('Building [=>  ] 1/3\rBuilding [===] 3/3');
    expect(log.text()).toBe('Building [===] 3/3');
  });

  it('batches appends per scheduled flush and holds 100,000 lines', () => {
    const queued: (() => void)[] = [];
    const log = new BuildLogModel((f) => queued.push(f));
    for (let i = 0; i < 100_000; i++) log.append(`line ${i}`);
    expect(log.lines).toHaveLength(0);
    expect(queued).toHaveLength(1);
    queued[0]();
    expect(log.lines).toHaveLength(100_000);
    expect(log.lines[99_999].text).toBe('line 99999');
    expect(new Set(log.lines.map((l) => l.id)).size).toBe(100_000);
  });

  it('drops the oldest lines beyond the limit and clears', () => {
    const log = new BuildLogModel(immediate);
    const big = Array.from({ length: MAX_LINES + 5 }, (_, i) => String(i)).join('\n');
    log.append(big);
    expect(log.lines).toHaveLength(MAX_LINES);
    expect(log.lines[0].text).toBe('5');
    log.clear();
    expect(log.lines).toEqual([]);
  });

  it('strips ANSI', () => {
    expect(stripAnsi('\x1b[0;31merror\x1b[0m: x')).toBe('error: x');
  });
});

describe('SerialModel', () => {
  const b64 = (s: string) => btoa(s);

  it('forwards bytes to attached terminals and replays history to late ones', () => {
    const serial = new SerialModel(immediate);
    const early: string[] = [];
    serial.attach((bytes) => early.push(new TextDecoder().decode(bytes)));
    serial.pushBase64(b64('Hello '));
    serial.pushBase64(b64('kernel\n'));
    expect(early.join('')).toBe('Hello kernel\n');
    expect(serial.bytes).toBe(13);
    const late: string[] = [];
    serial.attach((bytes) => late.push(new TextDecoder().decode(bytes)));
    expect(late.join('')).toBe('Hello kernel\n');
    expect(serial.text()).toBe('Hello kernel\n');
  });

  it('joins chunks per frame, and clear resets terminals', () => {
    const queued: (() => void)[] = [];
    const serial = new SerialModel((f) => queued.push(f));
    const sink = vi.fn();
    const reset = vi.fn();
    const detach = serial.attach(sink, reset);
    for (let i = 0; i < 100; i++) serial.pushBytes(new Uint8Array([65 + (i % 26)]));
    queued.splice(0).forEach((f) => f());
    expect(sink).toHaveBeenCalledTimes(1);
    expect(sink.mock.calls[0][0]).toHaveLength(100);
    serial.clear();
    expect(reset).toHaveBeenCalledTimes(1);
    expect(serial.bytes).toBe(0);
    expect(serial.text()).toBe('');
    detach();
    serial.pushBytes(new Uint8Array([1]));
    queued.splice(0).forEach((f) => f());
    expect(sink).toHaveBeenCalledTimes(1);
  });
});

describe('MemoryMapModel', () => {
  const map = {
    regions: [
      { start: 0, end: 0x1000, type: 'FrameZero' as const },
      { start: 0x1000, end: 0x9f000, type: 'Usable' as const },
      { start: 0x100000, end: 0x200000, type: 'Kernel' as const },
    ],
    e820: [],
  };

  it('derives segments and totals from the map', () => {
    const model = new MemoryMapModel();
    expect(model.segments).toEqual([]);
    model.set(map);
    expect(model.segments.filter((s) => s.index >= 0)).toHaveLength(3);
    expect(model.totals.map((t) => t.type)).toEqual(['Kernel', 'Usable', 'FrameZero']);
  });

  it('highlights the hovered region, else the selected one', () => {
    const model = new MemoryMapModel();
    model.set(map);
    model.select(1);
    expect(model.highlighted).toBe(1);
    model.hover(2);
    expect(model.highlighted).toBe(2);
    model.hover(-1); // a gap
    expect(model.highlighted).toBe(1);
    model.select(1); // toggles off
    expect(model.selected).toBeUndefined();
  });

  it('moves the selection with the keyboard within bounds', () => {
    const model = new MemoryMapModel();
    model.set(map);
    model.move(1);
    expect(model.selected).toBe(0);
    model.move(5);
    expect(model.selected).toBe(2);
    model.move(-1);
    expect(model.selected).toBe(1);
    model.clear();
    model.move(1);
    expect(model.selected).toBeUndefined();
  });
});

describe('Batcher', () => {
  it('schedules once per batch', () => {
    const queued: (() => void)[] = [];
    const seen: number[][] = [];
    const batch = new Batcher<number>((items) => seen.push(items), (f) => queued.push(f));
    batch.push(1);
    batch.push(2);
    expect(queued).toHaveLength(1);
    queued.shift()!();
    batch.push(3);
    queued.shift()!();
    expect(seen).toEqual([[1, 2], [3]]);
  });
});

describe('throttled', () => {
  it('flushes the first change at once and later ones at most every interval', () => {
    vi.useFakeTimers();
    try {
      const runs: number[] = [];
      const schedule = throttled(50, (f) => f());
      schedule(() => runs.push(performance.now()));
      schedule(() => runs.push(performance.now()));
      expect(runs).toHaveLength(1);
      vi.advanceTimersByTime(49);
      expect(runs).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(runs).toHaveLength(2);
      expect(runs[1] - runs[0]).toBeGreaterThanOrEqual(50);
    } finally {
      vi.useRealTimers();
    }
  });
});
