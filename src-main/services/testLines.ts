// The per-test lines a test kernel prints on its serial port: the blog's custom test framework
// (`Running N tests`, then `name...\t[ok]` or `name...\t[failed]`, the result possibly arriving
// in a later chunk than the name) and libtest's `test name ... ok|FAILED|ignored`.
import type { TestCase } from '../shared/tests.js';

const PARTIAL_LIMIT = 64 * 1024;
const NAME_LIMIT = 1024;
const RUNNING = /^Running (\d+) tests?$/;
/** `crate::test...` then a tab and the rest: output the test printed, and/or its `[result]`. */
const BLOG = /^([^\s.][^\t]*?::[^\t]*?)\.\.\.\t?(.*)$/;
const BRACKETED = /^\s*\[(.*)\]$/;
const TRAILING_RESULT = /\[(ok|failed)\]$/;
const LIBTEST = /^test (\S+) \.\.\. (ok|FAILED|ignored)$/;
const LIBTEST_START = /^test (\S+) \.\.\. $/;

export interface TestLineEvents {
  /** A test started or finished; the same object is passed again when it finishes. */
  onTest?: (test: TestCase) => void;
}

/** Feeds on serial text as it arrives; `tests` holds every test seen so far, in order. */
export class TestLineParser {
  readonly tests: TestCase[] = [];
  announced?: number;
  private partial = '';
  private running?: TestCase;

  constructor(private readonly events: TestLineEvents = {}) {}

  push(text: string): void {
    const lines = (this.partial + text).split('\n');
    // A line without end (a kernel printing in a loop) is kept to its tail: a result at its end still counts.
    this.partial = lines.pop()!.slice(-PARTIAL_LIMIT);
    for (const line of lines) this.line(line.replace(/\r$/, ''), true);
    // A name printed without its result yet: the test is running now (or hangs). Test names
    // are short; a long unfinished line is output, not a name, and is not scanned again per byte.
    if (this.partial && this.partial.length <= NAME_LIMIT) this.line(this.partial.replace(/\r$/, ''), false);
  }

  private line(line: string, complete: boolean): void {
    const lib = LIBTEST.exec(line);
    if (lib && complete) {
      if (lib[2] !== 'ignored') this.finish(lib[1]!, lib[2] === 'ok' ? 'passed' : 'failed');
      return;
    }
    const libStart = LIBTEST_START.exec(line);
    if (libStart) return this.start(libStart[1]!);
    const running = RUNNING.exec(line);
    if (running && complete) {
      this.announced = Number(running[1]);
      return;
    }
    const blog = BLOG.exec(line);
    if (blog) {
      const name = blog[1]!.trim();
      const rest = blog[2]!;
      const result = complete ? (BRACKETED.exec(rest)?.[1] ?? TRAILING_RESULT.exec(rest)?.[1]) : undefined;
      if (result !== undefined) return this.finish(name, result === 'ok' ? 'passed' : 'failed');
      // The name with output after it (or nothing yet): the test runs; its result comes later.
      return this.start(name);
    }
    // The result on a line of its own, after output the running test printed.
    if (this.running && complete) {
      const result = TRAILING_RESULT.exec(line.trim())?.[1];
      if (result !== undefined) this.finish(this.running.name, result === 'ok' ? 'passed' : 'failed');
    }
  }

  private start(name: string): void {
    if (this.running?.name === name) return;
    const test: TestCase = { name, outcome: 'running' };
    this.running = test;
    this.tests.push(test);
    this.events.onTest?.(test);
  }

  private finish(name: string, outcome: 'passed' | 'failed'): void {
    let test = this.running?.name === name ? this.running : undefined;
    if (!test) {
      test = { name, outcome };
      this.tests.push(test);
    }
    test.outcome = outcome;
    this.running = undefined;
    this.events.onTest?.(test);
  }
}
