// The Tests tab's model: the service's test state (fetched once, then kept current by the test
// events, dropping those the fetched state already includes), the filter, and the actions: run
// all, run the failed ones, run one executable. Errors become the window's message.
import type { BootlabEvent } from '../../../src-main/shared/api.js';
import { applyTestEvent, emptyTestsState, failedExecutables, isTestEvent, type TestEntry, type TestRunRequest, type TestsState } from '../../../src-main/shared/tests.js';
import type { ClientApi } from './api.js';

/** What the model needs from the window's session (its project, profile, messages). */
export interface TestsHost {
  readonly project: { dir: string } | undefined;
  readonly profile: 'debug' | 'release';
  readonly running: boolean;
  readonly connection: string;
  report(error: unknown, kind?: 'error' | 'info'): void;
}

export type TestsFilter = 'all' | 'failed';

export class TestsModel {
  state: TestsState = $state.raw(emptyTestsState());
  filter: TestsFilter = $state('all');
  /** Ids of the executables whose details are open. */
  open: string[] = $state([]);
  /** A request sent and not yet answered (buttons do not fire twice). */
  asking = $state(false);

  running = $derived(this.state.running);
  failed = $derived(failedExecutables(this.state));
  shown: TestEntry[] = $derived(this.filter === 'failed' ? this.state.entries.filter((e) => e.state === 'failed' || e.state === 'timed-out') : this.state.entries);

  /** Events that arrived before the fetched state (undefined once it is here). */
  #early: { event: BootlabEvent; seq?: number }[] | undefined = [];

  constructor(
    private readonly api: ClientApi,
    private readonly host: TestsHost,
  ) {}

  /** Follows the events and fetches the state; returns the function that stops following. */
  start(): () => void {
    const off = this.api.onEvent((event, seq) => this.#onEvent(event, seq));
    void this.refresh();
    const offConnection = this.api.onConnection?.((state) => {
      if (state === 'open') void this.refresh();
    });
    return () => {
      off();
      offConnection?.();
    };
  }

  async refresh(): Promise<void> {
    try {
      const fetched = await this.api.getTestsState();
      const early = this.#early ?? [];
      this.#early = undefined;
      let state = fetched;
      for (const { event, seq } of early) state = this.#fold(state, event, seq);
      this.state = state;
    } catch {
      // An older service without tests: the tab stays empty, the buttons still say why.
      this.#early = undefined;
    }
  }

  #fold(state: TestsState, event: BootlabEvent, seq?: number): TestsState {
    if (!isTestEvent(event)) return state;
    if (seq !== undefined && seq <= state.seq) return state;
    return { ...applyTestEvent(state, event), seq: seq ?? state.seq };
  }

  #onEvent(event: BootlabEvent, seq?: number): void {
    if (!isTestEvent(event)) return;
    if (this.#early) {
      this.#early.push({ event, seq });
      return;
    }
    this.state = this.#fold(this.state, event, seq);
    // A failing executable opens by itself: its panic and output are what one wants to see.
    if (event.type === 'test-executable-end' && event.result.outcome !== 'passed' && event.result.outcome !== 'cancelled') this.setOpen(event.result.executable.id, true);
  }

  /** Why tests cannot run now, or undefined when they can. */
  blockedReason(): string | undefined {
    if (this.host.connection !== 'open') return 'Not connected to the Bootlab services';
    if (this.running) return 'The tests are running: Stop them first';
    if (this.host.running) return 'A run is in progress: Stop it first';
    if (this.asking) return 'Waiting for the last action to answer';
    if (!this.host.project) return 'Open a kernel project first';
    return undefined;
  }

  async run(request: TestRunRequest = {}): Promise<void> {
    const reason = this.blockedReason();
    if (reason) return this.host.report(reason, 'info');
    if (request.failedOnly && this.failed.length === 0) return this.host.report('No failed tests to run again', 'info');
    this.asking = true;
    try {
      const sent = this.api.runTests({ ...request, profile: this.host.profile });
      // The button is free again once the run has started (its events say the rest).
      this.asking = false;
      await sent;
    } catch (error) {
      this.host.report(error);
    } finally {
      this.asking = false;
    }
  }

  /** Watch mode: the last action runs again on each saved change (the service watches). */
  async setWatch(on: boolean): Promise<void> {
    try {
      await this.api.setWatch(on);
    } catch (error) {
      this.host.report(error);
    }
  }

  /** What started the last run in watch mode, for the status: `after a change to src/main.rs`. */
  triggerText = $derived.by(() => {
    const trigger = this.state.watch ? this.state.trigger : undefined;
    if (!trigger) return undefined;
    const paths = trigger.paths.slice(0, 2).join(', ') + (trigger.paths.length > 2 ? ` and ${trigger.paths.length - 2} more` : '');
    const what = trigger.action === 'test' ? 'Test' : trigger.action === 'build' ? 'Build' : 'Build and Boot';
    return `${what} again after a change to ${paths}`;
  });

  isOpen(id: string): boolean {
    return this.open.includes(id);
  }

  setOpen(id: string, open: boolean): void {
    if (open === this.open.includes(id)) return;
    this.open = open ? [...this.open, id] : this.open.filter((x) => x !== id);
  }
}
