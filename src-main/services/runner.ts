// `bootlab runner` (a drop-in for `bootimage runner`) and `bootlab run KERNEL_ELF`: find the
// kernel's Cargo.toml, build the image, run QEMU with the crate's run-command / run-args /
// test-args exactly as bootimage does, and return bootimage's exit status. Bootlab adds the
// debug console (to a file, for the boot log and the memory map) and, invisible to the guest,
// QEMU's interrupt log (for triple-fault diagnosis) and, for tests, a QMP socket (the RIP of a
// hang).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { guestRamFromQemuArgs } from '../image/memoryBudget.js';
import type { MemoryMap, RunOutcome } from '../shared/api.js';
import { diagnoseRun } from './diagnose.js';
import { FirmwareError, prepareUefiRun, resolveFirmware, type Firmware } from './firmware.js';
import type { BootLogParser, DiskImageBuilder } from './images.js';
import { findManifestUpwards, readKernelManifest, type KernelManifest } from './manifest.js';
import { DEFAULT_RUN_COMMAND, hasOption, startQemu, type QemuExit, type QemuSession } from './qemu.js';
import { loadSettings, defaultSettingsPath } from './settings.js';
import { makeOwnedTempDir } from './staleTemp.js';
import { findQemu, findRust, installCommand, QEMU_BINARY } from './toolchain.js';
import { lazyKernelDebugInfo } from './kernelDebugInfo.js';
import type { Panic } from './diagnose.js';
import { RunWatch } from './runWatch.js';
import { imagePathFor, qemuDrivePath } from './imagePath.js';
import { traceStep } from './trace.js';

export interface RunKernelOptions {
  kernelPath: string;
  /** Arguments cargo passed after the executable (appended to QEMU's command line). */
  args: string[];
  mode: 'runner' | 'run';
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (bytes: Buffer) => void;
  stderr: (text: string) => void;
  /** The `--features` flag. */
  features?: string[];
  /** The `--firmware` flag (bios or uefi); else BOOTLAB_FIRMWARE, the Cargo.toml, BIOS. */
  firmware?: string;
  /** The `--ramdisk` flag: a bootloader_api 0.11 kernel's ramdisk. */
  ramdiskPath?: string;
  manifestPath?: string;
  memoryMapFile?: string;
  buildDiskImage: DiskImageBuilder;
  parseBootLog?: BootLogParser;
  signal?: AbortSignal;
  /** A panic's message is complete in the output (the run goes on until the kernel halts or exits). */
  onPanic?: (panic: Panic) => void;
  /** Reads the kernel's ELF for the diagnosis's symbols and lines (tests count the reads). */
  readKernelFile?: (path: string) => Uint8Array;
  /**
   * A test timed out (its CPU is stopped): true keeps QEMU paused there for the caller (the app's
   * Inspector), which ends it later with `session.stop()`; the outcome is returned at once.
   */
  keepAtTimeout?: (session: QemuSession) => boolean;
}

export interface RunKernelResult {
  exitCode: number;
  outcome?: RunOutcome;
  isTest: boolean;
  argv?: string[];
  memoryMap?: MemoryMap;
}

/** bootimage's test detection: the executable's folder is `deps`, or it is a doctest. */
export function isTestExecutable(kernelPath: string): boolean {
  return basename(dirname(resolve(kernelPath))) === 'deps' || basename(kernelPath).startsWith('rustdoctest');
}

/** DESIGN "Decisions": CARGO_MANIFEST_DIR, else the parent of the executable's target/, else cwd upwards. */
export function findKernelManifest(kernelPath: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.CARGO_MANIFEST_DIR) {
    const m = join(env.CARGO_MANIFEST_DIR, 'Cargo.toml');
    if (existsSync(m)) return m;
  }
  const parts = resolve(kernelPath).split(sep);
  for (let i = parts.length - 2; i > 0; i--) {
    if (parts[i] === 'target') {
      const m = join(parts.slice(0, i).join(sep) || sep, 'Cargo.toml');
      if (existsSync(m)) return m;
      break;
    }
  }
  return findManifestUpwards(cwd, existsSync);
}

function hasDisplayServer(env: NodeJS.ProcessEnv): boolean {
  return process.platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
}

/** Any cargo the toolchain doctor finds (one that cannot build kernels still answers cargo metadata). */
async function doctorsCargo(env: NodeJS.ProcessEnv): Promise<{ cargo: string; rustc: string } | undefined> {
  const found = await findRust({ env, settings: loadSettings(defaultSettingsPath(env)).settings });
  const rust = found.rust ?? found.fallback;
  return rust && { cargo: rust.cargo, rustc: rust.rustc };
}

export async function runKernel(options: RunKernelOptions): Promise<RunKernelResult> {
  const { env, stderr } = options;
  const kernelPath = resolve(options.cwd, options.kernelPath);
  const isTest = options.mode === 'runner' && isTestExecutable(kernelPath);
  if (!existsSync(kernelPath)) {
    stderr(`Error: the kernel executable ${kernelPath} does not exist\n`);
    return { exitCode: 1, isTest };
  }
  const manifestPath = options.manifestPath ?? findKernelManifest(kernelPath, options.cwd, env);
  let manifest: KernelManifest | undefined;
  if (manifestPath) {
    try {
      const cargo = env.CARGO;
      manifest = await readKernelManifest(manifestPath, {
        features: options.features,
        // cargo sets CARGO when it calls the runner; without it, the doctor's cargo, as `bootlab image` does.
        toolchain: cargo ? { cargo, rustc: env.RUSTC || 'rustc' } : undefined,
        findToolchain: () => doctorsCargo(env),
        env,
      });
      for (const note of manifest.notes) stderr(`bootlab: note: ${note}\n`);
    } catch (error) {
      stderr(`Error: ${(error as Error).message}\n`);
      return { exitCode: 1, isTest };
    }
  } else if (options.mode === 'runner') {
    stderr(`Error: could not find Cargo.toml for ${kernelPath} (set CARGO_MANIFEST_DIR or run from the crate)\n`);
    return { exitCode: 1, isTest };
  }
  traceStep('manifest read');
  const features = manifest?.features ?? options.features ?? [];
  const bootimage = manifest?.bootimage ?? {};
  let firmware: Firmware;
  try {
    firmware = resolveFirmware({ option: options.firmware, env, manifestPath: manifest?.manifestPath ?? manifestPath }).firmware;
  } catch (error) {
    stderr(`Error: ${(error as Error).message}\n`);
    return { exitCode: 1, isTest };
  }

  const imagePath = imagePathFor(kernelPath);
  // The command line, as bootimage builds it.
  const runCommand = (bootimage.runCommand ?? DEFAULT_RUN_COMMAND).map((a) => a.replace(/\{\}/g, qemuDrivePath(imagePath)));
  const args = runCommand.slice(1);
  if (isTest) {
    if (bootimage.testNoReboot !== false) args.push('-no-reboot');
    args.push(...(bootimage.testArgs ?? []));
  } else args.push(...(bootimage.runArgs ?? []));
  args.push(...options.args);
  // A triple fault ends the run instead of rebooting the kernel in a loop (invisible to the guest).
  if (!isTest && !hasOption(args, '-no-reboot') && !hasOption(args, '-action')) args.push('-no-reboot');
  if (options.mode === 'run' && !hasOption(args, '-serial') && !hasOption(args, '-nographic')) args.push('-serial', 'stdio');
  // Without a display server QEMU's default GTK window fails ("gtk initialization failed")
  // before the kernel runs; on such a machine the serial output on stdout is all one can see.
  if (options.mode === 'run' && !hasDisplayServer(env) && !hasOption(args, '-display') && !hasOption(args, '-nographic')) {
    args.push('-display', 'none');
  }

  // The image is built for this command line: a kernel larger than the guest's RAM (-m) is
  // refused with the numbers instead of halting in the loader. Other run-commands than QEMU
  // have their own idea of memory.
  const guestRam = /qemu-system/.test(basename(runCommand[0] ?? QEMU_BINARY)) ? guestRamFromQemuArgs(args) : undefined;
  let relocationBase = 0n;
  // --ramdisk, else the crate's [package.metadata.bootlab] ramdisk.
  const ramdiskPath = options.ramdiskPath ?? manifest?.ramdisk;
  try {
    const facts = await options.buildDiskImage({
      kernelPath,
      outPath: imagePath,
      features,
      bootloaderMetadata: manifest?.bootloaderMetadata ?? {},
      hostLog: true,
      guestRam,
      // One image for either firmware (DESIGN "Firmware").
      imageKind: 'hybrid',
      ...(ramdiskPath !== undefined ? { ramdiskPath } : {}),
    });
    relocationBase = facts.relocationBase;
    traceStep('image written');
  } catch (error) {
    stderr(`Error: could not build the disk image: ${(error as Error).message}\n`);
    return { exitCode: 1, isTest };
  }

  let program = runCommand[0] ?? QEMU_BINARY;
  if (program === QEMU_BINARY) {
    const settings = loadSettings(defaultSettingsPath(env)).settings;
    const found = await findQemu({ env, settings });
    if (typeof found === 'string') {
      stderr(`Error: ${QEMU_BINARY} ${found}\n  install it with: ${installCommand('qemu', { env })}\n  or run \`bootlab doctor\` for details\n`);
      return { exitCode: 1, isTest };
    }
    program = found.path;
  }

  traceStep('QEMU found');
  const work = makeOwnedTempDir('runner');
  const debugconFile = join(work, 'debugcon.log');
  const faultLogFile = join(work, 'cpu.log');
  const timeoutSeconds = isTest ? (bootimage.testTimeout ?? 300) : undefined;
  if (firmware === 'uefi') {
    try {
      args.push(...prepareUefiRun({ workDir: work, userArgs: args, env, qemuPath: program }).args);
    } catch (error) {
      rmSync(work, { recursive: true, force: true });
      if (!(error instanceof FirmwareError)) throw error;
      stderr(`Error: ${error.message}\n`);
      return { exitCode: 1, isTest };
    }
  }
  let serialText = '';
  let watch: RunWatch | undefined;
  // A timeout whose VM the caller keeps: the run ends here while QEMU stays, paused.
  let kept: QemuSession | undefined;
  let keptAt: (() => void) | undefined;
  const keptAtTimeout = new Promise<void>((resolve) => (keptAt = resolve));
  let registersAtTimeout: Record<string, bigint> | undefined;
  try {
    const session: QemuSession = await startQemu({
      program,
      args,
      cwd: options.cwd,
      env,
      debugconFile: hasOption(args, '-debugcon') ? undefined : debugconFile,
      faultLogFile,
      // CPU state (a halted kernel ends the run) and, for tests, the registers of a hang.
      qmp: true,
      timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : undefined,
      signal: options.signal,
      onStdout: (bytes) => {
        if (serialText.length < 1 << 20) serialText += bytes.toString('latin1');
        options.stdout(bytes);
        watch?.noteSerial(bytes.toString('latin1'));
      },
      // The screen, for panics printed only there; with -no-reboot the mirror also pauses QEMU
      // at a triple fault so that the stack can be read.
      vgaIntervalMs: 500,
      onVga: (screen) => watch?.noteScreen(screen),
      atGuestShutdown: async () => watch?.atGuestShutdown(),
      atTimeout: async (registers) => {
        registersAtTimeout = registers;
        await watch?.atStop(registers);
      },
      holdAtTimeout: options.keepAtTimeout
        ? async () => {
            // Before QEMU's session exists there is nothing to keep.
            if (!watch || !options.keepAtTimeout!(session)) return;
            kept = session;
            keptAt!();
            await session.exit;
          }
        : undefined,
      onStderr: (text) => stderr(text),
    });
    // Read only if the diagnosis needs symbols: not while QEMU starts, not after a passing test.
    const debugInfo = lazyKernelDebugInfo(kernelPath, relocationBase, options.readKernelFile);
    watch = new RunWatch({ session, locator: debugInfo.locator, onPanic: options.onPanic });
    const ended = await Promise.race([session.exit, keptAtTimeout]);
    const exit: QemuExit = ended ?? { status: null, signal: null, timedOut: true, stopped: false, registersAtTimeout, stderr: '', streamsCutOff: [] };
    traceStep('QEMU session over');
    const read = (f: string) => {
      try {
        return readFileSync(f, 'latin1');
      } catch {
        return undefined;
      }
    };
    const outcome = diagnoseRun({
      exit,
      isTest,
      bootimage,
      timeoutSeconds,
      serialText,
      faultLog: read(faultLogFile),
      symbolFor: debugInfo.symbolFor,
      ...watch.finish(),
    });
    let memoryMap: MemoryMap | undefined;
    const bootLog = read(debugconFile);
    if (bootLog !== undefined && options.parseBootLog) {
      try {
        memoryMap = options.parseBootLog(bootLog.split(/\r?\n/));
      } catch {
        memoryMap = undefined;
      }
    }
    if (options.memoryMapFile) {
      if (memoryMap) writeFileSync(options.memoryMapFile, `${JSON.stringify({ regions: memoryMap.regions, e820: memoryMap.e820 }, null, 2)}\n`);
      else stderr('bootlab: the boot log held no memory map; --memory-map file not written\n');
    }
    if (exit.spawnError) {
      stderr(`Error: could not run ${program}: ${exit.spawnError}\n`);
    } else if (exit.timedOut) {
      stderr(`Error: Timed Out\nbootlab: ${outcome.message}\n`);
    } else if (options.mode === 'runner' && (outcome.kind === 'triple-fault' || (outcome.kind === 'failure' && outcome.panicMessage) || (isTest && outcome.exitCode !== 0))) {
      // `bootlab run` prints its own outcome lines (cli/commands/run.ts).
      stderr(`bootlab: ${outcome.message}\n`);
    }
    traceStep('outcome diagnosed');
    return { exitCode: outcome.exitCode ?? 1, outcome, isTest, argv: session.argv.map(quote), memoryMap };
  } finally {
    // A kept QEMU still writes its logs there: the folder goes with QEMU.
    if (kept) void kept.exit.then(() => rmSync(work, { recursive: true, force: true }));
    else rmSync(work, { recursive: true, force: true });
  }
}
