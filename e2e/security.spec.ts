// Browser mode refuses a page without the printed token, and says so in the UI (no blank screen).
import { expect, kernelCopy, startBootlab, test } from './bootlab.js';

test('a wrong token is refused and the window explains it', async ({ page, consoleErrors }) => {
  const bootlab = await startBootlab({ projectDir: kernelCopy('sample-kernel') });
  const url = new URL(bootlab.url);
  url.searchParams.set('token', 'not-the-token');
  await page.goto(url.href);
  await expect(page.getByRole('alert')).toContainText('Bootlab refused the connection');
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeDisabled();
  // Chromium reports the refused WebSocket handshake on the console; that one is expected.
  const refused = consoleErrors.filter((e) => /WebSocket connection to .* failed/.test(e));
  expect(refused).toHaveLength(1);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !refused.includes(e)));
});
