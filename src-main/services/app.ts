// The Bootlab service: the BootlabApi of ../shared/api.ts over the pipeline, the toolchain
// doctor and the settings, plus an event stream. The Electron shell and browser mode both host
// exactly this object.
import { cpSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AppState,
  BootlabApi,
  BootlabEvent,
  ProjectInfo,
  RunOptions,
  Settings,
  SourceLocation,
  ToolchainReport,
} from '../shared/api.js';
import { VERSION } from '../shared/version.js';
import { defaultAssemble, defaultDiskImageSteps, bootLogMemoryMap } from './bootParts.js';
import type { BootLogParser, DiskImageSteps } from './images.js';
import { projectFirmware } from './firmware.js';
import { readKernelManifest } from './manifest.js';
import { buildAndBoot, type RunAction } from './pipeline.js';
import { checkProjectDir } from './projectCheck.js';
import type { QemuSession } from './qemu.js';
import { defaultSettingsPath, documentsDir, SettingsStore } from './settings.js';
import { SessionRecord } from './sessionRecord.js';
import { checkToolchain, type ToolchainCheck } from './toolchain.js';
import { createAppTests } from './appTests.js';
import { openLocation } from './openLocation.js';
import { createAppInspector } from './inspect/appInspector.js';

export interface BootlabServiceOptions {
  /** Bootlab's resources folder (holds sample-kernel/). */
  resourcesDir: string;
  settingsPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the sample kernel is copied (default: <documents>/Bootlab/sample-kernel). */
  sampleDir?: string;
  /** cargo's target folder for every project (default: each crate's own). */
  targetDir?: string;
  diskImage?: DiskImageSteps<any>;
  parseBootLog?: BootLogParser;
  vgaIntervalMs?: number;
  /** Extra QEMU arguments for every boot (tests). */
  extraQemuArgs?: string[];
}

/** Receives each event with its sequence number (see SessionSnapshot.seq). */
export type EventListener = (event: BootlabEvent, seq: number) => void;

export type BootlabService = BootlabApi & {
  onEvent(listener: EventListener): () => void;
  dispose(): Promise<void>;
  /** The settings file's problem at start (corrupt file replaced by defaults), if any. */
  readonly settingsProblem?: string;
};

export function createBootlabService(options: BootlabServiceOptions): BootlabService {
  const env = options.env ?? process.env;
  const store = new SettingsStore(options.settingsPath ?? defaultSettingsPath(env));
  const listeners = new Set<EventListener>();
  // The session lives here, not in a window: a reload or a new tab starts from its snapshot.
  const record = new SessionRecord();
  let project: ProjectInfo | undefined;
  let toolchain: ToolchainCheck | undefined;
  let toolchainPending: Promise<ToolchainCheck> | undefined;
  let runId = 0;
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  let session: QemuSession | undefined;
  // The last run's VM, kept paused where it halted, faulted or timed out, for the Inspector:
  // Stop, the next run or the tests end it.
  let pausedVm: QemuSession | undefined;
  const endPausedVm = async (): Promise<void> => {
    const vm = pausedVm;
    pausedVm = undefined;
    if (!vm) return;
    vm.stop();
    await vm.exit;
  };
  // Each project's last good build, by folder: what Boot boots (Boot itself never builds).
  const lastBuilds = new Map<string, NonNullable<ProjectInfo['lastBuild']>>();
  let disposed = false;

  const emit = (event: BootlabEvent) => {
    const seq = record.record(event);
    for (const l of [...listeners]) {
      try {
        l(event, seq);
      } catch {
        // a listener's failure must not stop the run
      }
    }
  };

  const refreshToolchain = (): Promise<ToolchainCheck> => {
    const s = store.get();
    toolchainPending = checkToolchain({
      env,
      settings: { cargoPath: s.cargoPath, rustcPath: s.rustcPath, qemuPath: s.qemuPath },
    }).then((check) => {
      toolchain = check;
      emit({ type: 'toolchain', report: check.report });
      return check;
    });
    return toolchainPending;
  };
  const getToolchain = async (): Promise<ToolchainCheck> => toolchain ?? (await (toolchainPending ?? refreshToolchain()));
  // Kernel tests (runTests, getTestsState): runs of their own, never beside a Build and Boot.
  const tests = createAppTests({
    emit,
    project: () => project,
    toolchain: getToolchain,
    profile: () => store.get().profile,
    busy: () => current !== undefined,
    targetDir: options.targetDir,
    env,
    // A test kernel that timed out: the first one's VM stays paused there for the Inspector.
    keepTimedOut: (s, kernelPath) => {
      if (pausedVm) return false;
      keepPaused(s, kernelPath);
      return true;
    },
  });
  // Pause, resume, step and the inspector's reads of the running VM.
  const inspector = createAppInspector({ session: () => session ?? pausedVm, project: () => project, env, emit });
  const keepPaused = (s: QemuSession, kernelPath?: string) => {
    pausedVm = s;
    inspector.pausedAtEnd(s, kernelPath);
    // QEMU may still end by itself (killed from outside, or a kernel let run again exits): then nothing is kept.
    void s.exit.then(() => {
      if (pausedVm === s) pausedVm = undefined;
    });
  };

  const openProject = async (dir: string): Promise<ProjectInfo> => {
    const { dir: projectDir, manifestPath } = checkProjectDir(dir);
    const tc = await getToolchain();
    const manifest = await readKernelManifest(manifestPath, { toolchain: tc.rust, env });
    project = { dir: projectDir, name: manifest.packageName, manifestPath, features: manifest.features, lastBuild: lastBuilds.get(projectDir), firmware: projectFirmware(env, manifestPath) };
    const s = store.get();
    const recent = [projectDir, ...s.recentProjects.filter((p) => p !== projectDir)].slice(0, 10);
    try {
      store.set({ lastProject: projectDir, recentProjects: recent });
    } catch {
      // settings are a convenience; a read-only folder must not block opening
    }
    emit({ type: 'project', project });
    return project;
  };

  const run = async (action: RunAction, runOptions: RunOptions): Promise<void> => {
    if (disposed) throw new Error('Bootlab is shutting down');
    if (!project) throw new Error('Open a kernel project first');
    if (current) throw new Error('A run is already in progress: stop it first');
    if (tests.running()) throw new Error('The tests are running: stop them first');
    await endPausedVm();
    const controller = new AbortController();
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    current = { controller, done };
    try {
      const settings = store.get();
      const profile = runOptions.profile ?? settings.profile;
      const tc = await getToolchain();
      const parseBootLog = options.parseBootLog ?? bootLogMemoryMap;
      const id = ++runId;
      const projectDir = project.dir;
      const kernelPath = action === 'boot' ? lastBuilds.get(projectDir)?.kernelPath : undefined;
      await buildAndBoot(projectDir, {
        runId: id,
        action,
        profile,
        firmware: runOptions.firmware,
        settings,
        rust: tc.rust,
        qemu: tc.qemu,
        emit: (event) => {
          emit(event);
          // A finished build (its artifact, before any image): Boot has something to boot now,
          // and the window learns it at once, while the run goes on (run-end stays the last event).
          if (event.type === 'artifact' && event.kernelPath && !event.imagePath && action !== 'boot') {
            const lastBuild = { kernelPath: event.kernelPath, profile };
            lastBuilds.set(projectDir, lastBuild);
            if (project?.dir === projectDir) emit({ type: 'project', project: (project = { ...project, lastBuild }) });
          }
        },
        signal: controller.signal,
        diskImage: options.diskImage ?? defaultDiskImageSteps,
        assemble: options.diskImage ? undefined : defaultAssemble,
        parseBootLog,
        kernelPath,
        targetDir: options.targetDir,
        vgaIntervalMs: options.vgaIntervalMs,
        extraQemuArgs: options.extraQemuArgs,
        env,
        missingRustMessage: missingMessage(tc.report, ['cargo', 'rustc', 'rust-src', 'target', 'linker'], 'No Rust toolchain that can build kernels was found.'),
        missingQemuMessage: missingMessage(tc.report, ['qemu'], 'QEMU was not found.'),
        onSession: (s) => (session = s),
        keepPausedAtEnd: (s) => keepPaused(s),
      });
    } finally {
      session = undefined;
      current = undefined;
      finished();
    }
  };

  const stop = async (): Promise<void> => {
    await tests.stop();
    await endPausedVm();
    const c = current;
    if (!c) return;
    c.controller.abort();
    await c.done;
  };

  const service: BootlabService = {
    settingsProblem: store.problem,
    async getState(): Promise<AppState> {
      const tc = await getToolchain();
      // Synchronous from here on: the snapshot and `running` describe the same moment.
      return { project, settings: store.get(), settingsWarning: store.problem, toolchain: tc.report, running: current !== undefined, version: VERSION, session: record.snapshot() };
    },
    openProject,
    async openSampleProject(): Promise<ProjectInfo> {
      const source = join(options.resourcesDir, 'sample-kernel');
      const target = options.sampleDir ?? join(documentsDir(env), 'Bootlab', 'sample-kernel');
      if (!existsSync(join(target, 'Cargo.toml'))) {
        if (!existsSync(join(source, 'Cargo.toml'))) throw new Error(`the sample kernel is missing from ${source}`);
        cpSync(source, target, {
          recursive: true,
          filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(source.length)),
        });
      }
      return openProject(target);
    },
    build: (o) => run('build', o),
    boot: (o) => run('boot', o),
    buildAndBoot: (o) => run('build-and-boot', o),
    stop,
    async reset(): Promise<void> {
      if (session) await session.reset();
      // A VM kept where its run ended starts again (and is watched, as after Resume).
      else if (pausedVm) await inspector.resetKept(pausedVm);
      else throw new Error('No virtual machine is running');
    },
    async getSettings(): Promise<Settings> {
      return store.get();
    },
    async setSettings(patch: Partial<Settings>): Promise<Settings> {
      const before = store.get();
      const next = store.set(patch);
      if (next.cargoPath !== before.cargoPath || next.rustcPath !== before.rustcPath || next.qemuPath !== before.qemuPath) {
        toolchain = undefined;
        void refreshToolchain();
      }
      return next;
    },
    async checkToolchain(): Promise<ToolchainReport> {
      return (await refreshToolchain()).report;
    },
    async readGuestMemory(address: number, length: number): Promise<string> {
      if (!session) throw new Error('No virtual machine is running');
      return (await session.readMemory(address, length)).toString('base64');
    },
    async openLocation(location: SourceLocation): Promise<void> {
      if (!project) throw new Error('Open a kernel project first');
      await openLocation(project.dir, location, { editor: store.get().editorCommand, env });
    },
    ...tests.api,
    async runTests(testOptions) {
      // A test run boots machines of its own: the last run's paused VM goes first.
      if (!current && !tests.running()) await endPausedVm();
      return tests.api.runTests(testOptions);
    },
    ...inspector.api,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async dispose(): Promise<void> {
      disposed = true;
      await stop();
      listeners.clear();
    },
  };
  tests.attach(service);
  inspector.follow(service.onEvent);
  return service;
}

/** The doctor's words for the missing tools: what is missing and the command that installs it. */
function missingMessage(report: ToolchainReport, names: string[], headline: string): string {
  const missing = report.tools.filter((t) => names.includes(t.name) && !t.found && !t.optional);
  const lines = missing.map((t) => `${t.name}: ${t.detail ?? 'missing'}${t.install ? ` (install: ${t.install})` : ''}`);
  return [headline, ...lines].join('\n');
}

/** True when `dir` looks like a kernel crate folder. */
export function isCrateDir(dir: string): boolean {
  try {
    return statSync(join(dir, 'Cargo.toml')).isFile();
  } catch {
    return false;
  }
}
