// Build and Boot: build (cargo), image (assemble the bootloader (cached), plan, write), boot
// (QEMU), observe. Emits the contract's events in order and ends every child on Stop.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestRamFromQemuArgs } from '../image/memoryBudget.js';
import { imagePathFor, qemuDrivePath } from './imagePath.js';
import type { BootlabEvent, Firmware, MemoryMap, Profile, RunOutcome, Settings, StageName } from '../shared/api.js';
import { buildKernel } from './cargo.js';
import { diagnoseRun } from './diagnose.js';
import { FirmwareError, prepareUefiRun, resolveFirmware } from './firmware.js';
import type { BootLogParser, DiskImageFacts, DiskImageSteps } from './images.js';
import { readKernelManifest, type KernelManifest } from './manifest.js';
import { dropOwnedArgs, startQemu, type QemuExit, type QemuSession } from './qemu.js';
import { symbolizerFromFile, type Symbolizer } from './symbols.js';
import { codeLocatorFromFile, type CodeLocator } from './codeLocator.js';
import { parseRegisters } from './qmp.js';
import { RunWatch } from './runWatch.js';
import { displayFor, framebufferFromLogLine, type DisplayPlan } from './consoleDisplay.js';
import { parsePpm, ScreenDiffer } from './screenMirror.js';
import type { QemuInstall, RustToolchain } from './toolchain.js';

export type RunAction = 'build' | 'boot' | 'build-and-boot';

export interface PipelineOptions {
  runId: number;
  action: RunAction;
  profile: Profile;
  /** The toolbar's Firmware select; absent: BOOTLAB_FIRMWARE, the crate's metadata, BIOS. */
  firmware?: Firmware;
  settings: Settings;
  rust?: RustToolchain;
  qemu?: QemuInstall;
  emit: (event: BootlabEvent) => void;
  signal?: AbortSignal;
  diskImage: DiskImageSteps<any>;
  /** Assembles the bootloader ahead of the image step (cached), so it is timed as its own stage. */
  assemble?: () => { cached: boolean } | Promise<{ cached: boolean }>;
  parseBootLog?: BootLogParser;
  /** The kernel the `boot` action boots (the project's last good build); `boot` never builds. */
  kernelPath?: string;
  /** cargo's target folder (default: the crate's own). */
  targetDir?: string;
  /** Mirror the VGA screen this often (ms). */
  vgaIntervalMs?: number;
  /** Lets the caller reset the VM or read its memory while it runs. */
  onSession?: (session: QemuSession | undefined) => void;
  /**
   * The app: where the run ends with the machine stopped (a halt, a triple fault, a timeout),
   * QEMU is not ended but kept paused for the Inspector; this receives it once the outcome is
   * known (before `run-end`), and the caller ends it (`session.stop()`). Without it QEMU quits
   * there, as the CLI needs.
   */
  keepPausedAtEnd?: (session: QemuSession) => void;
  /** Extra QEMU arguments (tests: e.g. the debug-exit device). */
  extraQemuArgs?: string[];
  /** Environment for cargo and QEMU (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The message when no Rust toolchain can build kernels (the doctor's words). */
  missingRustMessage?: string;
  missingQemuMessage?: string;
}

export interface PipelineResult {
  outcome: RunOutcome;
  kernelPath?: string;
  imagePath?: string;
  memoryMap?: MemoryMap;
  /** Milliseconds per stage, in order. */
  stages: { stage: StageName; ms: number; ok: boolean }[];
}

// Here too for the app's callers and tests; the runner imports imagePath.ts alone.
export { imagePathFor, qemuDrivePath };

class Stopped extends Error {}

export async function buildAndBoot(projectDir: string, options: PipelineOptions): Promise<PipelineResult> {
  const { runId, emit } = options;
  const stages: PipelineResult['stages'] = [];
  const result: PipelineResult = { outcome: { kind: 'error', message: '' }, stages };
  const log = (text: string, source: 'cargo' | 'bootlab' | 'qemu' = 'bootlab') => emit({ type: 'log', runId, source, text });
  const stopped = () => options.signal?.aborted === true;

  async function stage<T>(name: StageName, body: () => Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
    if (stopped()) throw new Stopped();
    emit({ type: 'stage-start', runId, stage: name });
    const t0 = performance.now();
    try {
      const value = await body();
      const ms = performance.now() - t0;
      stages.push({ stage: name, ms, ok: true });
      emit({ type: 'stage-end', runId, stage: name, ok: true, ms, detail: detail?.(value) });
      return value;
    } catch (error) {
      const ms = performance.now() - t0;
      stages.push({ stage: name, ms, ok: false });
      emit({ type: 'stage-end', runId, stage: name, ok: false, ms, detail: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  const finish = (outcome: RunOutcome): PipelineResult => {
    result.outcome = outcome;
    emit({ type: 'run-end', runId, outcome });
    return result;
  };

  emit({ type: 'run-start', runId, action: options.action });
  try {
    // Start reading the manifest (cargo metadata, cached) while cargo builds.
    const manifestPromise = readKernelManifest(join(projectDir, 'Cargo.toml'), { toolchain: options.rust });
    manifestPromise.catch(() => {});

    let kernelPath = options.kernelPath;
    if (options.action === 'boot') {
      // Boot means the last good build of this project, as it is: never a build behind the
      // user's back (a failed build or another project's build must not turn Boot into one).
      if (!kernelPath) throw new StageError('boot', 'Nothing to boot yet: build this project first (Build, or Build and Boot).');
      log(`Booting the last good build: ${kernelPath}`);
    } else {
      if (!options.rust) throw new StageError('build', options.missingRustMessage ?? 'No Rust toolchain that can build kernels was found: run the toolchain check.');
      const rust = options.rust;
      const built = await stage('build', async () => {
        const r = await buildKernel({
          projectDir,
          profile: options.profile,
          toolchain: rust,
          signal: options.signal,
          targetDir: options.targetDir,
          env: options.env,
          onLine: (line) => log(line, 'cargo'),
          onDiagnostic: (diagnostic) => emit({ type: 'diagnostic', runId, diagnostic }),
        });
        if (r.cancelled) throw new Stopped();
        if (!r.ok) throw new StageError('build', r.error ?? 'build failed');
        return r;
      }, (r) => (r.fresh ? 'up to date' : undefined));
      kernelPath = built.kernelPath!;
      emit({ type: 'artifact', runId, kernelPath, elfBytes: statSync(kernelPath).size });
    }
    result.kernelPath = kernelPath;
    if (options.action === 'build') {
      return finish({ kind: 'success', message: `Built ${kernelPath}` });
    }
    if (!existsSync(kernelPath)) throw new StageError('image', `The kernel ${kernelPath} does not exist: build it first.`);

    const manifest: KernelManifest = await manifestPromise.catch((e: Error) => {
      throw new StageError('image', e.message);
    });
    for (const note of manifest.notes) log(note);
    const imagePath = imagePathFor(kernelPath);
    result.imagePath = imagePath;
    const assemble = options.assemble;
    if (assemble) await stage('assemble', async () => assemble(), (r) => (r.cached ? 'cached' : 'assembled'));
    const { diskImage } = options;
    const planned = await stage(
      'plan',
      () =>
        diskImage.plan({
          kernelPath: kernelPath!,
          outPath: imagePath,
          features: manifest.features,
          bootloaderMetadata: manifest.bootloaderMetadata,
          ...(manifest.ramdisk !== undefined ? { ramdiskPath: manifest.ramdisk } : {}),
          hostLog: true,
          // One image for either firmware (DESIGN "Firmware").
          imageKind: 'hybrid',
          // The RAM of the guest booted below (its -m among the crate's and the user's arguments).
          guestRam: guestRamFromQemuArgs([...(manifest.bootimage.runArgs ?? []), ...options.settings.qemuArgs, ...(options.extraQemuArgs ?? [])]),
        }),
      (value) => diskImage.describe?.(value) ?? (manifest.features.length ? `features: ${manifest.features.join(', ')}` : 'no boot-info features'),
    );
    const facts = await stage('image', async () => diskImage.write(planned), (f) => `${imagePath} (${f.imageBytes} bytes)`);
    for (const line of facts.summary) log(line);
    emit({ type: 'artifact', runId, kernelPath, imagePath, imageBytes: facts.imageBytes });

    if (!options.qemu) throw new StageError('boot', options.missingQemuMessage ?? 'QEMU was not found: run the toolchain check for the install command.');
    const symbolFor: Symbolizer = symbolizerFromFile(kernelPath, facts.relocationBase);
    const locator = codeLocatorFromFile(kernelPath, facts.relocationBase);
    const outcome = await bootImage(imagePath, manifest, { symbolFor, locator, abi: facts.abi }, options, result, stage);
    return finish(outcome);
  } catch (error) {
    if (error instanceof Stopped || stopped()) return finish({ kind: 'stopped', message: 'Stopped.' });
    const message = error instanceof Error ? error.message : String(error);
    const failedStage = error instanceof StageError ? error.stage : undefined;
    if (failedStage === 'build') {
      return finish({ kind: 'failure', message: `Build failed: ${message}`, exitCode: 101 });
    }
    return finish({ kind: 'error', message });
  }
}

class StageError extends Error {
  constructor(
    readonly stage: StageName,
    message: string,
  ) {
    super(message);
  }
}

async function bootImage(
  imagePath: string,
  manifest: KernelManifest,
  { symbolFor, locator, abi }: { symbolFor: Symbolizer; locator: CodeLocator; abi: DiskImageFacts['abi'] },
  options: PipelineOptions,
  result: PipelineResult,
  stage: <T>(name: StageName, body: () => Promise<T>, detail?: (v: T) => string | undefined) => Promise<T>,
): Promise<RunOutcome> {
  const { runId, emit } = options;
  const { kept, dropped } = dropOwnedArgs([...(manifest.bootimage.runArgs ?? []), ...options.settings.qemuArgs]);
  if (dropped.length) {
    emit({ type: 'log', runId, source: 'bootlab', text: `Bootlab owns serial, display, monitor and debug console; ignored: ${dropped.join(' ')}` });
  }
  const workDir = join(tmpdir(), `bootlab-run-${process.pid}-${runId}`);
  mkdirSync(workDir, { recursive: true });
  const faultLogFile = join(workDir, 'cpu.log');
  const args = ['-drive', `format=raw,file=${qemuDrivePath(imagePath)}`, '-nic', 'none', '-display', 'none', '-no-reboot', ...kept, ...(options.extraQemuArgs ?? [])];
  let display: DisplayPlan;
  let bootFirmware: Firmware = 'bios';
  try {
    const env = options.env ?? process.env;
    const firmware = resolveFirmware({ option: options.firmware, env, manifestPath: manifest.manifestPath });
    bootFirmware = firmware.firmware;
    display = displayFor({ features: manifest.features, firmware: firmware.firmware, abi011: abi === '0.11' });
    if (firmware.firmware === 'uefi') {
      const uefi = prepareUefiRun({ workDir, userArgs: args, env, qemuPath: options.qemu!.path });
      args.push(...uefi.args);
      const from = options.firmware !== undefined ? 'the Firmware select' : firmware.from;
      emit({ type: 'log', runId, source: 'bootlab', text: `Firmware: UEFI (OVMF ${uefi.ovmf.code}; from ${from})` });
    }
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    if (error instanceof FirmwareError) throw new StageError('boot', error.message);
    throw error;
  }
  let serialText = '';
  // Made once QEMU runs; QEMU's callbacks may fire before that.
  const watching: { watch?: RunWatch; session?: QemuSession } = {};
  const bootLog: string[] = [];
  emit({ type: 'display', runId, display: display.display });
  let framebuffer = display.framebuffer;
  const screen = new ScreenDiffer(display.nativeSize);
  let screenFailed = false;
  const onScreenDump = (ppm: Buffer) => {
    if (screenFailed) return;
    try {
      const frame = screen.next(parsePpm(ppm));
      if (frame) emit({ type: 'screen', runId, frame });
    } catch (error) {
      // A screen too large to show (or a dump QEMU cut short): say so once, stop mirroring it.
      screenFailed = true;
      watching.session?.setMirror('off');
      emit({ type: 'log', runId, source: 'bootlab', text: `Screen: ${error instanceof Error ? error.message : String(error)}` });
    }
  };
  const noteBootLogLine = (line: string) => {
    // The loader set a framebuffer mode: mirror pixels from now on, mark it in the memory map.
    const found = framebufferFromLogLine(line);
    if (!found) return;
    framebuffer = found;
    if (display.display !== 'screen') {
      display = { ...display, display: 'screen', mirror: 'pixels' };
      watching.session?.setMirror('pixels');
      emit({ type: 'display', runId, display: 'screen' });
    }
  };
  let mapSent = false;
  const sendMap = (final: boolean) => {
    if (mapSent || !options.parseBootLog) return;
    let map: MemoryMap | undefined;
    try {
      map = options.parseBootLog(bootLog);
    } catch {
      map = undefined;
    }
    if (map && framebuffer) map = { ...map, labels: [...(map.labels ?? []), framebuffer] };
    if (map) map = { ...map, firmware: bootFirmware };
    if (map && map.regions.length > 0 && (final || /^entry\b/.test(bootLog[bootLog.length - 1] ?? ''))) {
      mapSent = true;
      result.memoryMap = map;
      emit({ type: 'memory-map', runId, map });
    }
  };
  // Normal runs have no timeout (a kernel may run for as long as its user likes) unless opted in.
  const timeoutSeconds = options.settings.bootTimeoutSeconds;
  // Where the machine stops for good and the caller keeps it: the hooks below wait here (QEMU
  // stays, paused) until QEMU ends, and tell the run to diagnose what it has now.
  const keep = options.keepPausedAtEnd;
  let frozenAt: ((end: 'halt' | 'shutdown' | 'timeout' | 'panic') => void) | undefined;
  const frozen = new Promise<'halt' | 'shutdown' | 'timeout' | 'panic'>((resolve) => (frozenAt = resolve));
  let registersAtTimeout: Record<string, bigint> | undefined;
  const hold = (end: 'halt' | 'shutdown' | 'timeout') =>
    keep
      ? async () => {
          // Before QEMU's session exists (a fault during the handshake) there is nothing to keep.
          if (!watching.session) return;
          frozenAt!(end);
          await watching.session.exit;
        }
      : undefined;
  const session = await stage('boot', async () => {
    const s = await startQemu({
      program: options.qemu!.path,
      args,
      env: options.env,
      serialSocket: true,
      debugconSocket: true,
      qmp: true,
      faultLogFile,
      // 5 pictures a second at least while the Screen changes (DESIGN: Screen).
      vgaIntervalMs: options.vgaIntervalMs ?? (display.mirror === 'pixels' ? 150 : 250),
      mirror: display.mirror,
      onScreenDump,
      timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : undefined,
      signal: options.signal,
      onSerial: (bytes) => {
        if (serialText.length < 1 << 20) serialText += bytes.toString('latin1');
        emit({ type: 'serial', runId, base64: bytes.toString('base64') });
        watching.watch?.noteSerial(bytes.toString('latin1'));
      },
      onDebugconLine: (line) => {
        bootLog.push(line);
        emit({ type: 'boot-log', runId, line });
        noteBootLogLine(line);
        sendMap(false);
      },
      onVga: (screen) => {
        emit({ type: 'vga', runId, base64: screen.toString('base64') });
        watching.watch?.noteScreen(screen);
      },
      atGuestShutdown: async () => {
        await watching.watch?.atGuestShutdown();
        await hold('shutdown')?.();
      },
      atTimeout: async (registers) => {
        registersAtTimeout = registers;
        await watching.watch?.atStop(registers);
      },
      holdAtTimeout: hold('timeout'),
      onStderr: (text) => emit({ type: 'log', runId, source: 'qemu', text: text.replace(/\n$/, '') }),
    });
    emit({ type: 'log', runId, source: 'bootlab', text: commandLine(s.argv) });
    return s;
  }, (s) => commandLine(s.argv));
  options.onSession?.(session);
  watching.session = session;
  // Kept: a complete panic message ends the run there too, paused where the kernel is (its
  // handler may spin, as the blog's `loop {}`, and never halt), with the call chain read there.
  let panicFrames: RunOutcome['frames'];
  const pauseAtPanic = async () => {
    try {
      const qmp = await session.qmpReady;
      await qmp.execute('stop');
      await watching.watch?.atStop(parseRegisters(await qmp.hmp('info registers')));
      panicFrames = watching.watch?.stopFrames;
    } catch {
      return; // QEMU is going away: its exit ends the run
    }
    frozenAt!('panic');
  };
  const watch = new RunWatch({
    session,
    locator,
    onCpuState: (state) => emit({ type: 'cpu-state', runId, state }),
    holdAtHalt: hold('halt'),
    onPanic: keep ? () => void pauseAtPanic() : undefined,
  });
  watching.watch = watch;
  const removeWorkDir = () => {
    try {
      rmSync(workDir, { recursive: true, force: true });
    } catch {
      // temp files only
    }
  };
  let keptPaused = false;
  try {
    // QEMU's exit, or (kept) the machine frozen where it ended: the outcome from what is known then.
    const ended = await Promise.race([session.exit, frozen]);
    const exit: QemuExit =
      typeof ended === 'object'
        ? ended
        : { status: null, signal: null, timedOut: ended === 'timeout', stopped: false, registersAtTimeout, stderr: '', streamsCutOff: [] };
    keptPaused = typeof ended === 'string' && options.signal?.aborted !== true;
    sendMap(true);
    let faultLog: string | undefined;
    try {
      faultLog = readFileSync(faultLogFile, 'utf8');
    } catch {
      faultLog = undefined;
    }
    let outcome = diagnoseRun({ exit, isTest: false, bootimage: manifest.bootimage, timeoutSeconds, serialText, faultLog, symbolFor, ...watch.finish() });
    if (ended === 'panic' && !outcome.frames?.length && panicFrames?.length) outcome = { ...outcome, frames: panicFrames };
    if (keptPaused) {
      emit({ type: 'paused-vm', runId, kept: true });
      void session.exit.then(() => emit({ type: 'paused-vm', runId, kept: false }));
      keep!(session);
    }
    return outcome;
  } finally {
    options.onSession?.(undefined);
    // A kept QEMU still writes its fault log there: the folder goes with QEMU.
    if (keptPaused) void session.exit.then(removeWorkDir);
    else removeWorkDir();
  }
}

/** A command line as a user would type it (arguments with spaces quoted). */
function commandLine(argv: string[]): string {
  return argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
}
