// `bootlab run [DIR|KERNEL_ELF] [--release] [--features LIST] [--firmware bios|uefi] [--ramdisk FILE] [--memory-map FILE] [-- QEMU_ARGS...]`
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { defaultDiskImageBuilder, bootLogMemoryMap } from '../../services/bootParts.js';
import { runKernel } from '../../services/runner.js';
import type { RunOutcome } from '../../shared/api.js';
import { describeFrame } from '../../services/codeLocator.js';
import { sweepStaleTempDirs } from '../../services/staleTemp.js';
import { buildForCommand, featuresOf, parseArgs, profileOf, usageError, UsageError } from './kernelCommon.js';
import { watchLoop } from './watchLoop.js';
import { traceStep } from '../../services/trace.js';

const usage = [
  'Usage: bootlab run [DIR|KERNEL_ELF] [--release] [--features LIST] [--firmware bios|uefi] [--ramdisk FILE] [--memory-map FILE] [--watch] [-- QEMU_ARGS...]',
  '',
  'Builds the kernel crate in DIR (default: the current folder), or takes a built KERNEL_ELF,',
  "makes a disk image and boots it in QEMU with the crate's run-command and run-args. The",
  "kernel's serial port goes to stdout (`-serial stdio` unless the arguments route it).",
  'The run ends when QEMU exits, when the kernel halts (HLT with interrupts off: status 0, or 1',
  'after a panic) or at a triple fault (status 1); how it ended goes to stderr with the call',
  "chain. Otherwise the exit status is QEMU's (isa-debug-exit code N gives (N << 1) | 1).",
  '',
  '  --release          build with the release profile',
  '  --features LIST    boot-info features (map_physical_memory,recursive_page_table,sse,...)',
  '  --firmware NAME    bios or uefi (OVMF); default: BOOTLAB_FIRMWARE, else the crate\'s',
  '                     [package.metadata.bootlab] firmware, else bios. The image is hybrid.',
  '  --ramdisk FILE     a bootloader_api 0.11 kernel\'s ramdisk (BootInfo.ramdisk_addr/len)',
  '  --memory-map FILE  write the memory map the kernel received as JSON {regions, e820}',
  '  --watch            build and run again whenever a file of the crate changes (src/, tests/,',
  '                     Cargo.toml, build.rs, .cargo/); a change during a run stops it first',
  '',
  'Examples:',
  '  bootlab run -- -display none',
  '  bootlab run target/x86_64-unknown-none/debug/my-kernel --features map_physical_memory',
  '  bootlab run --memory-map map.json -- -device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none',
].join('\n');

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'build a kernel, boot it in QEMU, serial to stdout',
  usage,
  async run(argv, io) {
    // Folders a crashed Bootlab left behind; runs alongside the build.
    void sweepStaleTempDirs();
    let args;
    try {
      args = parseArgs(argv, ['features', 'memory-map', 'firmware', 'ramdisk'], ['release', 'watch']);
      if (args.positional.length > 1) throw new UsageError('one DIR or KERNEL_ELF at most (QEMU arguments go after --)');
    } catch (error) {
      return usageError(io, 'run', error, usage);
    }
    const target = resolve(io.cwd, args.positional[0] ?? '.');
    let kernelPath = target;
    let manifestPath: string | undefined;
    let isDir = false;
    try {
      isDir = statSync(target).isDirectory();
    } catch {
      io.stderr(`bootlab run: ${target} does not exist\n`);
      return 1;
    }
    if (args.flags.has('watch')) {
      if (!isDir) return usageError(io, 'run', new UsageError('--watch needs a crate folder, not a kernel executable'), usage);
      // Each run is this command without --watch, stopped through its own signal.
      const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
      const once = argv.filter((a, i) => i >= end || a !== '--watch');
      return watchLoop(io, 'run', target, (signal) => runCommand.run(once, { ...io, signal }));
    }
    if (isDir) {
      const built = await buildForCommand(io, 'run', target, profileOf(args));
      traceStep('cargo build done');
      if (!built) return 1;
      if (!built.ok) {
        io.stderr(`bootlab run: ${built.error}\n`);
        return 101;
      }
      kernelPath = built.kernelPath!;
      manifestPath = join(target, 'Cargo.toml');
    }
    const memoryMap = args.flags.get('memory-map');
    const firmware = args.flags.get('firmware');
    const ramdisk = args.flags.get('ramdisk');
    let panicPrinted = false;
    const result = await runKernel({
      kernelPath,
      args: args.rest,
      mode: 'run',
      cwd: io.cwd,
      env: io.env,
      stdout: (bytes) => io.stdout(bytes.toString('latin1')),
      stderr: io.stderr,
      features: featuresOf(args),
      firmware: typeof firmware === 'string' ? firmware : undefined,
      ...(typeof ramdisk === 'string' ? { ramdiskPath: resolve(io.cwd, ramdisk) } : {}),
      manifestPath,
      memoryMapFile: typeof memoryMap === 'string' ? resolve(io.cwd, memoryMap) : undefined,
      buildDiskImage: defaultDiskImageBuilder,
      parseBootLog: bootLogMemoryMap,
      signal: io.signal,
      onPanic: (panic) => {
        panicPrinted = true;
        io.stderr(`bootlab: kernel ${panic.text}\n`);
      },
    });
    if (result.outcome) io.stderr(outcomeLines(result.outcome, panicPrinted));
    return result.exitCode;
  },
};

/**
 * How the run ended, on stderr (DESIGN "CLI outcome lines"): the halt, panic or triple-fault line,
 * then the call chain one frame a line, innermost first. A panic's line was printed when it
 * happened; only its frames follow here.
 */
export function outcomeLines(outcome: RunOutcome, panicPrinted: boolean): string {
  const frames = outcome.frames ?? [];
  const userFrame = frames.find((f) => f.inUserCrate) ?? frames[0];
  let head: string | undefined;
  if (outcome.kind === 'halted') head = `bootlab: ${outcome.message.replace(/^Kernel/, 'kernel')}`;
  else if (outcome.kind === 'triple-fault') {
    head = `bootlab: triple fault in ${userFrame ? describeFrame(userFrame) : (outcome.symbol ?? 'an unknown function')}`;
  } else if (outcome.panicMessage && outcome.kind === 'failure') head = panicPrinted ? undefined : `bootlab: kernel ${outcome.panicMessage}`;
  else if (outcome.kind !== 'success' && outcome.kind !== 'exited') head = `bootlab run: ${outcome.message}`;
  const lines = head ? [head] : [];
  if (outcome.kind === 'halted' || outcome.kind === 'triple-fault' || outcome.kind === 'failure' || outcome.kind === 'timeout') {
    for (const frame of frames) lines.push(`  ${describeFrame(frame)}`);
  }
  // The exception chain that led to the triple fault (#PF -> #DF -> triple fault).
  if (outcome.kind === 'triple-fault') lines.push(`bootlab: ${outcome.message.slice(outcome.message.indexOf(': ') + 2)}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
