// The Electron app itself: runs only where an Electron binary exists. Here (and in CI without
// one) it is skipped, saying why.
import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
// The packaged app (release.yml sets this to the unpacked installer's executable on each OS), or
// a plain Electron running this checkout's out/electron/main.js.
const packaged = process.env.BOOTLAB_PACKAGED_APP;
const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH;
const binary = packaged ?? (dist ? join(dist, process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron') : undefined);

test.skip(
  !binary || !existsSync(binary),
  packaged
    ? `BOOTLAB_PACKAGED_APP=${packaged} does not exist, so the packaged app cannot be launched`
    : dist
      ? `ELECTRON_OVERRIDE_DIST_PATH=${dist} holds no Electron binary, so the Electron app cannot be launched`
      : 'No Electron binary: the electron package cannot download one on this machine; set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron (or BOOTLAB_PACKAGED_APP to a packaged Bootlab) to run this spec (the same UI is tested in browser mode)',
);

test('the Electron window opens sandboxed with the accessible UI', async () => {
  const app = await electron.launch({ executablePath: binary!, args: packaged ? [] : [join(ROOT, 'out', 'electron', 'main.js')], cwd: ROOT });
  const page = await app.firstWindow();
  // Served by the app's own scheme, never file:// (src-main/electron/scheme.ts).
  expect(page.url()).toBe('bootlab://app/index.html');
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Memory map' })).toBeVisible();
  const isolated = await page.evaluate(() => typeof (globalThis as { require?: unknown }).require === 'undefined' && typeof (globalThis as { process?: unknown }).process === 'undefined');
  expect(isolated).toBe(true);
  const state = await page.evaluate(() => (globalThis as unknown as { bootlab: { getState(): Promise<{ version: string }> } }).bootlab.getState().then((s) => s.version));
  expect(state).toMatch(/\d+\.\d+/);
  await app.close();
});
