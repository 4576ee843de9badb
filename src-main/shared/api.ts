// The one API contract between Bootlab's services and its renderer. The Electron preload,
// the IPC registration, the browser-mode WebSocket bridge and the renderer all import this
// file, so a change here is a change everywhere at once.
import type { TestEvent, TestsApi } from './tests.js';
import type { InspectorApi } from './inspector.js';
import type { ConsoleDisplay, ScreenFrame, ScreenPicture } from './screen.js';

export type { ConsoleDisplay, ScreenFrame, ScreenPicture } from './screen.js';

export type Profile = 'debug' | 'release';
/** The firmware QEMU starts with (DESIGN "Firmware"); images are hybrid, so either boots them. */
export type Firmware = 'bios' | 'uefi';

/** The 0.9 `MemoryRegionType` names (BOOT-CONTRACT section 2). */
export const MEMORY_REGION_TYPES_09 = [
  'Usable',
  'InUse',
  'Reserved',
  'AcpiReclaimable',
  'AcpiNvs',
  'BadMemory',
  'Kernel',
  'KernelStack',
  'PageTable',
  'Bootloader',
  'FrameZero',
  'Empty',
  'BootInfo',
  'Package',
] as const;
/** Kept under its old name: every 0.9 type name (0.11's kinds are patterns, see isMemoryRegionType). */
export const MEMORY_REGION_TYPES = MEMORY_REGION_TYPES_09;

/**
 * A region's type, everywhere the memory map appears (events, `--memory-map` JSON, the UI).
 * 0.9 kernels: the 0.9 enum names. bootloader_api 0.11 kernels (BOOT-CONTRACT-011 §2.3): `Usable`,
 * `Bootloader`, `UnknownBios(N)` (an E820 type other than 1) and `UnknownUefi(N)` (a UEFI memory
 * type that is not usable after boot), N in decimal. This amends DESIGN.md's Decision on the
 * memory map's shape (its `type` is no longer only a 0.9 name).
 */
export type MemoryRegionType = (typeof MEMORY_REGION_TYPES_09)[number] | `UnknownBios(${number})` | `UnknownUefi(${number})`;

/** Whether a name is a region type of either contract (`UnknownBios(7)`: N decimal, 0..4294967295). */
export function isMemoryRegionType(name: string): name is MemoryRegionType {
  if ((MEMORY_REGION_TYPES_09 as readonly string[]).includes(name)) return true;
  const m = /^Unknown(?:Bios|Uefi)\((0|[1-9]\d{0,9})\)$/.exec(name);
  return m !== null && Number(m[1]) <= 0xffff_ffff;
}

/** One descriptor of the firmware's UEFI memory map, as GetMemoryMap gave it (byte addresses, `end` exclusive). */
export interface UefiMemoryDescriptor {
  start: number;
  end: number;
  /** EFI_MEMORY_TYPE (7 EfiConventionalMemory, ...). */
  type: number;
  /** The attribute bits (EFI_MEMORY_WB, EFI_MEMORY_RUNTIME, ...), when known; a hex string, they exceed 2^53. */
  attribute?: string;
}

/** A physical range: byte addresses, `end` exclusive. */
export interface MemoryRegion {
  start: number;
  end: number;
  type: MemoryRegionType;
}

/** The map the kernel received, and the raw E820 list it was made from. */
export interface MemoryMap {
  regions: MemoryRegion[];
  e820: MemoryRegion[];
  /**
   * Optional labels for ranges the loader knows more about (kernel segments, page tables, the
   * framebuffer...). A label may cover addresses no region covers (the framebuffer is device memory).
   */
  labels?: { start: number; end: number; label: string }[];
  /** The firmware the machine booted with (UEFI: `e820` was made by Bootlab's UEFI loader from the UEFI map). */
  firmware?: Firmware;
  /** Under UEFI, the firmware's own memory map, when the loader reports it. */
  uefi?: UefiMemoryDescriptor[];
}

export type StageName = 'build' | 'assemble' | 'plan' | 'image' | 'boot';

export interface Diagnostic {
  level: 'error' | 'warning' | 'note' | 'help';
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** The compiler's own rendering, with ANSI colours. */
  rendered?: string;
}

export interface CpuException {
  vector: number;
  name: string;
  errorCode?: number;
  cr2?: number;
  rip?: number;
}

export type RunOutcomeKind =
  | 'success' // test success code, or a normal run that the user ended
  | 'failure' // test failure code or a kernel panic
  | 'timeout'
  | 'triple-fault'
  | 'halted' // the CPU stopped for good (HLT with interrupts off): a neutral end, not an error
  | 'exited' // QEMU exited on its own with a status that means nothing in particular
  | 'stopped' // the user pressed Stop
  | 'error'; // Bootlab could not get as far as running the kernel

export interface RunOutcome {
  kind: RunOutcomeKind;
  /** What a person reads first: "Kernel panicked: ...", "Triple fault in kernel::foo". */
  message: string;
  /** The exit status `bootimage runner` would return for this run. */
  exitCode?: number;
  qemuStatus?: number | null;
  exceptions?: CpuException[];
  rip?: number;
  symbol?: string;
  lastSerialLine?: string;
  panicMessage?: string;
  /** Where the kernel panicked (the `panicked at FILE:LINE:COL` of its message). */
  panicLocation?: SourceLocation;
  /** Where the run ended (halt, fault, timeout): innermost frame first. Empty when unknown. */
  frames?: StackFrame[];
}

/** A file as the compiler recorded it (relative to the crate for the user's own code). */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
}

/** One frame of a backtrace. */
export interface StackFrame {
  address: number;
  /** Demangled function name, without the offset. */
  symbol?: string;
  file?: string;
  line?: number;
  column?: number;
  /** The frame's code is the user's crate (not core, alloc, compiler_builtins or a dependency). */
  inUserCrate: boolean;
}

/** What the CPU is doing while the kernel runs (QMP): idle is HLT with interrupts on. */
export type CpuState = 'running' | 'idle' | 'halted';

export interface ToolStatus {
  name: 'cargo' | 'rustc' | 'qemu' | 'rust-src' | 'target' | 'linker' | 'ovmf';
  found: boolean;
  /** Missing but not needed for the way kernels are built here (shown, not counted as a problem). */
  optional?: boolean;
  path?: string;
  version?: string;
  detail?: string;
  /** The exact command that installs the missing piece on this OS. */
  install?: string;
}

export interface ToolchainReport {
  ok: boolean;
  platform: string;
  tools: ToolStatus[];
  /** How kernels will be built: build-std with rust-src, or a prebuilt target. */
  buildMode?: 'build-std' | 'prebuilt-target';
}

export interface ProjectInfo {
  dir: string;
  name: string;
  manifestPath: string;
  features: string[];
  /** This project's last good build: what Boot boots (Boot never builds; without one it is off). */
  lastBuild?: { kernelPath: string; profile: Profile };
  /** The Firmware select's start value: BOOTLAB_FIRMWARE, else [package.metadata.bootlab] firmware, else BIOS. */
  firmware?: Firmware;
}

export interface Settings {
  cargoPath?: string;
  rustcPath?: string;
  qemuPath?: string;
  profile: Profile;
  /** Extra QEMU arguments the user wants on every boot in the app. */
  qemuArgs: string[];
  recentProjects: string[];
  lastProject?: string;
  /** Opt-in: end a normal run (the app's Boot) after this many seconds. Unset: no timeout. */
  bootTimeoutSeconds?: number;
  /** The editor for source locations: program and arguments with `{file}`, `{line}`, `{column}`. */
  editorCommand?: string[];
  /** The Electron window's last size and place (the app restores it). */
  windowBounds?: WindowBounds;
}

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  profile: 'debug',
  qemuArgs: [],
  recentProjects: [],
};

export interface RunOptions {
  profile?: Profile;
  /** The toolbar's Firmware select; absent: BOOTLAB_FIRMWARE, the crate's metadata, BIOS. */
  firmware?: Firmware;
}

export interface AppState {
  project?: ProjectInfo;
  settings: Settings;
  /** What is wrong with the settings file and what Bootlab did about it (the window shows it). */
  settingsWarning?: string;
  toolchain: ToolchainReport;
  running: boolean;
  version: string;
  /** What the window showed so far: a window that (re)loads starts from this. */
  session: SessionSnapshot;
}

export type RunAction = 'build' | 'boot' | 'build-and-boot';

/** One stage as the session remembers it; `elapsedMs` only while it is still running. */
export interface StageSnapshot {
  stage: StageName;
  state: 'running' | 'ok' | 'failed';
  ms?: number;
  detail?: string;
  elapsedMs?: number;
}

/**
 * The current session, kept by the service so that reloading or reconnecting loses nothing.
 * `seq` is the sequence number of the last event it includes: pushed events carry their own
 * sequence number, and a client drops those at or below `seq`.
 */
export interface SessionSnapshot {
  seq: number;
  /** 0 before the first run. */
  runId: number;
  action?: RunAction;
  running: boolean;
  stages: StageSnapshot[];
  /** The build log's events' texts, in order (the oldest dropped beyond a limit). */
  log: { source: 'cargo' | 'bootlab' | 'qemu'; text: string }[];
  logDropped: number;
  diagnostics: Diagnostic[];
  artifact?: { kernelPath?: string; imagePath?: string; imageBytes?: number; elfBytes?: number };
  /** The serial output's tail (at least the last 1 MiB), base64. */
  serialBase64: string;
  serialDroppedBytes: number;
  bootLog: string[];
  vga?: { base64: string; cursor?: { row: number; col: number } };
  /** What the Boot console shows in place of the VGA text rows (absent: the VGA text rows). */
  display?: ConsoleDisplay;
  /** The Screen's last picture (the run's display as pixels). */
  screen?: ScreenPicture;
  memoryMap?: MemoryMap;
  /** What the VM's CPU was last seen doing (running, idle, halted), while a VM runs. */
  cpuState?: CpuState;
  outcome?: RunOutcome;
  /** The finished run's VM is still there, paused for inspection (see the `paused-vm` event). */
  pausedVm?: boolean;
}

/** An empty session (no run yet). */
export function emptySession(): SessionSnapshot {
  return { seq: 0, runId: 0, running: false, stages: [], log: [], logDropped: 0, diagnostics: [], serialBase64: '', serialDroppedBytes: 0, bootLog: [] };
}

/** Everything the services push to the renderer, in order. */
export type BootlabEvent =
  | { type: 'run-start'; runId: number; action: RunAction }
  | { type: 'stage-start'; runId: number; stage: StageName }
  | { type: 'stage-end'; runId: number; stage: StageName; ok: boolean; ms: number; detail?: string }
  | { type: 'log'; runId: number; source: 'cargo' | 'bootlab' | 'qemu'; text: string }
  | { type: 'diagnostic'; runId: number; diagnostic: Diagnostic }
  | {
      type: 'artifact';
      runId: number;
      kernelPath?: string;
      imagePath?: string;
      imageBytes?: number;
      elfBytes?: number;
    }
  /** Serial bytes, base64, so the event stays JSON over every transport. */
  | { type: 'serial'; runId: number; base64: string }
  | { type: 'boot-log'; runId: number; line: string }
  /** The 80x25 VGA text buffer (4000 bytes: char, attribute pairs), base64. */
  | { type: 'vga'; runId: number; base64: string; cursor?: { row: number; col: number } }
  /** What the Boot console mirrors for this run (sent before QEMU starts, again if it changes). */
  | { type: 'display'; runId: number; display: ConsoleDisplay }
  /** A changed rectangle of the Screen (./screen.ts): the whole screen first, then only what changed. */
  | { type: 'screen'; runId: number; frame: ScreenFrame }
  | { type: 'memory-map'; runId: number; map: MemoryMap }
  | { type: 'run-end'; runId: number; outcome: RunOutcome }
  /** The CPU's state changed (polled through QMP while the kernel runs). */
  | { type: 'cpu-state'; runId: number; state: CpuState }
  /**
   * The run's VM is kept paused where the run ended (a halt, a triple fault, a timeout) for the
   * Inspector (`kept: true`, sent before `run-end`), or that kept VM has gone (`kept: false`:
   * Stop, the next run, or QEMU's own end).
   */
  | { type: 'paused-vm'; runId: number; kept: boolean }
  /**
   * The inspected VM was paused, stepped, resumed or reset through the inspector, or (`reason`)
   * a kept VM that was let run again stopped by itself again (a halt, a triple fault) and is
   * paused there.
   */
  | { type: 'vm-state'; paused: boolean; reason?: string }
  | { type: 'toolchain'; report: ToolchainReport }
  | { type: 'project'; project: ProjectInfo }
  /** A test run's progress (./tests.ts). */
  | TestEvent;

/** The services as the renderer sees them. Every method answers or fails with a message. */
export interface BootlabApi extends TestsApi, InspectorApi {
  getState(): Promise<AppState>;
  openProject(dir: string): Promise<ProjectInfo>;
  openSampleProject(): Promise<ProjectInfo>;
  build(options: RunOptions): Promise<void>;
  boot(options: RunOptions): Promise<void>;
  buildAndBoot(options: RunOptions): Promise<void>;
  stop(): Promise<void>;
  reset(): Promise<void>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  checkToolchain(): Promise<ToolchainReport>;
  /** Guest physical memory, base64. */
  readGuestMemory(address: number, length: number): Promise<string>;
  /** Opens a file of the open project at a line in the user's editor (`editorCommand`, else VS Code, else the OS opener). */
  openLocation(location: SourceLocation): Promise<void>;
}

export type ApiMethod = keyof BootlabApi;

/** Replies travel in an envelope: transports keep only strings of thrown errors. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: string };
