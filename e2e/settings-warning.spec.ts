// A settings file written by a newer Bootlab, with one value this version cannot use: the window
// opens with the usable settings and a message saying what was not used.
import { expect, kernelCopy, startBootlab, test } from './bootlab.js';

test('a partly unusable settings file is named in a message, and the rest is used', async ({ page }) => {
  const bootlab = await startBootlab({
    projectDir: kernelCopy('sample-kernel'),
    settings: { profile: 'release', bootTimeoutSeconds: 'soon', gdbPort: 1234 },
  });
  await page.goto(bootlab.url);
  const message = page.getByRole('alert').filter({ hasText: 'settings file' });
  await expect(message).toContainText('"bootTimeoutSeconds" must be a number of seconds');
  await expect(message).toContainText('"gdbPort" is not a setting of this Bootlab version');
  // The profile from the same file was kept.
  await expect(page.getByRole('combobox', { name: 'Profile' })).toHaveValue('release');
  await message.getByRole('button', { name: 'Dismiss message' }).click();
  await expect(message).toHaveCount(0);
});
