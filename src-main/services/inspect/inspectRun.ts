// `bootlab inspect`: boots a kernel as `bootlab run` does (its manifest, features and run-args,
// the same disk image), and pauses the machine when the kernel halts (HLT with interrupts off),
// when it faults (a triple fault: QEMU is told to pause at the guest's shutdown), when its serial
// output holds a complete panic message, or after a given time; takes the snapshot, then quits QEMU.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readElf, type ElfFile } from '../../elf/index.js';
import { parseBootLog, type BootLog } from '../../image/bootLog.js';
import { guestRamFromQemuArgs } from '../../image/memoryBudget.js';
import { makePlan, type LoadPlan } from '../../image/plan.js';
import { codeLocatorFromFile, type CodeLocator } from '../codeLocator.js';
import { watchCpuState } from '../cpuState.js';
import { FirmwareError, prepareUefiRun, resolveFirmware, type Firmware } from '../firmware.js';
import { completePanic } from '../runWatch.js';
import { makeOwnedTempDir } from '../staleTemp.js';
import type { DiskImageBuilder } from '../images.js';
import { readKernelManifest, type KernelManifest } from '../manifest.js';
import { imagePathFor, qemuDrivePath } from '../pipeline.js';
import { DEFAULT_RUN_COMMAND, dropOwnedArgs, hasOption, startQemu } from '../qemu.js';
import { findKernelManifest } from '../runner.js';
import { defaultSettingsPath, loadSettings } from '../settings.js';
import { findQemu, installCommand, QEMU_BINARY } from '../toolchain.js';
import { kernelFactsFromBootLog, snapshotMachine, type KernelFacts, type MachineSnapshot } from './snapshot.js';

export const DEFAULT_INSPECT_AFTER_SECONDS = 10;
/** Serial output searched for a panic message; past it, no more searching. */
const SERIAL_LIMIT = 1 << 20;

export interface InspectKernelOptions {
  kernelPath: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** QEMU arguments after the crate's run-args. */
  args: string[];
  features?: string[];
  /** The `--firmware` flag (bios or uefi); else BOOTLAB_FIRMWARE, the Cargo.toml, BIOS (as `run`). */
  firmware?: string;
  manifestPath?: string;
  /** Pause after this many seconds if the kernel has not halted or faulted by then. */
  afterSeconds?: number;
  buildDiskImage: DiskImageBuilder;
  onSerial?: (bytes: Buffer) => void;
  stderr: (text: string) => void;
  signal?: AbortSignal;
}

export interface InspectKernelResult {
  snapshot?: MachineSnapshot;
  /** Why the machine was paused: "the kernel halted (HLT with interrupts disabled)", ... */
  pausedBecause?: string;
  /** Why there is no snapshot. */
  error?: string;
  locator?: CodeLocator;
}

export async function inspectKernel(options: InspectKernelOptions): Promise<InspectKernelResult> {
  const { env, stderr } = options;
  const kernelPath = resolve(options.cwd, options.kernelPath);
  if (!existsSync(kernelPath)) return { error: `the kernel executable ${kernelPath} does not exist` };
  const manifestPath = options.manifestPath ?? findKernelManifest(kernelPath, options.cwd, env);
  let manifest: KernelManifest | undefined;
  if (manifestPath) {
    try {
      manifest = await readKernelManifest(manifestPath, { features: options.features, toolchain: env.CARGO ? { cargo: env.CARGO, rustc: env.RUSTC || 'rustc' } : undefined, env });
      for (const note of manifest.notes) stderr(`bootlab: note: ${note}\n`);
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  let firmware: Firmware;
  try {
    firmware = resolveFirmware({ option: options.firmware, env, manifestPath: manifest?.manifestPath ?? manifestPath }).firmware;
  } catch (error) {
    return { error: (error as Error).message };
  }
  const features = manifest?.features ?? options.features ?? [];
  const bootloaderMetadata = manifest?.bootloaderMetadata ?? {};
  const bootimage = manifest?.bootimage ?? {};

  let elf: ElfFile;
  let plan: LoadPlan;
  try {
    elf = readElf(readFileSync(kernelPath));
    plan = makePlan(elf, { features, bootloaderMetadata });
  } catch (error) {
    return { error: `cannot plan ${kernelPath}: ${(error as Error).message}` };
  }

  const imagePath = imagePathFor(kernelPath);
  const runCommand = (bootimage.runCommand ?? DEFAULT_RUN_COMMAND).map((a) => a.replace(/\{\}/g, qemuDrivePath(imagePath)));
  // Bootlab owns serial, display and QMP here (as in the app); the crate's memory and devices stay.
  const { kept, dropped } = dropOwnedArgs([...runCommand.slice(1), ...(bootimage.runArgs ?? []), ...options.args]);
  for (const d of dropped) stderr(`bootlab inspect: note: ${d} dropped (inspect owns that channel)\n`);
  const args = kept;
  if (!hasOption(args, '-no-reboot') && !hasOption(args, '-action')) args.push('-no-reboot');
  args.push('-display', 'none');
  const guestRam = /qemu-system/.test(basename(runCommand[0] ?? QEMU_BINARY)) ? guestRamFromQemuArgs(args) : undefined;
  let relocationBase = 0n;
  try {
    // Hybrid, as `run` writes it: either firmware boots it.
    relocationBase = (await options.buildDiskImage({ kernelPath, outPath: imagePath, features, bootloaderMetadata, hostLog: true, guestRam, imageKind: 'hybrid' })).relocationBase;
  } catch (error) {
    return { error: `could not build the disk image: ${(error as Error).message}` };
  }

  let program = runCommand[0] ?? QEMU_BINARY;
  if (program === QEMU_BINARY) {
    const found = await findQemu({ env, settings: loadSettings(defaultSettingsPath(env)).settings });
    if (typeof found === 'string') return { error: `${QEMU_BINARY} ${found}\n  install it with: ${installCommand('qemu', { env })}` };
    program = found.path;
  }

  // A panic's complete message pauses the machine too: a handler that spins (`loop {}`, as the
  // blog's) would otherwise run on until --after.
  let serialText = '';
  let panicSeen = false;
  // Until the pause below can be taken (QEMU starting), a panic is only noted.
  const atPanic: { pause?: (because: string) => void; noted?: string } = {};
  const onSerial = (bytes: Buffer) => {
    options.onSerial?.(bytes);
    if (panicSeen || serialText.length >= SERIAL_LIMIT) return;
    serialText += bytes.toString('latin1');
    const panic = completePanic(serialText);
    if (!panic) return;
    panicSeen = true;
    if (atPanic.pause) atPanic.pause(`the kernel ${panic.text}`);
    else atPanic.noted = `the kernel ${panic.text}`;
  };
  // The loader's boot log (where it really put the kernel, its stack, boot info) and, for UEFI,
  // OVMF's variable store copy, in a folder that goes with QEMU.
  const workDir = makeOwnedTempDir('run');
  const bootLogFile = hasOption(args, '-debugcon') ? undefined : join(workDir, 'debugcon.log');
  if (firmware === 'uefi') {
    try {
      args.push(...prepareUefiRun({ workDir, userArgs: args, env, qemuPath: program }).args);
    } catch (error) {
      rmSync(workDir, { recursive: true, force: true });
      if (!(error instanceof FirmwareError)) throw error;
      return { error: error.message };
    }
  }
  const session = await startQemu({ program, args, cwd: options.cwd, env, serialSocket: true, qmp: true, debugconFile: bootLogFile, signal: options.signal, onSerial, onStderr: stderr });
  void session.exit.finally(() => rmSync(workDir, { recursive: true, force: true }));
  /** The kernel facts: the plan's, corrected by the boot log where the plan was random (0.11 ASLR). */
  const kernelFacts = (): KernelFacts => {
    let log: BootLog | undefined;
    try {
      log = bootLogFile ? parseBootLog(readFileSync(bootLogFile, 'latin1').split(/\r?\n/)) : undefined;
    } catch {
      log = undefined;
    }
    return kernelFactsFromBootLog(elf, plan, log).facts;
  };
  const result: InspectKernelResult = { locator: codeLocatorFromFile(kernelPath, relocationBase) };
  let taken = false;
  let afterTimer: NodeJS.Timeout | undefined;
  /** Pauses (if not already paused), takes the snapshot once, then quits QEMU. */
  const take = async (because: string, alreadyPaused: boolean) => {
    if (taken) return;
    taken = true;
    clearTimeout(afterTimer);
    watch.dispose();
    const qmp = await session.qmpReady;
    try {
      if (!alreadyPaused) await qmp.execute('stop');
      result.pausedBecause = because;
      result.snapshot = await snapshotMachine({ qmp, readPhysical: session.readMemory }, kernelFacts());
    } catch (error) {
      result.error = `could not read the paused machine: ${(error as Error).message}`;
    } finally {
      await qmp.execute('quit').catch(() => session.stop());
    }
  };
  const watch = watchCpuState<void>({
    qmp: session.qmpReady,
    exited: session.exit,
    // The watcher has frozen the machine; it quits QEMU once this returns.
    atHalt: async () => {
      await take('the kernel halted (HLT with interrupts disabled)', true);
    },
  });
  atPanic.pause = (because) => void take(because, false);
  if (atPanic.noted) atPanic.pause(atPanic.noted);
  session.qmpReady.then(
    async (qmp) => {
      // A triple fault under -no-reboot shuts the guest down: pause there instead, CPU state intact.
      qmp.on('event', (event: { event: string }) => {
        if (event.event === 'SHUTDOWN' && !taken) void take('the guest shut down (a triple fault?)', true);
      });
      await qmp.execute('set-action', { shutdown: 'pause' }).catch(() => {});
      const seconds = options.afterSeconds ?? DEFAULT_INSPECT_AFTER_SECONDS;
      afterTimer = setTimeout(() => void take(`paused after ${seconds} s`, false), seconds * 1000);
    },
    () => {},
  );
  const exit = await session.exit;
  clearTimeout(afterTimer);
  watch.dispose();
  if (!result.snapshot && !result.error) {
    if (exit.spawnError) result.error = `could not run ${program}: ${exit.spawnError}`;
    else if (exit.stopped) result.error = 'stopped before the machine was paused';
    else result.error = `QEMU exited (status ${exit.status ?? exit.signal}) before the machine could be paused${exit.stderr ? `: ${exit.stderr.trim()}` : ''}`;
  }
  return result;
}
