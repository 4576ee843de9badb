// `bootlab serve` with a fake service: arguments, the one URL line, opening the project.
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';
import { browserCommand, packageRoot, parseServeArgs, runServe, untilSignal } from '../cli/commands/serve.js';
import { createFakeService } from './fakeService.js';

describe('parseServeArgs', () => {
  it('reads --port, --no-open and a project folder', () => {
    expect(parseServeArgs([], '/cwd')).toEqual({ port: 0, open: true });
    expect(parseServeArgs(['--port', '8123', '--no-open', 'kernel'], '/cwd')).toEqual({ port: 8123, open: false, projectDir: join('/cwd', 'kernel') });
    expect(parseServeArgs(['--port=0', '/abs'], '/cwd')).toEqual({ port: 0, open: true, projectDir: '/abs' });
    expect(() => parseServeArgs(['--port'], '/cwd')).toThrow('--port needs a number');
    expect(() => parseServeArgs(['--port', '70000'], '/cwd')).toThrow('--port needs a number');
    expect(() => parseServeArgs(['--open'], '/cwd')).toThrow('unknown option --open');
    expect(() => parseServeArgs(['a', 'b'], '/cwd')).toThrow('one project directory');
  });

  it('opens the browser without a shell on each OS', () => {
    expect(browserCommand('http://x/', 'linux')).toEqual(['xdg-open', ['http://x/']]);
    expect(browserCommand('http://x/', 'darwin')).toEqual(['open', ['http://x/']]);
    expect(browserCommand('http://x/', 'win32')).toEqual(['rundll32.exe', ['url.dll,FileProtocolHandler', 'http://x/']]);
  });

  it('finds the package root from this source tree', () => {
    expect(packageRoot()).toBe(resolve(fileURLToPath(new URL('../..', import.meta.url))));
  });
});

describe('runServe', () => {
  it('prints exactly one URL line, opens the project and the browser, and cleans up', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bootlab-serve-'));
    mkdirSync(join(root, 'out', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'out', 'renderer', 'index.html'), '<!doctype html>');
    const service = { ...createFakeService(), dispose: vi.fn(async () => {}) };
    const out: string[] = [];
    const open = vi.fn();
    let stop!: () => void;
    const done = runServe(['--no-open', 'kernel'], { stdout: (t) => out.push(t), stderr: () => {}, cwd: '/work', env: {} }, {
      createService: () => service,
      root,
      open,
      untilStopped: () => new Promise((r) => (stop = r)),
    });
    await vi.waitFor(() => expect(out).toHaveLength(1));
    expect(out[0]).toMatch(/^Bootlab is running at http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+\n$/);
    expect(service.calls.find((c) => c.method === 'openProject')?.args).toEqual([join('/work', 'kernel')]);
    expect(open).not.toHaveBeenCalled();
    const url = out[0].trim().split(' ').at(-1)!;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    stop();
    expect(await done).toBe(0);
    expect(service.dispose).toHaveBeenCalled();
  });

  it('survives a promise nobody awaited: says so on stderr and keeps serving, and lets go of the handler at the end', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bootlab-serve-'));
    mkdirSync(join(root, 'out', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'out', 'renderer', 'index.html'), '<!doctype html>');
    const out: string[] = [];
    const err: string[] = [];
    const before = process.listeners('unhandledRejection');
    let stop!: () => void;
    const done = runServe(['--no-open'], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: '/work', env: {} }, {
      createService: () => ({ ...createFakeService(), dispose: async () => {} }),
      root,
      open: () => {},
      untilStopped: () => new Promise((r) => (stop = r)),
    });
    await vi.waitFor(() => expect(out).toHaveLength(1));
    // Node calls these listeners for a rejection nobody handled (and without one, Node 20 exits).
    const added = process.listeners('unhandledRejection').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    added[0]!(new Error('a stray step reply'), Promise.resolve());
    expect(err.join('')).toMatch(/^bootlab serve: internal error, still running \(please report\): Error: a stray step reply\n\s+at /);
    expect((await fetch(out[0]!.trim().split(' ').at(-1)!)).status).toBe(200);
    stop();
    expect(await done).toBe(0);
    expect(process.listeners('unhandledRejection')).toEqual(before);
  });

  it('refuses bad arguments with the usage', async () => {
    const err: string[] = [];
    const code = await runServe(['--bogus'], { stdout: () => {}, stderr: (t) => err.push(t), cwd: '/', env: {} }, {
      createService: () => {
        throw new Error('not reached');
      },
      root: '/nonexistent',
      open: () => {},
      untilStopped: async () => {},
    });
    expect(code).toBe(2);
    expect(err.join('')).toContain('Usage: bootlab serve');
  });

  it('ends on Ctrl-C, a kill, or the terminal closing (SIGHUP), and then stops listening', async () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      const proc = new EventEmitter();
      let ended = false;
      const waiting = untilSignal(proc as unknown as NodeJS.Process).then(() => (ended = true));
      expect(proc.listenerCount(signal)).toBe(1);
      proc.emit('SIGUSR2');
      await Promise.resolve();
      expect(ended).toBe(false);
      proc.emit(signal);
      await waiting;
      expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => proc.listenerCount(s))).toEqual([0, 0, 0]);
    }
  });
});
