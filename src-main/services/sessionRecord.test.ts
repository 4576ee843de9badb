// The session record folds events into the snapshot a reloading window starts from.
import { describe, expect, it } from 'vitest';
import type { BootlabEvent, MemoryMap } from '../shared/api.js';
import { DEFAULT_LIMITS, SessionRecord } from './sessionRecord.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const map: MemoryMap = { regions: [{ start: 0, end: 0x1000, type: 'FrameZero' }], e820: [] };

function played(events: BootlabEvent[], record = new SessionRecord()): SessionRecord {
  for (const e of events) record.record(e);
  return record;
}

const BOOTED: BootlabEvent[] = [
  { type: 'run-start', runId: 1, action: 'build-and-boot' },
  { type: 'stage-start', runId: 1, stage: 'build' },
  { type: 'log', runId: 1, source: 'cargo', text: 'Compiling kernel' },
  { type: 'diagnostic', runId: 1, diagnostic: { level: 'warning', message: 'unused', file: 'src/main.rs', line: 3 } },
  { type: 'stage-end', runId: 1, stage: 'build', ok: true, ms: 120 },
  { type: 'artifact', runId: 1, kernelPath: '/k', elfBytes: 10 },
  { type: 'artifact', runId: 1, imagePath: '/i', imageBytes: 512 },
  { type: 'stage-start', runId: 1, stage: 'boot' },
  { type: 'serial', runId: 1, base64: b64('Hello ') },
  { type: 'serial', runId: 1, base64: b64('world\n') },
  { type: 'boot-log', runId: 1, line: 'stage2: long mode' },
  { type: 'vga', runId: 1, base64: b64('AB'), cursor: { row: 1, col: 2 } },
  { type: 'memory-map', runId: 1, map },
];

describe('SessionRecord', () => {
  it('numbers events and keeps everything a window shows during a run', () => {
    let clock = 1000;
    const record = new SessionRecord(DEFAULT_LIMITS, () => clock);
    played(BOOTED, record);
    clock += 500;
    const s = record.snapshot();
    expect(s.seq).toBe(BOOTED.length);
    expect(s).toMatchObject({ runId: 1, action: 'build-and-boot', running: true, logDropped: 0, serialDroppedBytes: 0 });
    expect(s.log).toEqual([{ source: 'cargo', text: 'Compiling kernel' }]);
    expect(s.diagnostics.map((d) => d.message)).toEqual(['unused']);
    expect(s.artifact).toEqual({ kernelPath: '/k', elfBytes: 10, imagePath: '/i', imageBytes: 512 });
    expect(Buffer.from(s.serialBase64, 'base64').toString()).toBe('Hello world\n');
    expect(s.bootLog).toEqual(['stage2: long mode']);
    expect(s.vga).toEqual({ base64: b64('AB'), cursor: { row: 1, col: 2 } });
    expect(s.memoryMap).toEqual(map);
    expect(s.stages).toEqual([
      { stage: 'build', state: 'ok', ms: 120, detail: undefined },
      { stage: 'boot', state: 'running', elapsedMs: 500 },
    ]);
  });

  it("keeps the Boot console's display and the Screen with every frame painted on it; a new boot forgets them", () => {
    const rgb = (...bytes: number[]) => Buffer.from(bytes).toString('base64');
    const record = played([
      ...BOOTED,
      { type: 'display', runId: 1, display: 'screen' },
      { type: 'screen', runId: 1, frame: { width: 2, height: 2, x: 0, y: 0, w: 2, h: 2, base64: rgb(1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4) } },
      { type: 'screen', runId: 1, frame: { width: 2, height: 2, x: 1, y: 1, w: 1, h: 1, base64: rgb(9, 8, 7) } },
    ]);
    const snapshot = record.snapshot();
    expect(snapshot.display).toBe('screen');
    expect(snapshot.screen).toEqual({ width: 2, height: 2, base64: rgb(1, 1, 1, 2, 2, 2, 3, 3, 3, 9, 8, 7) });
    record.record({ type: 'run-start', runId: 2, action: 'boot' });
    expect(record.snapshot().display).toBeUndefined();
    expect(record.snapshot().screen).toBeUndefined();
  });

  it('keeps the run result and marks a stage that never finished as failed', () => {
    const s = played([...BOOTED, { type: 'run-end', runId: 1, outcome: { kind: 'stopped', message: 'Stopped' } }]).snapshot();
    expect(s.running).toBe(false);
    expect(s.outcome).toEqual({ kind: 'stopped', message: 'Stopped' });
    expect(s.stages.find((x) => x.stage === 'boot')).toMatchObject({ state: 'failed' });
    expect(s.stages.find((x) => x.stage === 'boot')?.elapsedMs).toBeUndefined();
  });

  it("keeps the CPU's last state while the VM runs, and forgets it when the run ends", () => {
    const idle = played([...BOOTED, { type: 'cpu-state', runId: 1, state: 'running' }, { type: 'cpu-state', runId: 1, state: 'idle' }]);
    expect(idle.snapshot().cpuState).toBe('idle');
    idle.record({ type: 'run-end', runId: 1, outcome: { kind: 'stopped', message: 'Stopped' } });
    expect(idle.snapshot().cpuState).toBeUndefined();
  });

  it('starts a new run as the window does: Boot keeps the build log, Build keeps the last boot', () => {
    const ended: BootlabEvent = { type: 'run-end', runId: 1, outcome: { kind: 'stopped', message: 'Stopped' } };
    const boot = played([...BOOTED, ended, { type: 'run-start', runId: 2, action: 'boot' }]).snapshot();
    expect(boot.log).toHaveLength(1);
    expect(boot.diagnostics).toHaveLength(1);
    expect(boot.serialBase64).toBe('');
    expect(boot.memoryMap).toBeUndefined();
    expect(boot.outcome).toBeUndefined();
    expect(boot.stages).toEqual([]);

    const build = played([...BOOTED, ended, { type: 'run-start', runId: 2, action: 'build' }]).snapshot();
    expect(build.log).toEqual([]);
    expect(build.diagnostics).toEqual([]);
    expect(build.artifact).toBeUndefined();
    expect(Buffer.from(build.serialBase64, 'base64').toString()).toBe('Hello world\n');
    expect(build.memoryMap).toEqual(map);
  });

  it('keeps exactly the last serial bytes beyond its limit and counts the dropped ones', () => {
    const record = new SessionRecord({ ...DEFAULT_LIMITS, serialBytes: 10 });
    record.record({ type: 'run-start', runId: 1, action: 'boot' });
    for (const chunk of ['0123', '4567', '89ab', 'cdef']) record.record({ type: 'serial', runId: 1, base64: b64(chunk) });
    const s = record.snapshot();
    expect(Buffer.from(s.serialBase64, 'base64').toString()).toBe('6789abcdef');
    expect(s.serialDroppedBytes).toBe(6);
  });

  it('keeps at least the last 1 MiB of serial output by default', () => {
    const record = new SessionRecord();
    record.record({ type: 'run-start', runId: 1, action: 'boot' });
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 48; i++) record.record({ type: 'serial', runId: 1, base64: chunk.fill(i).toString('base64') });
    const tail = Buffer.from(record.snapshot().serialBase64, 'base64');
    expect(tail.length).toBeGreaterThanOrEqual(1 << 20);
    expect(tail.length).toBeLessThan(48 * 64 * 1024);
    expect(tail[tail.length - 1]).toBe(47);
  });

  it('bounds the build log by characters, dropping the oldest texts', () => {
    const record = new SessionRecord({ ...DEFAULT_LIMITS, logChars: 10 });
    record.record({ type: 'run-start', runId: 1, action: 'build' });
    for (const text of ['aaaa', 'bbbb', 'cccc', 'dddd']) record.record({ type: 'log', runId: 1, source: 'cargo', text });
    const s = record.snapshot();
    expect(s.log.map((l) => l.text)).toEqual(['cccc', 'dddd']);
    expect(s.logDropped).toBe(2);
  });

  it('gives a snapshot that later events do not change', () => {
    const record = played(BOOTED);
    const s = record.snapshot();
    record.record({ type: 'boot-log', runId: 1, line: 'later' });
    record.record({ type: 'log', runId: 1, source: 'qemu', text: 'later' });
    expect(s.bootLog).toEqual(['stage2: long mode']);
    expect(s.log).toHaveLength(1);
    expect(record.seq).toBe(s.seq + 2);
  });
});
