// Fixtures for the end-to-end specs: a real `bootlab serve` child per test (fresh settings,
// kernels copied to a temporary folder whose name has a space and a non-ASCII letter), a page
// that fails the test on console errors (CSP violations included), and a screenshot per test.
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '..');
export const SAMPLE = join(ROOT, 'resources', 'sample-kernel');
/**
 * One cargo target folder for every e2e test (core is built once), apart from the unit tests'
 * folder: the specs build patched copies of the sample kernel under the same package name, and
 * cargo puts each copy's binary at the same `debug/sample-kernel` path, so sharing the folder
 * would hand the unit tests a patched kernel.
 */
export const TARGET_DIR = join(ROOT, '.cache', 'e2e-target');

export interface Bootlab {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ServeOptions {
  projectDir: string;
  settings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** Temporary folders made by the running test, removed after it. */
const temporary: string[] = [];

/**
 * Copies the sample kernel (without target/) to a temporary folder and patches its main.rs. A
 * patched copy gets a package (and binary) name of its own: copies of one package share cargo's
 * fingerprint and output path in the shared target folder, so a patched build could otherwise pass
 * for the sample kernel in the next test.
 */
export function kernelCopy(name: string, patch?: (mainRs: string) => string): string {
  const parent = mkdtempSync(join(tmpdir(), 'bootlab e2e ü-'));
  temporary.push(parent);
  const dir = join(parent, name);
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(SAMPLE.length)) });
  if (patch) {
    const file = join(dir, 'src', 'main.rs');
    const patched = patch(readFileSync(file, 'utf8'));
    writeFileSync(file, patched);
    const manifest = join(dir, 'Cargo.toml');
    const own = `sample-kernel-${createHash('sha256').update(patched).digest('hex').slice(0, 8)}`;
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^name = "sample-kernel"$/gm, `name = "${own}"`));
  }
  return dir;
}

/** Servers started by the running test; the fixture stops them after its screenshot. */
const running: Bootlab[] = [];

export async function startBootlab(options: ServeOptions): Promise<Bootlab> {
  const home = mkdtempSync(join(tmpdir(), 'bootlab-e2e-home-'));
  const settingsPath = join(home, 'settings.json');
  writeFileSync(settingsPath, JSON.stringify({ profile: 'debug', qemuArgs: [], recentProjects: [], bootTimeoutSeconds: 120, ...options.settings }));
  mkdirSync(TARGET_DIR, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'bootlab.js'), 'serve', '--no-open', options.projectDir], {
    cwd: ROOT,
    env: { ...process.env, BOOTLAB_SETTINGS: settingsPath, CARGO_TARGET_DIR: TARGET_DIR, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let stopping = false;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // A server that dies under a test turns into "Reconnecting…" in the page: say why in the report.
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`bootlab serve (pid ${child.pid}) exited during the test with ${code ?? signal}; its stderr:\n${stderr}\n`);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`bootlab serve printed no URL in 60 s\n${stderr}`)), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^Bootlab is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/.exec(line);
      if (match) resolveUrl(match[1]);
      else reject(new Error(`unexpected first line: ${line}\n${stderr}`));
    });
    child.once('exit', (code) => reject(new Error(`bootlab serve exited with ${code}\n${stderr}`)));
  });
  const bootlab: Bootlab = {
    url,
    pid: child.pid!,
    async stop() {
      stopping = true;
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
    },
  };
  running.push(bootlab);
  return bootlab;
}

/** Process ids of QEMU processes started by `pid` (Linux /proc). */
export function qemuChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === pid && cmd.includes('qemu-system')) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** The visible text of the serial terminal, one line per terminal row. */
export async function serialText(page: Page): Promise<string> {
  const rows = page.getByRole('region', { name: 'Serial console' }).locator('.xterm-rows > div');
  const texts = await rows.allTextContents();
  return texts.map((t) => t.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
}

export async function waitForRunEnd(page: Page, timeout = 6 * 60_000): Promise<string> {
  // The run is over when a new one can start (Stop may stay enabled: a halted VM is kept paused for the Inspector).
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled({ timeout });
  await page.getByRole('tab', { name: 'Boot console' }).click();
  const result = page.getByRole('region', { name: 'Run result' });
  await expect(result.locator('.title')).toBeVisible();
  return (await result.innerText()).trim();
}

export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use, testInfo) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    await use(errors);
    mkdirSync(join(ROOT, 'e2e', 'screenshots'), { recursive: true });
    const name = testInfo.titlePath.slice(1).join(' - ').replace(/[^\w.-]+/g, '_');
    await page.screenshot({ path: join(ROOT, 'e2e', 'screenshots', `${name}.png`) }).catch(() => {});
    // Stop the servers (and so any QEMU) before judging, so a failure leaves nothing running.
    for (const server of running.splice(0)) await server.stop();
    for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
    expect(errors, 'console errors (CSP violations included)').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
