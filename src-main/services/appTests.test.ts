// Tests in the app service (runTests, getTestsState, the test events, Stop) with real cargo and
// QEMU, on a copy of the blog-style crate that has one failing integration test besides, and on a
// copy of the failing fixture for watch mode.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootlabEvent } from '../shared/api.js';
import type { TestsState } from '../shared/tests.js';
import { createBootlabService, type BootlabService } from './app.js';
import { FAILING_INTEGRATION_TEST, fixtureCopy } from './testCrates.js';
import { parentPid, processesMatching, REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';

/** The blog-style crate plus tests/fails.rs, whose test fails. */
function mixedTestsCrate(name: string): string {
  const dir = fixtureCopy('blog-tests', name);
  writeFileSync(join(dir, 'tests', 'fails.rs'), FAILING_INTEGRATION_TEST);
  return dir;
}

let home: string;
let service: BootlabService;
const events: { event: BootlabEvent; seq: number }[] = [];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bootlab app tests '));
  service = createBootlabService({ resourcesDir: join(REPO_ROOT, 'resources'), settingsPath: join(home, 'settings.json'), targetDir: TEST_TARGET_DIR });
  service.onEvent((event, seq) => events.push({ event, seq }));
});
afterAll(async () => {
  await service.dispose();
  rmSync(home, { recursive: true, force: true });
});

const byId = (state: TestsState) => Object.fromEntries(state.entries.map((e) => [e.executable.id, e]));

describe('tests in the app service', () => {
  it('runs every executable, keeps the results for a window that loads, and reruns only the failed one', async () => {
    const crate = mixedTestsCrate('app-service');
    await service.openProject(crate);
    await expect(service.runTests({ failedOnly: true })).rejects.toThrow('No failed tests to run again');

    await service.runTests({});
    let state = await service.getTestsState();
    expect(state.running).toBe(false);
    expect(state.tally).toEqual({ passed: 7, failed: 1, timedOut: 0 });
    const entries = byId(state);
    expect(Object.keys(entries).sort()).toEqual(['bin:blog_os', 'lib', 'test:basic_boot', 'test:fails', 'test:no_harness', 'test:should_panic', 'test:stack_overflow']);
    const fails = entries['test:fails']!;
    expect(fails.state).toBe('failed');
    expect(fails.tests).toEqual([{ name: 'fails::breaks', outcome: 'failed' }]);
    expect(fails.result?.panicLocation).toEqual({ file: join(crate, 'tests', 'fails.rs'), line: 20, column: 5 });
    expect(fails.result?.panicMessage).toContain('the answer changed');
    expect(entries['test:basic_boot']!.tests.every((t) => t.outcome === 'passed')).toBe(true);
    // The state names the last event it includes.
    expect(state.seq).toBe(events.at(-1)!.seq);
    const firstRun = events.filter((e) => e.event.type === 'test-executable-start').length;
    expect(firstRun).toBe(7);

    await service.runTests({ failedOnly: true });
    const started = events.filter((e) => e.event.type === 'test-executable-start').slice(firstRun);
    expect(started.map((e) => (e.event as { id: string }).id)).toEqual(['test:fails']);
    state = await service.getTestsState();
    expect(state.asked).toEqual(['test:fails']);
    // The others keep their last results.
    expect(byId(state)['test:basic_boot']!.state).toBe('passed');
    expect(state.tally).toEqual({ passed: 0, failed: 1, timedOut: 0 });
  });

  it('runs one executable on request, refuses Build and Boot meanwhile, and Stop ends it with its QEMU', async () => {
    await service.openProject(join(REPO_ROOT, 'fixtures', 'crates', 'failing-tests'));
    const run = service.runTests({ executables: ['test:hang'] });
    // Wait for the hang test to be running in its QEMU.
    await new Promise<void>((resolve) => {
      const off = service.onEvent((e) => {
        if (e.type === 'test-case' && e.test.outcome === 'running') {
          off();
          resolve();
        }
      });
    });
    await expect(service.buildAndBoot({})).rejects.toThrow('The tests are running: stop them first');
    await service.stop();
    await run;
    const state = await service.getTestsState();
    expect(state.cancelled).toBe(true);
    expect(byId(state)['test:hang']!.state).toBe('cancelled');
    // Only this process's own QEMUs: other test files run the same fixture at the same time.
    expect(processesMatching('qemu-system').filter((p) => p.cmd.includes('bootlab-hang-') && parentPid(p.pid) === process.pid)).toEqual([]);
  });

  it('watch mode: one rerun per saved change, a change during the run restarts it, and Build becomes the action repeated', async () => {
    const crate = fixtureCopy('failing-tests', 'app-watch');
    await service.openProject(crate);
    // The hang test takes its whole 4 s timeout: long enough to save again while it runs.
    await service.runTests({ executables: ['test:hang'] });
    await service.setWatch(true);
    const from = events.length;
    const since = () => events.slice(from).map((e) => e.event);
    /** Resolves at the next event that passes `test`. */
    const next = (test: (e: BootlabEvent) => boolean) =>
      new Promise<void>((resolve) => {
        const off = service.onEvent((e) => {
          if (test(e)) {
            off();
            resolve();
          }
        });
      });

    const started = next((e) => e.type === 'tests-start');
    appendFileSync(join(crate, 'src', 'lib.rs'), '// an edit\n');
    await started;
    const ended = next((e) => e.type === 'tests-end' && !e.cancelled);
    appendFileSync(join(crate, 'tests', 'hang.rs'), '// an edit\n');
    await ended;
    // Two saves, two triggers (a duplicate report would be a third), the first run stopped.
    expect(since().filter((e) => e.type === 'watch-trigger')).toEqual([
      { type: 'watch-trigger', paths: ['src/lib.rs'], action: 'test' },
      { type: 'watch-trigger', paths: ['tests/hang.rs'], action: 'test' },
    ]);
    expect(since().filter((e) => e.type === 'tests-start')).toEqual([
      expect.objectContaining({ executables: ['test:hang'] }),
      expect.objectContaining({ executables: ['test:hang'] }),
    ]);
    expect(since().filter((e) => e.type === 'tests-end').map((e) => (e as { cancelled: boolean }).cancelled)).toEqual([true, false]);
    const state = await service.getTestsState();
    expect(state.watch).toBe(true);
    expect(state.trigger).toEqual({ paths: ['tests/hang.rs'], action: 'test' });

    // After a Build, a save builds again.
    await service.build({});
    const mark = events.length;
    const rebuilt = next((e) => e.type === 'run-end');
    appendFileSync(join(crate, 'src', 'lib.rs'), '// another edit\n');
    await rebuilt;
    const after = events.slice(mark).map((e) => e.event);
    expect(after.filter((e) => e.type === 'watch-trigger')).toEqual([{ type: 'watch-trigger', paths: ['src/lib.rs'], action: 'build' }]);
    expect(after.filter((e) => e.type === 'run-start')).toEqual([expect.objectContaining({ action: 'build' })]);

    await service.setWatch(false);
    expect((await service.getTestsState()).watch).toBe(false);
    expect(processesMatching(crate)).toEqual([]);
  });
});
