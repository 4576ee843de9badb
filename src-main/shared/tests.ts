// Kernel tests as the services report them and the Tests tab shows them: one entry per test
// executable cargo builds (the lib's unit tests, main's, each integration test), the individual
// tests inside it where the kernel prints them, and the tally that ends `bootlab test`.
import type { RunOutcome, SourceLocation, StackFrame } from './api.js';

/** Which kind of cargo target a test executable was built from. */
export type TestTargetKind = 'lib' | 'bin' | 'test' | 'bench' | 'example';

export interface TestExecutable {
  /** Stable across runs: `lib`, `bin:NAME`, `test:NAME` (what "run one executable" asks for). */
  id: string;
  kind: TestTargetKind;
  /** The cargo target's name. */
  name: string;
  /** The target's main source file (absolute). */
  srcPath?: string;
  /** The built executable. */
  path: string;
}

export type TestOutcome = 'passed' | 'failed' | 'timed-out';

export interface TestCase {
  name: string;
  /** `running` while the kernel has printed the name but not yet the result. */
  outcome: TestOutcome | 'running';
}

export interface TestExecutableResult {
  executable: TestExecutable;
  /** `cancelled` when Stop (or a new run) ended it. */
  outcome: TestOutcome | 'cancelled';
  ms: number;
  /** The tests it printed, in order (empty when it prints none: it then counts as one test). */
  tests: TestCase[];
  /** The count its `Running N tests` line announced. */
  announced?: number;
  /** The serial output (the tail, at most 1 MiB). */
  serial: string;
  /** One line: why it failed or timed out. */
  message?: string;
  panicMessage?: string;
  panicLocation?: SourceLocation;
  /** Where the CPU was (timeout, fault, halt after a panic): innermost frame first. */
  frames?: StackFrame[];
  /** The run's diagnosis as Build and Boot reports it. */
  run?: RunOutcome;
  /** What the runner and QEMU said on stderr (QEMU's complaints about its arguments...). */
  log?: string;
}

export interface TestTally {
  passed: number;
  failed: number;
  timedOut: number;
}

/** `tests: P passed, F failed` (plus `, T timed out` when any): the last line of `bootlab test`. */
export function tallyLine(tally: TestTally): string {
  return `tests: ${tally.passed} passed, ${tally.failed} failed${tally.timedOut ? `, ${tally.timedOut} timed out` : ''}`;
}

/**
 * Counts individual tests: one per printed result; an executable that printed none counts as
 * one. A test still running when its executable ended shares the executable's fate; a failed
 * executable whose printed tests all passed (it died after them) counts one failure of its own.
 */
export function tallyOf(results: TestExecutableResult[]): TestTally {
  const tally: TestTally = { passed: 0, failed: 0, timedOut: 0 };
  const add = (o: TestOutcome) => {
    if (o === 'passed') tally.passed++;
    else if (o === 'failed') tally.failed++;
    else tally.timedOut++;
  };
  for (const r of results) {
    if (r.outcome === 'cancelled') continue;
    for (const t of r.tests) add(t.outcome === 'running' ? r.outcome : t.outcome);
    const accounted = r.tests.some((t) => t.outcome === 'running' || t.outcome === r.outcome);
    if (r.tests.length === 0 || (r.outcome !== 'passed' && !accounted)) add(r.outcome);
  }
  return tally;
}

/** What the window asks for: every executable, the named ones, or the ones that failed last. */
export interface TestRunRequest {
  profile?: 'debug' | 'release';
  /** Executable ids (TestExecutable.id); all when absent. */
  executables?: string[];
  /** Only the executables that failed or timed out in the last results. */
  failedOnly?: boolean;
}

/** The events of a test run, in order; `id` is an executable's id. */
export type TestEvent =
  | { type: 'tests-start'; runId: number; executables?: string[] }
  /** A line of cargo's output while it builds the tests. */
  | { type: 'test-log'; runId: number; text: string }
  | { type: 'tests-built'; runId: number; executables: TestExecutable[] }
  | { type: 'test-executable-start'; runId: number; id: string }
  | { type: 'test-case'; runId: number; id: string; test: TestCase }
  | { type: 'test-executable-end'; runId: number; result: TestExecutableResult }
  | { type: 'tests-end'; runId: number; tally: TestTally; ms: number; cancelled: boolean; error?: string }
  /** A timed-out executable's VM is kept paused there for the Inspector (`kept: true`), or has gone (Stop, the next run). */
  | { type: 'test-paused-vm'; runId: number; id: string; kept: boolean }
  /** Watch mode went on or off (the project folder it watches). */
  | { type: 'watch'; on: boolean; dir?: string }
  /** A saved change stopped what ran and started the last action again. */
  | { type: 'watch-trigger'; paths: string[]; action: WatchAction };

/** What watch mode repeats: the last of Build, Build and Boot (also for Boot) or Test. */
export type WatchAction = 'build' | 'buildAndBoot' | 'test';

export type TestEntryState = 'queued' | 'running' | TestOutcome | 'cancelled';

export interface TestEntry {
  executable: TestExecutable;
  state: TestEntryState;
  tests: TestCase[];
  result?: TestExecutableResult;
}

/** The Tests tab's content: the executables with their latest results, and the last run's end. */
export interface TestsState {
  /** The sequence number of the last event folded in (pushed events at or below it are in already). */
  seq: number;
  runId: number;
  running: boolean;
  entries: TestEntry[];
  /** The last finished run's tally, its error (a build that failed) and whether it was stopped. */
  tally?: TestTally;
  error?: string;
  cancelled?: boolean;
  ms?: number;
  /** The executables the running (or last) run asked for; all when absent. */
  asked?: string[];
  /** cargo's output of this run (the build's errors when it failed). */
  log?: string[];
  /** Watch mode is on. */
  watch?: boolean;
  /** The change that started the last run in watch mode. */
  trigger?: { paths: string[]; action: WatchAction };
  /** The executable whose VM is kept paused where it timed out (see the Inspector). */
  pausedVm?: string;
}

export function emptyTestsState(): TestsState {
  return { seq: 0, runId: 0, running: false, entries: [] };
}

/**
 * Folds one event into the state (a new object; entries replaced, not mutated). A run of some
 * executables keeps the others' last results, as a test explorer does.
 */
export function applyTestEvent(state: TestsState, event: TestEvent): TestsState {
  const setEntry = (id: string, change: (e: TestEntry) => TestEntry): TestEntry[] =>
    state.entries.map((e) => (e.executable.id === id ? change(e) : e));
  switch (event.type) {
    case 'tests-start': {
      const asked = event.executables;
      const entries = state.entries.map((e) => (!asked || asked.includes(e.executable.id) ? { executable: e.executable, state: 'queued' as const, tests: [] } : e));
      const kept = { ...(state.watch ? { watch: true } : {}), ...(state.trigger ? { trigger: state.trigger } : {}) };
      return { seq: state.seq, runId: event.runId, running: true, entries, ...(asked ? { asked } : {}), ...kept };
    }
    case 'watch':
      return { ...state, watch: event.on, ...(event.on ? {} : { trigger: undefined }) };
    case 'watch-trigger':
      return { ...state, trigger: { paths: event.paths, action: event.action } };
    case 'test-log':
      if (event.runId !== state.runId) return state;
      return { ...state, log: [...(state.log ?? []), event.text] };
    case 'tests-built': {
      if (event.runId !== state.runId) return state;
      // A run of everything shows what cargo built now (a deleted test goes away).
      const entries = state.asked ? [...state.entries] : [];
      for (const executable of event.executables) {
        const at = entries.findIndex((e) => e.executable.id === executable.id);
        const entry: TestEntry = { executable, state: 'queued', tests: [] };
        if (at < 0) entries.push(entry);
        else entries[at] = entry;
      }
      return { ...state, entries };
    }
    case 'test-executable-start':
      if (event.runId !== state.runId) return state;
      return { ...state, entries: setEntry(event.id, (e) => ({ ...e, state: 'running' })) };
    case 'test-case':
      if (event.runId !== state.runId) return state;
      return {
        ...state,
        entries: setEntry(event.id, (e) => {
          const at = e.tests.findIndex((t) => t.name === event.test.name);
          const tests = at < 0 ? [...e.tests, event.test] : e.tests.map((t, i) => (i === at ? event.test : t));
          return { ...e, tests };
        }),
      };
    case 'test-executable-end':
      if (event.runId !== state.runId) return state;
      return { ...state, entries: setEntry(event.result.executable.id, (e) => ({ ...e, state: event.result.outcome, tests: event.result.tests, result: event.result })) };
    case 'test-paused-vm':
      if (event.kept) return event.runId === state.runId ? { ...state, pausedVm: event.id } : state;
      return state.pausedVm === event.id ? { ...state, pausedVm: undefined } : state;
    case 'tests-end': {
      if (event.runId !== state.runId) return state;
      // Executables that never started (the build failed, or Stop) are not left queued.
      const entries = state.entries.map((e) => (e.state === 'queued' || e.state === 'running' ? { ...e, state: 'cancelled' as const } : e));
      return { ...state, running: false, entries, tally: event.tally, ms: event.ms, cancelled: event.cancelled, ...(event.error ? { error: event.error } : { error: undefined }) };
    }
  }
}

/** The executables whose last result was a failure or a timeout. */
export function failedExecutables(state: TestsState): string[] {
  return state.entries.filter((e) => e.state === 'failed' || e.state === 'timed-out').map((e) => e.executable.id);
}

/** True for the events of test runs (the rest of BootlabEvent belongs to Build and Boot). */
export function isTestEvent(event: { type: string }): event is TestEvent {
  return event.type === 'tests-start' || event.type === 'tests-built' || event.type.startsWith('test-') || event.type === 'tests-end' || event.type === 'watch' || event.type === 'watch-trigger';
}

/** The test methods of the API (BootlabApi extends this). */
export interface TestsApi {
  /** Builds and runs the crate's tests; answers when the run has ended (its events tell the rest). */
  runTests(request: TestRunRequest): Promise<void>;
  /** The Tests tab's content now (a window that loads starts from this, then follows the events). */
  getTestsState(): Promise<TestsState>;
  /**
   * Watch mode: on a saved change under the project (src/, tests/, Cargo.toml, build.rs, .cargo/)
   * stop what runs and repeat the last action (Build, Build and Boot, or Test).
   */
  setWatch(on: boolean): Promise<void>;
}

/** A path inside the crate as the crate's own relative path (`/` separators), else as given. */
export function cratePath(path: string, projectDir?: string): string {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const p = norm(path);
  const dir = projectDir ? norm(projectDir) : undefined;
  return dir && p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : p;
}

/** How an executable is called: cargo's own words (`unittests src/lib.rs`, `tests/basic_boot.rs`). */
export function executableLabel(exe: TestExecutable, projectDir?: string): string {
  const src = exe.srcPath ? cratePath(exe.srcPath, projectDir) : undefined;
  if (exe.kind === 'lib' || exe.kind === 'bin') return `unittests ${src ?? exe.name}`;
  return src ?? `${exe.kind} ${exe.name}`;
}
