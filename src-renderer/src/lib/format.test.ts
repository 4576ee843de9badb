import { describe, expect, it } from 'vitest';
import { base64ToBytes, formatDuration, formatSize, hex } from './format.js';
import { shortcutFor, terminalKeyRole } from './keyboard.js';
import { countByLevel, location, shortPath } from './diagnostics.js';
import { runResultView } from './runResult.js';

describe('format', () => {
  it('prints hex like the kernel does', () => {
    expect(hex(0)).toBe('0x0');
    expect(hex(0xfffc0000)).toBe('0xfffc0000');
    expect(hex(2 ** 40)).toBe('0x10000000000');
  });
  it('prints sizes exactly when whole', () => {
    expect(formatSize(1)).toBe('1 byte');
    expect(formatSize(512)).toBe('512 bytes');
    expect(formatSize(4096)).toBe('4 KiB');
    expect(formatSize(0x9e000)).toBe('632 KiB');
    expect(formatSize(127.5 * 1024 * 1024)).toBe('127.5 MiB');
    expect(formatSize(4 * 2 ** 30)).toBe('4 GiB');
  });
  it('prints a size one way: a whole number without a decimal, however it was reached', () => {
    // A legend total slightly under 12 GiB and a table row of exactly 12 GiB read the same.
    expect(formatSize(12 * 2 ** 30 - 4096)).toBe('12 GiB');
    expect(formatSize(12 * 2 ** 30)).toBe('12 GiB');
    expect(formatSize(1024 * 1024 - 1)).toBe('1 MiB');
    expect(formatSize(1.25 * 2 ** 30)).toBe('1.3 GiB');
    expect(formatSize(1023)).toBe('1023 bytes');
  });
  it('prints durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(2400)).toBe('2.4 s');
    expect(formatDuration(65_000)).toBe('1 min 5 s');
  });
  it('decodes base64', () => {
    expect(Array.from(base64ToBytes('AAH/'))).toEqual([0, 1, 255]);
  });
});

describe('shortcuts', () => {
  const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods });
  it('maps F5, Shift+F5 and Ctrl/Cmd+B', () => {
    expect(shortcutFor(key('F5'))).toBe('buildAndBoot');
    expect(shortcutFor(key('F5', { shiftKey: true }))).toBe('stop');
    expect(shortcutFor(key('b', { ctrlKey: true }))).toBe('build');
    expect(shortcutFor(key('b', { metaKey: true }))).toBe('build');
    expect(shortcutFor(key('b'))).toBeUndefined();
    expect(shortcutFor(key('F5', { ctrlKey: true }))).toBeUndefined();
    expect(shortcutFor(key('b', { ctrlKey: true, shiftKey: true }))).toBeUndefined();
  });
  it('lets the window have its keys inside the serial terminal', () => {
    expect(terminalKeyRole(key('Escape'))).toBe('leave');
    expect(terminalKeyRole(key('F5'))).toBe('page');
    expect(terminalKeyRole(key('F5', { shiftKey: true }))).toBe('page');
    expect(terminalKeyRole(key('b', { ctrlKey: true }))).toBe('page');
    expect(terminalKeyRole(key('Tab'))).toBe('page');
    expect(terminalKeyRole(key('Tab', { shiftKey: true }))).toBe('page');
    expect(terminalKeyRole(key('PageUp'))).toBe('terminal');
    expect(terminalKeyRole(key('c', { ctrlKey: true }))).toBe('terminal');
  });
});

describe('diagnostics', () => {
  it('formats places and counts levels', () => {
    expect(location({ level: 'error', message: 'x', file: 'src/main.rs', line: 3, column: 9 })).toBe('src/main.rs:3:9');
    expect(location({ level: 'error', message: 'x', file: 'src/main.rs', line: 3 })).toBe('src/main.rs:3');
    expect(location({ level: 'error', message: 'x' })).toBeUndefined();
    expect(shortPath('/home/me/k/src/main.rs:3:9', '/home/me/k')).toBe('src/main.rs:3:9');
    expect(shortPath('/home/me/k/src/main.rs:3:9', '/home/me/k/')).toBe('src/main.rs:3:9');
    expect(shortPath('C:\\k\\src\\main.rs:3:9', 'C:\\k')).toBe('src\\main.rs:3:9');
    expect(shortPath('/rustlib/core/src/lib.rs:1:1', '/home/me/k')).toBe('/rustlib/core/src/lib.rs:1:1');
    expect(shortPath('src/main.rs:1:1', undefined)).toBe('src/main.rs:1:1');
    expect(countByLevel([{ level: 'error', message: '' }, { level: 'warning', message: '' }, { level: 'note', message: '' }])).toEqual({ errors: 1, warnings: 1 });
  });
});

describe('runResultView', () => {
  it('describes a triple fault with its chain and symbol', () => {
    const view = runResultView({
      kind: 'triple-fault',
      message: 'Triple fault in sample::boom',
      exceptions: [
        { vector: 14, name: 'Page Fault', errorCode: 2, cr2: 0xdeadbeef, rip: 0x201000 },
        { vector: 8, name: 'Double Fault', errorCode: 0 },
      ],
      rip: 0x201000,
      symbol: 'sample::boom',
    });
    expect(view.title).toBe('Triple fault');
    expect(view.tone).toBe('bad');
    expect(view.exceptions).toEqual(['#14 Page Fault, error code 0x2, at 0x201000, CR2 0xdeadbeef', '#8 Double Fault, error code 0x0']);
    expect(view.details).toContainEqual({ term: 'Faulting symbol', value: 'sample::boom' });
  });
  it('gives each outcome a title and tone', () => {
    expect(runResultView({ kind: 'success', message: 'ok', exitCode: 0 })).toMatchObject({ title: 'Success', tone: 'ok', details: [{ term: 'Exit status', value: '0' }] });
    expect(runResultView({ kind: 'timeout', message: 't' }).title).toBe('Timed out');
    expect(runResultView({ kind: 'stopped', message: 's', qemuStatus: null }).details).toEqual([]);
  });
});
