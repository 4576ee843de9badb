// The app's side of kernel tests: runTests and getTestsState of the API over the test service
// (testRun.ts), its progress as TestEvents, and the Tests tab's state kept here (folded from the
// same events, with their sequence numbers) so that a window that loads starts from it. Also
// watch mode (setWatch), which repeats the last action, tests or Build and Boot, on each change.
import type { BootlabApi, BootlabEvent, Profile, ProjectInfo, RunOptions } from '../shared/api.js';
import { applyTestEvent, emptyTestsState, failedExecutables, isTestEvent, type TestEvent, type TestRunRequest, type TestsApi, type TestsState, type WatchAction } from '../shared/tests.js';
import { watchCrate, type CrateWatch } from './crateWatch.js';
import type { QemuSession } from './qemu.js';
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
  /**
   * A test kernel timed out: true when the caller keeps its VM paused there (for the Inspector;
   * the caller ends it), false to end it as usual.
   */
  keepTimedOut?: (session: QemuSession, kernelPath: string) => boolean;
}

export interface AppTests {
  api: TestsApi;
  /** True while a test run is in progress. */
  running(): boolean;
  /** Ends the test run in progress, if any, and waits for it. */
  stop(): Promise<void>;
  /**
   * Joins the service: folds its events (with their sequence numbers) into the Tests tab's state,
   * records its Build / Boot / Build and Boot requests for watch mode, closes the watcher on dispose.
   */
  attach(service: AttachedService): void;
}

/** The parts of the service that tests and watch mode use. */
export type AttachedService = Pick<BootlabApi, 'build' | 'boot' | 'buildAndBoot' | 'stop'> & {
  onEvent(listener: (event: BootlabEvent, seq: number) => void): () => void;
  dispose(): Promise<void>;
};

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
    // Taken before the first await: a second request (a click, a watch restart) sees it at once.
    const controller = new AbortController();
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    current = { controller, done };
    const id = ++runId;
    let logged = 0;
    try {
      const tc = await options.toolchain();
      if (!tc.rust) throw new Error('No Rust toolchain that can build kernels was found: see the Toolchain panel');
      if (controller.signal.aborted) return;
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
        keepTimedOut: options.keepTimedOut
          ? (exe, session) => {
              if (!options.keepTimedOut!(session, exe.path)) return false;
              emit({ type: 'test-paused-vm', runId: id, id: exe.id, kept: true });
              void session.exit.then(() => emit({ type: 'test-paused-vm', runId: id, id: exe.id, kept: false }));
              return true;
            }
          : undefined,
      });
      emit({ type: 'tests-end', runId: id, tally: result.tally, ms: result.ms, cancelled: result.cancelled, ...(result.error && !result.cancelled ? { error: result.error } : {}) });
    } finally {
      current = undefined;
      finished();
    }
  };

  // Watch mode: the last action (recorded by attach) runs again after each saved change.
  let service: AttachedService | undefined;
  let last: { action: WatchAction; options: RunOptions } | undefined;
  let watcher: CrateWatch | undefined;
  let watchedDir: string | undefined;
  /** Restarts one after another: each stops what runs, then starts (never waits for the run's end). */
  let restarting: Promise<void> = Promise.resolve();

  const repeat = (paths: string[]) => {
    const s = service;
    const again = last;
    if (!s || !again) return;
    emit({ type: 'watch-trigger', paths, action: again.action });
    restarting = restarting.then(async () => {
      await s.stop();
      const started = again.action === 'test' ? run(again.options as TestRunRequest) : s[again.action](again.options);
      // Its failures are the run's own events; a refusal (no project any more) ends nothing.
      started.catch(() => {});
    });
  };
  const watchDir = (dir: string | undefined) => {
    watcher?.close();
    watcher = undefined;
    watchedDir = dir;
    if (dir) watcher = watchCrate({ dir, onChange: repeat });
  };

  const setWatch = async (on: boolean): Promise<void> => {
    if (on) {
      const project = options.project();
      if (!project) throw new Error('Open a kernel project first');
      watchDir(project.dir);
      emit({ type: 'watch', on: true, dir: project.dir });
    } else {
      watchDir(undefined);
      emit({ type: 'watch', on: false });
    }
  };

  return {
    api: {
      runTests: (request) => {
        last = { action: 'test', options: request };
        return run(request);
      },
      async getTestsState() {
        return state;
      },
      setWatch,
    },
    running: () => current !== undefined,
    async stop() {
      const c = current;
      if (!c) return;
      c.controller.abort();
      await c.done;
    },
    attach(target) {
      service = target;
      target.onEvent((event, seq) => {
        // Another project opened while watching: watch that one.
        if (event.type === 'project' && watcher && event.project.dir !== watchedDir) watchDir(event.project.dir);
        if (!isTestEvent(event)) return;
        state = { ...applyTestEvent(state, event), seq };
      });
      // What watch mode repeats: the service's own actions are recorded as they are asked for.
      for (const action of ['build', 'boot', 'buildAndBoot'] as const) {
        const original = target[action].bind(target);
        target[action] = (runOptions: RunOptions) => {
          last = { action: action === 'boot' ? 'buildAndBoot' : action, options: runOptions };
          return original(runOptions);
        };
      }
      const dispose = target.dispose.bind(target);
      target.dispose = async () => {
        watchDir(undefined);
        await dispose();
      };
    },
  };
}
