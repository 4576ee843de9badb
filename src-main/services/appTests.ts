// The app's side of kernel tests: runTests and getTestsState of the API over the test service
// (testRun.ts), its progress as TestEvents, and the Tests tab's state kept here (folded from the
// same events, with their sequence numbers) so that a window that loads starts from it.
import type { BootlabEvent, Profile, ProjectInfo } from '../shared/api.js';
import { applyTestEvent, emptyTestsState, failedExecutables, isTestEvent, type TestEvent, type TestRunRequest, type TestsApi, type TestsState } from '../shared/tests.js';
import { runTests } from './testRun.js';
import type { ToolchainCheck } from './toolchain.js';

export interface AppTestsOptions {
  emit: (event: BootlabEvent) => void;
  project: () => ProjectInfo | undefined;
  toolchain: () => Promise<ToolchainCheck>;
  profile: () => Profile;
  /** A Build and Boot (or Build, or Boot) is in progress: tests wait for it to end. */
  busy: () => boolean;
  targetDir?: string;
  env: NodeJS.ProcessEnv;
  /** At most this many QEMUs at once (default: the machine's cores). */
  jobs?: number;
}

export interface AppTests {
  api: TestsApi;
  /** True while a test run is in progress. */
  running(): boolean;
  /** Ends the test run in progress, if any, and waits for it. */
  stop(): Promise<void>;
  /** Folds the service's own events (with their sequence numbers) into the Tests tab's state. */
  follow(onEvent: (listener: (event: BootlabEvent, seq: number) => void) => () => void): void;
}

/** Lines of cargo output a test run keeps for the Tests tab (a failed build shows them). */
const LOG_LINES = 2000;

export function createAppTests(options: AppTestsOptions): AppTests {
  let state: TestsState = emptyTestsState();
  let runId = 0;
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  const emit = (event: TestEvent) => options.emit(event);

  const run = async (request: TestRunRequest): Promise<void> => {
    const project = options.project();
    if (!project) throw new Error('Open a kernel project first');
    if (current) throw new Error('The tests are already running: stop them first');
    if (options.busy()) throw new Error('A build or boot is in progress: stop it first');
    let executables = request.executables;
    if (request.failedOnly) {
      executables = failedExecutables(state);
      if (executables.length === 0) throw new Error('No failed tests to run again');
    }
    const tc = await options.toolchain();
    if (!tc.rust) throw new Error('No Rust toolchain that can build kernels was found: see the Toolchain panel');
    const controller = new AbortController();
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    current = { controller, done };
    const id = ++runId;
    let logged = 0;
    try {
      emit({ type: 'tests-start', runId: id, ...(executables ? { executables } : {}) });
      const result = await runTests({
        projectDir: project.dir,
        toolchain: tc.rust,
        profile: request.profile ?? options.profile(),
        only: executables,
        env: options.env,
        targetDir: options.targetDir,
        jobs: options.jobs,
        signal: controller.signal,
        onLine: (text) => {
          if (logged++ < LOG_LINES) emit({ type: 'test-log', runId: id, text });
        },
        onExecutables: (list) => emit({ type: 'tests-built', runId: id, executables: list }),
        onExecutableStart: (exe) => emit({ type: 'test-executable-start', runId: id, id: exe.id }),
        onTest: (exe, test) => emit({ type: 'test-case', runId: id, id: exe.id, test: { ...test } }),
        onExecutableEnd: (result) => emit({ type: 'test-executable-end', runId: id, result }),
      });
      emit({ type: 'tests-end', runId: id, tally: result.tally, ms: result.ms, cancelled: result.cancelled, ...(result.error && !result.cancelled ? { error: result.error } : {}) });
    } finally {
      current = undefined;
      finished();
    }
  };

  return {
    api: {
      runTests: run,
      async getTestsState() {
        return state;
      },
    },
    running: () => current !== undefined,
    async stop() {
      const c = current;
      if (!c) return;
      c.controller.abort();
      await c.done;
    },
    follow(onEvent) {
      onEvent((event, seq) => {
        if (!isTestEvent(event)) return;
        state = { ...applyTestEvent(state, event), seq };
      });
    },
  };
}
