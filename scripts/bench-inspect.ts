// Machine inspector figures for `npm run bench` (issue 13), with real cargo, QEMU and Chromium:
// the sample kernel (map_physical_memory: a 1 TiB physical-memory window of 2 MiB pages, about
// half a million entries), patched to spin after its greeting instead of halting (a kept VM that
// halts is paused again at once when resumed), is built and booted by the app service behind the
// real web server. Then, median of 11:
//   - the page-table walk: the pageTables API method from a fresh pause (registers, the tables
//     read in bulk through QMP, the walk merged into runs, labels and the ELF check), target 200 ms;
//   - pause to panels filled: in Chromium, the toolbar's Pause clicked until the CPU, Page tables
//     and Stack regions show the new state and a frame was painted, target 300 ms.
// Build and run: `npm run bench inspect` (needs `npm run build` for out/renderer).
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBootlabService } from '../src-main/services/app.js';
import { startWebServer } from '../src-main/web/server.js';

const ROOT = resolve(import.meta.dirname ?? '.', '..');
const root = existsSync(join(ROOT, 'package.json')) ? ROOT : process.cwd();
const rendererDir = join(root, 'out', 'renderer');
if (!existsSync(join(rendererDir, 'index.html'))) throw new Error('out/renderer is missing: run `npm run build` first');
const RUNS = Number(process.env.BENCH_RUNS ?? 11);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

const home = mkdtempSync(join(tmpdir(), 'bootlab-bench-inspect-'));
const service = createBootlabService({
  resourcesDir: join(root, 'resources'),
  settingsPath: join(home, 'settings.json'),
  sampleDir: join(home, 'sample-kernel'),
  // cargo's own folder for the bench: core is built once and kept between runs.
  targetDir: join(root, '.cache', 'bench-target'),
});
const server = await startWebServer({ service, staticDir: rendererDir });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  let outcome = '';
  let serial = '';
  service.onEvent((event) => {
    if (event.type === 'run-end') outcome = event.outcome.message;
    if (event.type === 'serial') serial += Buffer.from(event.base64, 'base64').toString('latin1');
  });
  await service.openSampleProject();
  const mainRs = join(home, 'sample-kernel', 'src', 'main.rs');
  const exit = '    exit_qemu(QemuExitCode::Success);\n';
  if (!readFileSync(mainRs, 'utf8').includes(exit)) throw new Error(`the sample kernel no longer has "${exit.trim()}": update this benchmark`);
  writeFileSync(mainRs, readFileSync(mainRs, 'utf8').replace(exit, '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'));
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url);
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  await button('Build and Boot').click();
  // The run switches tabs as it goes: open the Inspector once the kernel has greeted and spins.
  const t0 = Date.now();
  while (!serial.includes('The sample kernel is done.') && !outcome && Date.now() - t0 < 10 * 60_000) await new Promise((r) => setTimeout(r, 200));
  await page.getByRole('tab', { name: 'Inspector' }).click();
  const status = page.getByRole('status', { name: 'Inspector status' });
  await status
    .filter({ hasText: 'Running' })
    .waitFor({ timeout: 30_000 })
    .catch(async (error: Error) => {
      throw new Error(`the sample kernel is not running (run end: "${outcome}", status: "${await status.textContent()}"): ${error.message}`);
    });

  // The walk, service side (the window is idle meanwhile).
  const walks: number[] = [];
  let mappings = 0;
  let window = '';
  for (let i = 0; i < RUNS; i++) {
    await service.pause(); // a fresh pause: nothing of the last walk is reused
    const t0 = performance.now();
    const tables = await service.pageTables();
    walks.push(performance.now() - t0);
    mappings = tables.mappings.length;
    window = tables.mappings.find((m) => m.what.includes('physical-memory window'))?.size ?? 'none';
  }

  // Pause to panels filled, in the window: Resume, then Pause timed until the regions show the
  // paused state and the next frame is painted.
  const fills: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await button('Resume').click();
    await status.filter({ hasText: 'Running' }).waitFor();
    fills.push(
      await page.evaluate(async () => {
        const pause = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Pause')!;
        const statusEl = document.querySelector('[aria-label="Inspector status"]')!;
        const filled = () =>
          // "Paused." comes once the refresh is in ("Reading the machine…" until then).
          statusEl.textContent!.startsWith('Paused') &&
          /RIP/.test(document.querySelector('[aria-label="CPU"]')?.textContent ?? '') &&
          /elf segments:/.test(document.querySelector('[aria-label="Page tables"]')?.textContent ?? '') &&
          /Words at RSP/.test(document.querySelector('[aria-label="Stack"]')?.textContent ?? '');
        const t0 = performance.now();
        pause.click();
        await new Promise<void>((done) => {
          const observer = new MutationObserver(() => {
            if (!filled()) return;
            observer.disconnect();
            done();
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        await new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)));
        return performance.now() - t0;
      }),
    );
  }
  await service.stop();

  const lines = [
    '### Machine inspector (sample kernel spinning after its greeting; real QEMU, Chromium)',
    '',
    `| measurement, ${RUNS} runs | median | min | max | target |`,
    '|---|---|---|---|---|',
    `| page-table walk: pageTables() from a fresh pause (${mappings} merged runs, physical-memory window ${window}) | ${fmt(median(walks))} | ${fmt(Math.min(...walks))} | ${fmt(Math.max(...walks))} | 200 ms |`,
    `| pause to panels filled: toolbar Pause to CPU, Page tables and Stack painted | ${fmt(median(fills))} | ${fmt(Math.min(...fills))} | ${fmt(Math.max(...fills))} | 300 ms |`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await browser.close();
  await server.close();
  await service.dispose();
  rmSync(home, { recursive: true, force: true });
}
