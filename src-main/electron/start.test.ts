// `npm start`'s choice: an Electron binary when one exists (override folder or the package's
// dist/), else browser mode.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without types
import { electronBinary } from '../../scripts/start.js';

describe('scripts/start.js electronBinary', () => {
  const pkg = mkdtempSync(join(tmpdir(), 'bootlab-electron-pkg-'));

  it('finds none when the package has no dist/ and no override is set', () => {
    expect(electronBinary({}, 'linux', pkg)).toBeUndefined();
  });

  it('uses ELECTRON_OVERRIDE_DIST_PATH, then the package dist/, with path.txt naming the executable', () => {
    const override = mkdtempSync(join(tmpdir(), 'bootlab-electron-dist-'));
    writeFileSync(join(override, 'electron'), '');
    chmodSync(join(override, 'electron'), 0o755);
    expect(electronBinary({ ELECTRON_OVERRIDE_DIST_PATH: override }, 'linux', pkg)).toBe(join(override, 'electron'));

    mkdirSync(join(pkg, 'dist', 'Electron.app', 'Contents', 'MacOS'), { recursive: true });
    writeFileSync(join(pkg, 'path.txt'), 'Electron.app/Contents/MacOS/Electron');
    writeFileSync(join(pkg, 'dist', 'Electron.app', 'Contents', 'MacOS', 'Electron'), '');
    expect(electronBinary({}, 'darwin', pkg)).toBe(join(pkg, 'dist', 'Electron.app', 'Contents', 'MacOS', 'Electron'));
  });
});
