// `bootlab serve` with a settings file that is partly unusable: the real service keeps what it
// can, says what it could not use on one stderr line, and hands the same words to the window.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createBootlabService } from '../../services/app.js';
import { REPO_ROOT } from '../../services/testkit.js';
import { runServe } from './serve.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-serve-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bootlab serve and the settings file', () => {
  it('prints one stderr line naming what was not used, and the window gets the same warning', async () => {
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'out', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'out', 'renderer', 'index.html'), '<!doctype html>');
    cpSync(join(REPO_ROOT, 'resources', 'sample-kernel'), join(root, 'resources', 'sample-kernel'), {
      recursive: true,
      filter: (src) => !/[\\/]target([\\/]|$)/.test(src),
    });
    const settingsPath = join(tmp, 'settings.json');
    const original = `\uFEFF${JSON.stringify({ profile: 'release', qemuArgs: ['-m', '256M'], bootTimeoutSeconds: 'soon', gdbPort: 1234 })}`;
    writeFileSync(settingsPath, original);
    const out: string[] = [];
    const err: string[] = [];
    let stop!: () => void;
    let state: Awaited<ReturnType<ReturnType<typeof createBootlabService>['getState']>> | undefined;
    const done = runServe(
      ['--no-open', join(root, 'resources', 'sample-kernel')],
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: tmp, env: { ...process.env, BOOTLAB_SETTINGS: settingsPath } },
      {
        createService: (options) => {
          const service = createBootlabService(options);
          void service.getState().then((s) => (state = s));
          return service;
        },
        root,
        open: () => {},
        untilStopped: () => new Promise((r) => (stop = r)),
      },
    );
    await vi.waitFor(() => expect(out).toHaveLength(1), { timeout: 120_000 });
    stop();
    expect(await done).toBe(0);
    const lines = err.join('').split('\n').filter(Boolean);
    const settingsLines = lines.filter((l) => l.includes(settingsPath));
    expect(settingsLines).toHaveLength(1);
    expect(settingsLines[0]).toMatch(/^bootlab serve: The settings file .*"bootTimeoutSeconds" must be a number of seconds/);
    expect(settingsLines[0]).toContain('"gdbPort" is not a setting of this Bootlab version');
    // The window's state carries the same words, and the usable settings were used.
    expect(state?.settingsWarning).toBe(settingsLines[0]!.slice('bootlab serve: '.length));
    expect(state?.settings).toMatchObject({ profile: 'release', qemuArgs: ['-m', '256M'] });
    // Opening the project rewrote the file (recent projects): the unused values are still in it.
    const written = JSON.parse(readFileSync(settingsPath, 'utf8'));
    expect(written).toMatchObject({ profile: 'release', qemuArgs: ['-m', '256M'], bootTimeoutSeconds: 'soon', gdbPort: 1234 });
  });
});
