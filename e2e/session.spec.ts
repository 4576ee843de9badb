// The session lives in the service, not in the page: reloading during and after a run shows the
// same serial text, VGA screen, boot log, memory map, diagnostics and run result; closing the
// tab and opening a new one reconnects to the running VM; a killed WebSocket makes the page say
// "Reconnecting…" and come back by itself; ending the server ends QEMU. Also the token's one use.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, kernelCopy, qemuChildren, serialText as terminalRows, startBootlab, test, waitForRunEnd } from './bootlab.js';

const GREETING = 'Hello from the Bootlab sample kernel!';
const DONE = 'The sample kernel is done.';
const BOOT_TIMEOUT = 6 * 60_000;

/** The sample kernel, spinning after its last line: the VM runs until Stop (or the server ends). */
function spinningKernel(): string {
  return kernelCopy('spinning-kernel', (source) =>
    source.replace('    exit_qemu(QemuExitCode::Success);\n', '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'),
  );
}

/** The serial console's text; blank rows below it depend only on the terminal's height. */
async function serialText(page: Page): Promise<string> {
  return (await terminalRows(page)).trimEnd();
}

/** Everything the window shows about the run, read as a user would (tab by tab). */
async function shown(page: Page): Promise<Record<string, unknown>> {
  await page.getByRole('tab', { name: 'Build log' }).click();
  const diagnostics = page.getByRole('region', { name: 'Diagnostics' });
  const diagnosticsText = (await diagnostics.count()) > 0 ? (await diagnostics.innerText()).trim() : '';
  await page.getByRole('tab', { name: 'Boot console' }).click();
  const serial = await serialText(page);
  const vga = await page.getByRole('region', { name: 'VGA screen' }).locator('.vga-row').allTextContents();
  const bootLog = (await page.getByRole('region', { name: 'Boot log' }).innerText()).trim();
  const result = page.getByRole('region', { name: 'Run result' });
  const resultText = (await result.count()) > 0 ? (await result.innerText()).trim() : '';
  await page.getByRole('tab', { name: 'Memory map' }).click();
  const rows = await page
    .getByRole('table', { name: 'Memory regions' })
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim())));
  await page.getByRole('tab', { name: 'Boot console' }).click();
  return { diagnosticsText, serial, vga, bootLog, resultText, rows };
}

/** Waits until the window shows a booted sample kernel (serial, VGA and memory map filled). */
async function waitForBooted(page: Page, timeout = BOOT_TIMEOUT): Promise<void> {
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText(DONE, { timeout });
  await expect(page.getByRole('region', { name: 'VGA screen' }).locator('.vga-row').first()).toContainText(GREETING);
  await expect(page.getByRole('region', { name: 'Boot log' })).not.toBeEmpty();
}

async function memoryRowCount(page: Page): Promise<number> {
  await page.getByRole('tab', { name: 'Memory map' }).click();
  const rows = page.getByRole('table', { name: 'Memory regions' }).locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const count = await rows.count();
  await page.getByRole('tab', { name: 'Boot console' }).click();
  return count;
}

test('reloading during and after a run shows exactly what was there', async ({ page }) => {
  const bootlab = await startBootlab({ projectDir: spinningKernel() });
  await page.goto(bootlab.url);
  // The one-time token has left the address bar (and so the history).
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  expect(page.url()).not.toContain('token');

  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  await waitForBooted(page);
  expect(await memoryRowCount(page)).toBeGreaterThan(3);
  const during = await shown(page);
  expect(during.serial).toContain(GREETING);

  // Reload while QEMU runs: the same views, still running, Stop still works.
  await page.reload();
  await waitForBooted(page, 60_000);
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
  await expect(page.getByRole('status')).toContainText('Boot');
  expect(await shown(page)).toEqual(during);

  await page.getByRole('button', { name: 'Stop' }).click();
  expect(await waitForRunEnd(page, 60_000)).toContain('Stopped');
  const after = await shown(page);
  expect(after.resultText).toContain('Stopped');
  expect(after.serial).toBe(during.serial);

  // Reload after the run: the result and every view are still there.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Run result' })).toContainText('Stopped', { timeout: 60_000 });
  await waitForBooted(page, 60_000);
  expect(await shown(page)).toEqual(after);
  await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
});

test('closing the tab and opening a new one reconnects to the running VM; ending the server ends QEMU', async ({ page, browser }) => {
  const bootlab = await startBootlab({ projectDir: spinningKernel() });
  await page.goto(bootlab.url);
  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  await waitForBooted(page);
  const serial = await serialText(page);
  const [qemu] = qemuChildren(bootlab.pid);
  expect(qemu).toBeGreaterThan(0);

  // Every tab closed: the VM keeps running, and the next tab of this browser finds it.
  const context = page.context();
  await page.close();
  expect(qemuChildren(bootlab.pid)).toEqual([qemu]);
  const again = await context.newPage();
  await again.goto(new URL(bootlab.url).origin + '/');
  await waitForBooted(again, 60_000);
  expect(await serialText(again)).toBe(serial);
  await expect(again.getByRole('button', { name: 'Stop' })).toBeEnabled();

  // The printed URL is spent: another browser (no session cookie) is refused.
  const stranger = await browser.newContext();
  const elsewhere = await stranger.newPage();
  await elsewhere.goto(bootlab.url);
  await expect(elsewhere.getByRole('alert')).toContainText('Bootlab refused the connection');
  await expect(elsewhere.getByText(GREETING)).toHaveCount(0);
  await stranger.close();

  // Ending the server (as Ctrl-C would) ends its QEMU; nothing is left running.
  await bootlab.stop();
  expect(existsSync(`/proc/${qemu}`)).toBe(false);
  await again.close();
});

test('a killed WebSocket makes the page say "Reconnecting…" and recover by itself', async ({ page }) => {
  const bootlab = await startBootlab({ projectDir: spinningKernel() });
  await page.goto(bootlab.url);
  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  await waitForBooted(page);
  const before = await serialText(page);

  // Record every text the status shows, so a short "Reconnecting…" is not missed.
  await page.getByRole('status').evaluate((status) => {
    const seen: string[] = [];
    (window as unknown as { statusSeen: string[] }).statusSeen = seen;
    new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { subtree: true, childList: true, characterData: true });
  });

  // Kill the page's TCP connection to the server, as a dropped network would (Linux `ss -K`).
  const port = new URL(bootlab.url).port;
  execFileSync('ss', ['-K', 'dst', '127.0.0.1', 'dport', '=', port], { stdio: 'ignore' });

  await expect.poll(() => page.evaluate(() => (window as unknown as { statusSeen: string[] }).statusSeen.some((t) => t.includes('Reconnecting…')))).toBe(true);
  // Back by itself: the VM still running, the same output, and the connection carries calls and
  // events again (Stop answers and its run-end event arrives).
  await expect(page.getByRole('status')).not.toContainText('Reconnecting', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
  expect(await serialText(page)).toBe(before);
  await page.getByRole('button', { name: 'Stop' }).click();
  expect(await waitForRunEnd(page, 60_000)).toContain('Stopped');
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
});
