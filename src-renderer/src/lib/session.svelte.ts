// The window's model: what the toolbar, the status line and each view show, fed by the
// services' events and driving the services through the API. Errors from the services become
// messages here (never a blank screen).
import type {
  BootlabEvent,
  ConsoleDisplay,
  CpuState,
  Diagnostic,
  Firmware,
  ProjectInfo,
  Profile,
  RunOutcome,
  SessionSnapshot,
  SourceLocation,
  StageName,
  ToolchainReport,
} from '../../../src-main/shared/api.js';
import type { ClientApi, ConnectionState } from './api.js';
import { BuildLogModel } from './buildLog.svelte.js';
import { MemoryMapModel } from './memoryMapModel.svelte.js';
import { SerialModel } from './serial.svelte.js';
import { frameScheduler, throttled, type Scheduler } from './schedule.js';
import { blankScreen, decodeScreenBase64, type VgaScreen } from './vga.js';
import { ScreenModel } from './screen.svelte.js';

export type TabId = 'build' | 'console' | 'memory' | 'tests' | 'inspector';
export const TABS: { id: TabId; label: string }[] = [
  { id: 'build', label: 'Build log' },
  { id: 'console', label: 'Boot console' },
  { id: 'memory', label: 'Memory map' },
  { id: 'tests', label: 'Tests' },
  { id: 'inspector', label: 'Inspector' },
];

export const STAGE_LABELS: Record<StageName, string> = {
  build: 'Build',
  assemble: 'Assemble',
  plan: 'Plan',
  image: 'Image',
  boot: 'Boot',
};

export interface StageStatus {
  stage: StageName;
  state: 'running' | 'ok' | 'failed';
  startedAt: number;
  ms?: number;
  detail?: string;
}

export interface Message {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export type Action = 'build' | 'boot' | 'buildAndBoot' | 'stop';

export class SessionModel {
  project: ProjectInfo | undefined = $state(undefined);
  projectInput = $state('');
  profile: Profile = $state('debug');
  /** The Firmware select: the project's own (ProjectInfo.firmware) until the user picks one. */
  firmware: Firmware = $state('bios');
  running = $state(false);
  /** The action waiting for its answer, so buttons do not fire twice. */
  busy: Action | 'open' | undefined = $state(undefined);
  toolchain: ToolchainReport | undefined = $state(undefined);
  connection: ConnectionState = $state('connecting');
  version = $state('');
  messages: Message[] = $state([]);
  activeTab: TabId = $state('build');
  stages: StageStatus[] = $state([]);
  diagnostics: Diagnostic[] = $state.raw([]);
  bootLog: string[] = $state.raw([]);
  vga: VgaScreen = $state.raw(blankScreen());
  vgaSeen = $state(false);
  /** What the Boot console shows in place of the VGA text rows (the Screen, a UEFI note). */
  display: ConsoleDisplay = $state('vga-text');
  /** A refused Screen frame was reported in this run (one message, not one per frame). */
  #screenErrorShown = false;
  outcome: RunOutcome | undefined = $state.raw(undefined);
  /** What the running VM's CPU is doing (cpuState.ts in the service): an idle OS is not stuck. */
  cpuState: CpuState | undefined = $state(undefined);
  /** The finished run's VM is kept paused where it ended, for the Inspector, until Stop or the next run. */
  pausedVm = $state(false);
  artifact: { kernelPath?: string; imagePath?: string; imageBytes?: number; elfBytes?: number } | undefined = $state.raw(undefined);
  runId = 0;

  readonly buildLog: BuildLogModel;
  readonly serial: SerialModel;
  readonly memoryMap = new MemoryMapModel();
  readonly screen = new ScreenModel();

  #nextMessage = 1;
  #now: () => number;

  missingTools = $derived(this.toolchain ? this.toolchain.tools.filter((t) => !t.found) : []);
  canRun = $derived(this.connection === 'open' && !this.running && this.busy === undefined);

  constructor(
    private readonly api: ClientApi,
    options: { schedule?: Scheduler; now?: () => number } = {},
  ) {
    const schedule = options.schedule ?? frameScheduler;
    this.buildLog = new BuildLogModel(schedule);
    // The terminal re-renders its whole screen for each write: 20 writes a second are plenty.
    this.serial = new SerialModel(options.schedule ?? throttled(50));
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Subscribes to the services and loads the state, again after every reconnection (browser
   * mode), so the window shows the session the service kept. Returns the unsubscribe function.
   */
  start(): () => void {
    const offEvent = this.api.onEvent((event, seq) => this.#receive(event, seq));
    const offConnection = this.api.onConnection
      ? this.api.onConnection((state, detail) => {
          this.connection = state;
          if (state === 'closed' && detail) this.report(detail);
          if (state === 'open') void this.load();
        })
      : ((this.connection = 'open'), void this.load(), () => {});
    return () => {
      offEvent();
      offConnection();
    };
  }

  /** The last event sequence number shown; pushed events at or below it are already shown. */
  #seq = 0;
  /** Events that arrive while a snapshot is on its way wait here, then the newer ones apply. */
  #waiting: { event: BootlabEvent; seq?: number }[] | undefined;
  #loads = 0;

  #receive(event: BootlabEvent, seq?: number): void {
    if (this.#waiting) {
      this.#waiting.push({ event, seq });
      return;
    }
    if (seq !== undefined) {
      if (seq <= this.#seq) return;
      this.#seq = seq;
    }
    this.handle(event);
  }

  async load(): Promise<void> {
    const load = ++this.#loads;
    this.#waiting ??= [];
    try {
      const state = await this.api.getState();
      if (load !== this.#loads) return; // a newer load (a later reconnection) answers instead
      this.version = state.version;
      this.profile = state.settings.profile;
      this.toolchain = state.toolchain;
      // A settings file that was partly unusable: shown as a message the user can dismiss.
      if (state.settingsWarning) this.report(state.settingsWarning, 'info');
      if (state.project) this.setProject(state.project);
      if (state.session) this.#applySession(state.session, load === 1);
      this.running = state.running;
    } catch (error) {
      // A load cut short by a lost connection is retried when it comes back.
      if (load === this.#loads && this.connection !== 'reconnecting') this.report(error);
    } finally {
      if (load === this.#loads) {
        const waiting = this.#waiting ?? [];
        this.#waiting = undefined;
        for (const { event, seq } of waiting) this.#receive(event, seq);
      }
    }
  }

  /** Shows the session as the service kept it (a reload, a new tab, a reconnection). */
  #applySession(session: SessionSnapshot, firstLoad: boolean): void {
    this.#seq = session.seq;
    this.runId = session.runId;
    const now = this.#now();
    this.stages = session.stages.map((s) => ({
      stage: s.stage,
      state: s.state,
      ms: s.ms,
      detail: s.detail,
      startedAt: now - (s.elapsedMs ?? s.ms ?? 0),
    }));
    this.buildLog.clear();
    if (session.logDropped > 0) this.buildLog.append(`(${session.logDropped} earlier messages of this log are not kept)`, 'bootlab');
    for (const line of session.log) this.buildLog.append(line.text, line.source);
    this.diagnostics = session.diagnostics;
    this.artifact = session.artifact;
    this.serial.clear();
    if (session.serialBase64) this.serial.pushBase64(session.serialBase64);
    this.bootLog = session.bootLog;
    this.vga = session.vga ? decodeScreenBase64(session.vga.base64, session.vga.cursor) : blankScreen();
    this.vgaSeen = session.vga !== undefined;
    this.display = session.display ?? 'vga-text';
    try {
      this.screen.load(session.screen);
    } catch (error) {
      this.screen.clear();
      this.report(error);
    }
    // The same map again (a reconnection) keeps the user's selection in it.
    if (!session.memoryMap) this.memoryMap.clear();
    else if (JSON.stringify(session.memoryMap) !== JSON.stringify(this.memoryMap.map)) this.memoryMap.set(session.memoryMap);
    this.outcome = session.outcome;
    this.cpuState = session.cpuState;
    this.pausedVm = session.pausedVm === true;
    // A fresh window opens on the view the run was showing; a reconnection keeps the user's tab.
    if (firstLoad) {
      if (this.diagnostics.some((d) => d.level === 'error')) this.activeTab = 'build';
      else if (this.stages.some((s) => s.stage === 'boot')) this.activeTab = 'console';
    }
  }

  /** `keepInput`: the same project again (e.g. its new last build): leave what is being typed. */
  setProject(project: ProjectInfo, keepInput = false): void {
    this.project = project;
    if (!keepInput) {
      this.projectInput = project.dir;
      this.firmware = project.firmware ?? 'bios';
    }
  }

  /** Shows one message at a time: the newest replaces the last (they do not pile up). */
  report(error: unknown, kind: Message['kind'] = 'error'): void {
    const text = error instanceof Error ? error.message : String(error);
    this.messages = [{ id: this.#nextMessage++, kind, text }];
  }

  /** Why an action cannot run now (the buttons' tooltip), or undefined when it can. */
  blockedReason(action: Exclude<Action, 'stop'>): string | undefined {
    if (this.connection !== 'open') return 'Not connected to the Bootlab services';
    if (this.running) return 'A run is in progress: Stop it first';
    if (this.busy !== undefined) return 'Waiting for the last action to answer';
    if (!this.project) return 'Open a kernel project first: type its folder in Kernel project and press Enter, or choose Sample';
    if (action === 'boot' && !this.project.lastBuild) return 'Nothing to boot yet: build this project first';
    return undefined;
  }

  /** A rejected path is not kept in the field as if it were the project. */
  #rejectPath(error: unknown): void {
    this.report(error);
    this.projectInput = this.project?.dir ?? '';
  }

  dismiss(id: number): void {
    this.messages = this.messages.filter((m) => m.id !== id);
  }

  async #call(action: Action | 'open', run: () => Promise<unknown>): Promise<void> {
    this.busy = action;
    try {
      await run();
    } catch (error) {
      this.report(error);
    } finally {
      this.busy = undefined;
    }
  }

  async openProject(dir: string = this.projectInput.trim()): Promise<void> {
    if (!dir) {
      this.report('Type the folder of a kernel crate (the folder with its Cargo.toml).');
      return;
    }
    this.busy = 'open';
    try {
      this.setProject(await this.api.openProject(dir));
      this.messages = [];
    } catch (error) {
      this.#rejectPath(error);
    } finally {
      this.busy = undefined;
    }
  }

  async openSample(): Promise<void> {
    await this.#call('open', async () => this.setProject(await this.api.openSampleProject()));
  }

  async #ensureProject(): Promise<boolean> {
    const typed = this.projectInput.trim();
    if (typed && typed !== this.project?.dir) {
      try {
        this.setProject(await this.api.openProject(typed));
      } catch (error) {
        this.#rejectPath(error);
        return false;
      }
    }
    return true;
  }

  async run(action: Exclude<Action, 'stop'>): Promise<void> {
    if (!this.canRun) return;
    this.busy = action;
    try {
      if (!(await this.#ensureProject())) return;
      this.busy = undefined;
      // Shortcuts reach here even while the button is disabled: say why nothing happens.
      const reason = this.blockedReason(action);
      if (reason) return this.report(reason, 'info');
      this.busy = action;
      await this.api[action]({ profile: this.profile, firmware: this.firmware });
    } catch (error) {
      this.report(error);
    } finally {
      this.busy = undefined;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.api.stop();
    } catch (error) {
      this.report(error);
    }
  }

  async setProfile(profile: Profile): Promise<void> {
    this.profile = profile;
    try {
      await this.api.setSettings({ profile });
    } catch (error) {
      this.report(error);
    }
  }

  /** Opens a place (a diagnostic, a panic location, a frame) in the user's editor; a refusal is a message. */
  async openLocation(location: SourceLocation): Promise<void> {
    try {
      await this.api.openLocation(location);
    } catch (error) {
      this.report(error);
    }
  }

  async recheckToolchain(): Promise<void> {
    try {
      this.toolchain = await this.api.checkToolchain();
    } catch (error) {
      this.report(error);
    }
  }

  #resetRun(action: 'build' | 'boot' | 'build-and-boot'): void {
    this.stages = [];
    this.outcome = undefined;
    this.cpuState = undefined;
    if (action !== 'boot') {
      this.buildLog.clear();
      this.diagnostics = [];
      this.artifact = undefined;
    }
    if (action !== 'build') {
      this.serial.clear();
      this.bootLog = [];
      this.vga = blankScreen();
      this.vgaSeen = false;
      this.display = 'vga-text';
      this.screen.clear();
      this.#screenErrorShown = false;
      this.memoryMap.clear();
    }
  }

  handle(event: BootlabEvent): void {
    switch (event.type) {
      case 'run-start':
        this.runId = event.runId;
        this.running = true;
        this.pausedVm = false;
        this.#resetRun(event.action);
        if (event.action !== 'boot') this.activeTab = 'build';
        break;
      case 'stage-start':
        this.stages = [...this.stages.filter((s) => s.stage !== event.stage), { stage: event.stage, state: 'running', startedAt: this.#now() }];
        if (event.stage === 'boot') this.activeTab = 'console';
        break;
      case 'stage-end':
        this.stages = this.stages.map((s) =>
          s.stage === event.stage ? { ...s, state: event.ok ? 'ok' : 'failed', ms: event.ms, detail: event.detail } : s,
        );
        if (!this.stages.some((s) => s.stage === event.stage)) {
          this.stages = [...this.stages, { stage: event.stage, state: event.ok ? 'ok' : 'failed', startedAt: this.#now(), ms: event.ms, detail: event.detail }];
        }
        break;
      case 'log':
        this.buildLog.append(event.text, event.source);
        break;
      case 'diagnostic':
        // Its rendering reaches the build log as the compiler's own output (a log event).
        this.diagnostics = [...this.diagnostics, event.diagnostic];
        break;
      case 'artifact':
        this.artifact = { ...this.artifact, ...event };
        break;
      case 'serial':
        this.serial.pushBase64(event.base64);
        break;
      case 'boot-log':
        this.bootLog = [...this.bootLog, event.line];
        break;
      case 'vga':
        this.vga = decodeScreenBase64(event.base64, event.cursor);
        this.vgaSeen = true;
        break;
      case 'display':
        this.display = event.display;
        break;
      case 'screen':
        try {
          this.screen.apply(event.frame);
        } catch (error) {
          if (!this.#screenErrorShown) this.report(error);
          this.#screenErrorShown = true;
        }
        break;
      case 'memory-map':
        this.memoryMap.set(event.map);
        break;
      case 'cpu-state':
        this.cpuState = event.state;
        break;
      case 'paused-vm':
        if (event.runId === this.runId) this.pausedVm = event.kept;
        break;
      case 'run-end':
        this.running = false;
        this.cpuState = undefined;
        this.outcome = event.outcome;
        this.stages = this.stages.map((s) => (s.state === 'running' ? { ...s, state: 'failed', ms: this.#now() - s.startedAt } : s));
        if (event.outcome.kind === 'error' && this.diagnostics.length === 0 && !this.stages.some((s) => s.stage === 'boot')) {
          this.activeTab = 'build';
        } else if (this.stages.some((s) => s.stage === 'boot') || event.outcome.kind === 'triple-fault') {
          this.activeTab = 'console';
        }
        if (this.diagnostics.some((d) => d.level === 'error')) this.activeTab = 'build';
        break;
      case 'toolchain':
        this.toolchain = event.report;
        break;
      case 'project':
        this.setProject(event.project, event.project.dir === this.project?.dir);
        break;
    }
  }

  /** The status line's summary of the run. */
  get statusText(): string {
    if (this.connection === 'connecting') return 'Connecting…';
    if (this.connection === 'closed') return 'Disconnected';
    if (this.connection === 'reconnecting') return 'Reconnecting…';
    const current = this.stages.find((s) => s.state === 'running');
    if (current) return `${STAGE_LABELS[current.stage]}…`;
    if (this.outcome) return this.outcome.message;
    if (this.running && this.cpuState === 'idle') return 'Running: the CPU is idle, waiting for interrupts';
    if (this.running) return 'Running…';
    return 'Ready';
  }
}
