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
