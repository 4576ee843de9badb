// A kernel that does not compile: its diagnostics, with file:line:column, in the Diagnostics region;
// a click opens the place in the user's editor (a stand-in editor here records its arguments).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, kernelCopy, startBootlab, test, type Bootlab } from './bootlab.js';

let bootlab: Bootlab;

test('a compile error shows its diagnostic with its place', async ({ page }) => {
  let line = 0;
  const dir = kernelCopy('broken-kernel', (source) => {
    const lines = source.split('\n');
    line = lines.length + 2;
    return `${source}\n\nfn broken() -> u32 { "not a number" }\n`;
  });
  const editorDir = mkdtempSync(join(tmpdir(), 'bootlab-editor-'));
  const editor = join(editorDir, 'editor');
  const recorded = join(editorDir, 'args');
  writeFileSync(editor, `#!/bin/sh\nprintf '%s\\n' "$@" > '${recorded}'\n`);
  chmodSync(editor, 0o755);
  bootlab = await startBootlab({ projectDir: dir, settings: { editorCommand: [editor, '--goto', '{file}:{line}:{column}'] } });
  await page.goto(bootlab.url);
  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 6 * 60_000 });
  await expect(page.getByRole('tab', { name: /Build log/ })).toHaveAttribute('aria-selected', 'true');
  const diagnostics = page.getByRole('region', { name: 'Diagnostics' });
  await expect(diagnostics).toContainText('mismatched types');
  const place = diagnostics.getByRole('button', { name: new RegExp(`^src/main\\.rs:${line}:\\d+$`) });
  await expect(place).toBeVisible();
  // A click opens the place in the configured editor, with the file's full path, line and column.
  await place.click();
  await expect.poll(() => existsSync(recorded), { timeout: 30_000 }).toBe(true);
  const args = readFileSync(recorded, 'utf8').trim().split('\n');
  expect(args[0]).toBe('--goto');
  expect(args[1]).toMatch(new RegExp(`/broken-kernel/src/main\\.rs:${line}:\\d+$`));
  // "Copy" copies the full path (the list shows it relative to the project).
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await diagnostics.getByRole('button', { name: new RegExp(`^Copy location .*src/main\\.rs:${line}:\\d+$`) }).click();
  await expect(place).toHaveText(new RegExp(`^src/main\\.rs:${line}:\\d+$`));
  await expect(diagnostics).toContainText(`Copied ${dir}/src/main.rs:${line}:`);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(new RegExp(`/broken-kernel/src/main\\.rs:${line}:\\d+$`));
  // The compiler's own rendering, in colour, once.
  const log = page.getByRole('log', { name: 'Build output' });
  await expect(log.locator('.log-line', { hasText: 'error[E0308]: mismatched types' })).toHaveCount(1);
  await expect(log.locator('.ansi-red-fg, .ansi-bright-red-fg').first()).toBeVisible();
  // The rendering's `--> src/main.rs:LINE:COL` opens the same place.
  rmSync(recorded);
  await log.getByRole('button', { name: new RegExp(`^Open src/main\\.rs:${line}:\\d+$`) }).click();
  await expect.poll(() => existsSync(recorded), { timeout: 30_000 }).toBe(true);
  expect(readFileSync(recorded, 'utf8').trim().split('\n')[1]).toMatch(new RegExp(`/broken-kernel/src/main\\.rs:${line}:\\d+$`));
  await expect(page.getByRole('status')).toContainText(/Build/);
});
