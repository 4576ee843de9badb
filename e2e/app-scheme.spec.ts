// The Electron window's page, as bootlab:// serves it, in real Chromium: no part of the app may
// depend on file:// privileges. Chromium cannot be taught the custom scheme here, so a stand-in
// origin (https://app.bootlab.test) is answered by the very handler main.ts registers
// (scheme.ts), with its headers (the CSP among them); the preload's object is the test-only
// stand-in of fakeBootlab.ts. The control case shows why: from file:// the page stays empty.
import { test as base, expect } from '@playwright/test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_URL, createAppProtocolHandler } from '../src-main/electron/scheme.js';
import { FAKE_STATE, installFakeBootlab } from './fakeBootlab.js';
import { ROOT } from './bootlab.js';

// https, since bootlab:// is registered secure (COOP and other secure-context features apply).
const STAND_IN = 'https://app.bootlab.test';
const RENDERER = join(ROOT, 'out', 'renderer');
const test = base;

test('the renderer runs from the app scheme with its CSP header, without file:// privileges', async ({ page }) => {
  const handler = createAppProtocolHandler(RENDERER);
  const served: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => served.push(r.url()));
  await page.route(`${STAND_IN}/**`, async (route) => {
    const url = route.request().url().replace(STAND_IN, 'bootlab://app');
    const response = await handler(new Request(url, { method: route.request().method() }));
    await route.fulfill({ status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) });
  });
  await page.addInitScript(installFakeBootlab, FAKE_STATE);

  await page.goto(APP_URL.replace('bootlab://app', STAND_IN));
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(FAKE_STATE.project!.dir);
  await page.getByRole('tab', { name: 'Boot console' }).click();
  await expect(page.getByRole('region', { name: 'VGA screen' }).locator('.vga-row')).toHaveCount(25);

  // Every file came through the scheme handler; nothing from file://, nothing from elsewhere;
  // the CSP header was in force and nothing violated it.
  expect(served.length).toBeGreaterThan(1);
  expect(served.filter((u) => !u.startsWith(`${STAND_IN}/`))).toEqual([]);
  const csp = await page.evaluate(async () => (await fetch('/index.html')).headers.get('content-security-policy'));
  expect(csp).toContain("script-src 'self'");
  expect(errors).toEqual([]);
});

test('control: the same page from file:// stays empty in Chromium (why the app has its own scheme)', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.addInitScript(installFakeBootlab, FAKE_STATE);
  await page.goto(pathToFileURL(join(RENDERER, 'index.html')).href);
  await expect.poll(() => errors.some((e) => /CORS|blocked/i.test(e))).toBe(true);
  await expect(page.locator('#app')).toBeEmpty();
});
