// The Tests tab's model over a fake API (one module under test): the fetched state plus only newer
// events, a run of some executables keeping the others' results, failures opening by themselves,
// the failed filter, and why the buttons are off.
import { describe, expect, it, vi } from 'vitest';
import type { BootlabEvent } from '../../../src-main/shared/api.js';
import type { TestExecutable, TestExecutableResult, TestsState } from '../../../src-main/shared/tests.js';
import type { ClientApi } from './api.js';
import { TestsModel, type TestsHost } from './tests.svelte.js';

const exe = (name: string): TestExecutable => ({ id: `test:${name}`, kind: 'test', name, srcPath: `/k/tests/${name}.rs`, path: `/t/deps/${name}-1` });
const result = (name: string, outcome: TestExecutableResult['outcome']): TestExecutableResult => ({
  executable: exe(name),
  outcome,
  ms: 10,
  tests: [{ name: `${name}::t`, outcome: outcome === 'cancelled' ? 'running' : outcome }],
  serial: `${name}::t...\t[${outcome === 'passed' ? 'ok' : 'failed'}]\n`,
});

function setup(initial: TestsState) {
  let emit: (e: BootlabEvent, seq?: number) => void = () => {};
  let answer!: (s: TestsState) => void;
  const api = {
    onEvent: (l: (e: BootlabEvent, seq?: number) => void) => ((emit = l), () => {}),
    getTestsState: vi.fn(() => new Promise<TestsState>((r) => (answer = r))),
    runTests: vi.fn(async () => {}),
  } as unknown as ClientApi;
  const host: TestsHost = { project: { dir: '/k' }, profile: 'debug', running: false, connection: 'open', report: vi.fn() };
  const model = new TestsModel(api, host);
  model.start();
  return { model, api, host, emit: (e: BootlabEvent, seq: number) => emit(e, seq), answer: () => answer(initial) };
}

describe('TestsModel', () => {
  it('starts from the fetched state and applies only the events after it, also those that came first', async () => {
    const { model, emit, answer } = setup({ seq: 2, runId: 1, running: true, entries: [{ executable: exe('a'), state: 'queued', tests: [] }] });
    emit({ type: 'test-executable-start', runId: 1, id: 'test:a' }, 2); // already in the state
    emit({ type: 'test-executable-end', runId: 1, result: result('a', 'failed') }, 3);
    answer();
    await vi.waitFor(() => expect(model.state.seq).toBe(3));
    expect(model.state.entries[0]!.state).toBe('failed');
    emit({ type: 'tests-end', runId: 1, tally: { passed: 0, failed: 1, timedOut: 0 }, ms: 5, cancelled: false }, 4);
    expect(model.running).toBe(false);
    expect(model.failed).toEqual(['test:a']);
    // A failure arriving live opens its details.
    emit({ type: 'tests-start', runId: 2, executables: ['test:a'] }, 5);
    emit({ type: 'test-executable-end', runId: 2, result: result('a', 'failed') }, 6);
    expect(model.isOpen('test:a')).toBe(true);
  });

  it('keeps the other executables when some run again, filters the failed ones, and sends the profile', async () => {
    const { model, emit, answer, api } = setup({ seq: 0, runId: 0, running: false, entries: [] });
    answer();
    await vi.waitFor(() => expect(api.getTestsState).toHaveBeenCalled());
    await Promise.resolve();
    emit({ type: 'tests-start', runId: 1 }, 1);
    emit({ type: 'tests-built', runId: 1, executables: [exe('a'), exe('b')] }, 2);
    expect(model.blockedReason()).toBe('The tests are running: Stop them first');
    emit({ type: 'test-executable-end', runId: 1, result: result('a', 'passed') }, 3);
    emit({ type: 'test-executable-end', runId: 1, result: result('b', 'timed-out') }, 4);
    emit({ type: 'tests-end', runId: 1, tally: { passed: 1, failed: 0, timedOut: 1 }, ms: 5, cancelled: false }, 5);
    model.filter = 'failed';
    expect(model.shown.map((e) => e.executable.id)).toEqual(['test:b']);
    await model.run({ failedOnly: true });
    expect(api.runTests).toHaveBeenCalledWith({ failedOnly: true, profile: 'debug' });
    emit({ type: 'tests-start', runId: 2, executables: ['test:b'] }, 6);
    expect(model.state.entries.map((e) => `${e.executable.id}=${e.state}`)).toEqual(['test:a=passed', 'test:b=queued']);
    emit({ type: 'tests-end', runId: 2, tally: { passed: 0, failed: 0, timedOut: 0 }, ms: 1, cancelled: true }, 7);
    // What never ran is not left queued.
    expect(model.state.entries.map((e) => `${e.executable.id}=${e.state}`)).toEqual(['test:a=passed', 'test:b=cancelled']);
  });

  it('says why tests cannot run, instead of calling the service', async () => {
    const { model, api, host } = setup({ seq: 0, runId: 0, running: false, entries: [] });
    (host as { running: boolean }).running = true;
    await model.run({});
    expect(host.report).toHaveBeenCalledWith('A run is in progress: Stop it first', 'info');
    (host as { running: boolean }).running = false;
    await model.run({ failedOnly: true });
    expect(host.report).toHaveBeenCalledWith('No failed tests to run again', 'info');
    expect(api.runTests).not.toHaveBeenCalled();
  });
});
