// Every kernel command (build, run, test: they share rustOrDoctor) tells the user on stderr when
// the settings file holds something this version cannot use, as doctor and serve do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TEST_TARGET_DIR } from '../../services/testkit.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-settings-notice-'));
beforeAll(() => {
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-main.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling the CLI failed: ${built.stderr}`);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kernel commands and the settings file', () => {
  it('`bootlab build` names what it could not use, builds anyway and leaves the file as it was', () => {
    const settingsPath = join(tmp, 'settings.json');
    const original = JSON.stringify({ profile: 'dev', gdbPort: 1234 });
    writeFileSync(settingsPath, original);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'bootlab.js'), 'build', join(REPO_ROOT, 'resources', 'sample-kernel')], {
      cwd: tmp,
      env: { ...process.env, BOOTLAB_SETTINGS: settingsPath, CARGO_TARGET_DIR: TEST_TARGET_DIR },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const notices = r.stderr.split('\n').filter((l) => l.includes(settingsPath));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^bootlab: .*"gdbPort" is not a setting of this Bootlab version/);
    expect(readFileSync(settingsPath, 'utf8')).toBe(original);
  });
});
