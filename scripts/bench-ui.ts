// Renderer figures for `npm run bench`: frame times while 1 MB/s of serial output and a
// 100,000-line build log stream in, and the memory map view's render time for 64 regions.
// Chromium (Debian's) via Playwright against the built renderer, fed by a test-only event
// source (e2e/fakeBootlab.ts in place of the preload) that runs inside the page, so the
// figures measure the renderer and not the transport. Prints markdown.
import { chromium, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startWebServer } from '../src-main/web/server.js';
import { createFakeService } from '../src-main/web/fakeService.js';
import { FAKE_STATE, installFakeBootlab } from '../e2e/fakeBootlab.js';

const ROOT = resolve(import.meta.dirname ?? '.', '..');
const root = existsSync(join(ROOT, 'package.json')) ? ROOT : process.cwd();
const rendererDir = join(root, 'out', 'renderer');

if (!existsSync(join(rendererDir, 'index.html'))) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  over17: number;
  longTasks: number;
  seconds: number;
  detail: string;
}

/** Runs `stream` in the page while recording requestAnimationFrame intervals. */
async function framesDuring(page: Page, stream: string): Promise<FrameStats> {
  return page.evaluate(async (streamName) => {
    const emit = window.__bootlabEmit!;
    const deltas: number[] = [];
    let longTasks = 0;
    const observer = new PerformanceObserver((list) => (longTasks += list.getEntries().length));
    try {
      observer.observe({ entryTypes: ['longtask'] });
    } catch {
      // not supported: counted as 0
    }
    let running = true;
    let last = performance.now();
    const tick = (now: number) => {
      deltas.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => {
      last = now;
      requestAnimationFrame(tick);
    });
    const t0 = performance.now();
    let detail = '';
    if (streamName === 'serial') {
      // 1 MiB per second for 5 seconds, in 16 KiB chunks every ~16 ms, as the service sends it.
      const line = 'serial: the quick brown fox jumps over the lazy dog 0123456789 ABCDEF\r\n';
      let text = '';
      while (text.length < 16 * 1024) text += line;
      const base64 = btoa(text.slice(0, 16 * 1024));
      let sent = 0;
      await new Promise<void>((done) => {
        const start = performance.now();
        const timer = setInterval(() => {
          const due = Math.floor(((performance.now() - start) / 1000) * 64); // chunks owed at 1 MiB/s
          while (sent < due) {
            emit([{ type: 'serial', runId: 1, base64 }]);
            sent++;
          }
          if (performance.now() - start >= 5000) {
            clearInterval(timer);
            done();
          }
        }, 16);
      });
      detail = `${((sent * 16) / 1024).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    } else if (streamName === 'log') {
      // 100,000 build-log lines (with ANSI colours), one event per line, 2,000 lines per frame.
      let n = 0;
      await new Promise<void>((done) => {
        const pump = () => {
          const batch = [];
          for (let i = 0; i < 2000 && n < 100_000; i++, n++) {
            batch.push({
              type: 'log' as const,
              runId: 1,
              source: 'cargo' as const,
              text: n % 10 === 0 ? `\x1b[1m\x1b[32m   Compiling\x1b[0m crate-${n} v0.1.0 (/src/crate-${n})` : `    line ${n}: warning: unused variable \`x${n}\``,
            });
          }
          emit(batch);
          if (n < 100_000) setTimeout(pump, 16);
          else done();
        };
        pump();
      });
      detail = `${n.toLocaleString('en')} lines streamed in ${((performance.now() - t0) / 1000).toFixed(1)} s, following the end`;
    } else {
      // Scroll through the whole 100,000-line log in 60 jumps, one per frame.
      const scroller = document.querySelector('.build-log [style*="overflow"]') as HTMLElement | null;
      if (!scroller) throw new Error('no build log scroller');
      for (let i = 0; i <= 60; i++) {
        scroller.scrollTop = (scroller.scrollHeight * i) / 60;
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      }
      const rendered = document.querySelectorAll('.log-line').length;
      detail = `60 jumps from the first line to the last; ${rendered} line elements in the DOM`;
    }
    await new Promise((r) => setTimeout(r, 200));
    running = false;
    observer.disconnect();
    const seconds = (performance.now() - t0) / 1000;
    (window as unknown as { __long: string }).__long = deltas.map((d, i) => [i, Math.round(d)]).filter(([, d]) => d > 17.5).map(([i, d]) => `${i}:${d}`).join(" ");
    const sorted = deltas.slice(2).sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    return {
      frames: sorted.length,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      max: sorted[sorted.length - 1] ?? 0,
      over17: sorted.filter((d) => d > 17.5).length,
      longTasks,
      seconds,
      detail,
    };
  }, stream);
}

/** Time from the memory-map event to the table and picture laid out, for `count` regions. */
async function memoryMapRender(page: Page, count: number, repeats: number): Promise<number[]> {
  return page.evaluate(
    async ({ count, repeats }) => {
      const emit = window.__bootlabEmit!;
      const types = ['Usable', 'Reserved', 'Kernel', 'PageTable', 'KernelStack', 'BootInfo', 'Bootloader', 'AcpiReclaimable', 'FrameZero'] as const;
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const regions = [];
        let at = 0;
        for (let i = 0; i < count; i++) {
          const size = 0x1000 * (1 + ((i * 7 + r) % 13)) * (i % 9 === 0 ? 4096 : 1);
          regions.push({ start: at, end: at + size, type: types[(i + r) % types.length] });
          at += size + (i % 5 === 0 ? 0x10000 : 0);
        }
        // A fresh run clears the map, so every repeat renders from nothing.
        emit([{ type: 'run-start', runId: r + 2, action: 'boot' }]);
        await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
        const t0 = performance.now();
        emit([{ type: 'memory-map', runId: r + 2, map: { regions, e820: [] } }]);
        // Svelte applies state changes in a microtask: wait for the table, not for a timer.
        for (let i = 0; i < 20 && document.querySelectorAll('table tbody tr').length !== count; i++) await Promise.resolve();
        if (document.querySelectorAll('table tbody tr').length !== count) await new Promise((res) => setTimeout(res, 0));
        const rows = document.querySelectorAll('table tbody tr').length;
        const segments = document.querySelectorAll('.segment').length;
        void (document.querySelector('.memory-map') as HTMLElement).offsetHeight; // force layout
        const t1 = performance.now();
        if (rows !== count || segments < count) throw new Error(`rendered ${rows} rows and ${segments} segments for ${count} regions`);
        times.push(t1 - t0);
      }
      return times;
    },
    { count, repeats },
  );
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

const server = await startWebServer({ service: createFakeService(), staticDir: rendererDir });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const lines: string[] = ['### Renderer (Chromium, built renderer, test-only event source in the page)', ''];
  lines.push('| scenario | frames | p50 | p95 | p99 | max | frames > 17.5 ms | long tasks (> 50 ms) | notes |', '|---|---|---|---|---|---|---|---|---|');
  const scenarios = [
    { tab: 'Boot console', runs: [['serial console, 1 MiB/s for 5 s', 'serial']] },
    {
      tab: 'Build log',
      runs: [
        ['build log, 100,000 lines streaming in', 'log'],
        ['build log, scrolling through 100,000 lines', 'scroll'],
      ],
    },
  ] as const;
  for (const scenario of scenarios) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(installFakeBootlab, FAKE_STATE);
    await page.goto(`${server.url}`);
    await page.evaluate(() => window.__bootlabEmit!([{ type: 'run-start', runId: 1, action: 'build-and-boot' }]));
    await page.getByRole('tab', { name: scenario.tab }).click();
    await page.waitForTimeout(300);
    for (const [label, stream] of scenario.runs) {
      const s = await framesDuring(page, stream);
      if (process.env.BENCH_DEBUG) process.stderr.write(`${label}: ${await page.evaluate(() => (window as unknown as { __long: string }).__long)}\n`);
      lines.push(`| ${label} | ${s.frames} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${s.over17} (${((100 * s.over17) / Math.max(1, s.frames)).toFixed(1)} %) | ${s.longTasks} | ${s.detail} |`);
    }
    await page.close();
  }
  lines.push('', 'Frame times are requestAnimationFrame intervals; 16.7 ms is one frame at 60 Hz, so p50 near 16.7 ms means no frame was missed.', '');

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.addInitScript(installFakeBootlab, FAKE_STATE);
  await page.goto(server.url);
  await page.getByRole('tab', { name: 'Memory map' }).click();
  await memoryMapRender(page, 64, 3); // warm-up
  const times = (await memoryMapRender(page, 64, 20)).sort((a, b) => a - b);
  lines.push('| memory map view, 64 regions (table + picture + legend) | median | p95 | max |', '|---|---|---|---|');
  lines.push(`| event to laid-out DOM, 20 runs | ${fmt(times[10])} | ${fmt(times[18])} | ${fmt(times[19])} |`);
  await page.close();
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await browser.close();
  await server.close();
}
