// `bootlab inspect [DIR|KERNEL_ELF] [--release] [--after SECONDS] [--features LIST] [--firmware bios|uefi] [-- QEMU_ARGS...]`
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { defaultDiskImageBuilder } from '../../services/bootParts.js';
import { describeFrame } from '../../services/codeLocator.js';
import { DEFAULT_INSPECT_AFTER_SECONDS, inspectKernel } from '../../services/inspect/inspectRun.js';
import { sweepStaleTempDirs } from '../../services/staleTemp.js';
import { formatReport } from './inspectReport.js';
import { buildForCommand, featuresOf, parseArgs, profileOf, usageError, UsageError } from './kernelCommon.js';

const usage = [
  'Usage: bootlab inspect [DIR|KERNEL_ELF] [--release] [--after SECONDS] [--features LIST] [--firmware bios|uefi] [-- QEMU_ARGS...]',
  '',
  'Boots the kernel as `bootlab run` does and pauses the machine when the kernel halts (HLT with',
  'interrupts off), when it triple-faults, when it panics (the message on its serial port), or',
  `after SECONDS (default ${DEFAULT_INSPECT_AFTER_SECONDS}). Then prints the`,
  'sections registers, control, gdt, idt, mappings (one merged run a line:',
  '`0xVSTART..0xVEND -> 0xPSTART SIZE PERMS PAGE WHAT`) and segments, and the line',
  "`elf segments: N/M mapped with the ELF's permissions`. The exit status is 0 when N = M.",
  "The kernel's serial output goes to stderr.",
  '',
  '  --release          build with the release profile',
  '  --after SECONDS    pause after this long if the kernel has not halted or faulted',
  '  --features LIST    boot-info features (map_physical_memory,recursive_page_table,sse,...)',
  '  --firmware NAME    bios or uefi (OVMF); default: BOOTLAB_FIRMWARE, else the crate\'s',
  '                     [package.metadata.bootlab] firmware, else bios',
  '',
  'Examples:',
  '  bootlab inspect',
  '  bootlab inspect target/x86_64-unknown-none/debug/my-kernel --after 2',
].join('\n');

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: "boot a kernel, pause it, print its CPU state and page tables against the ELF",
  usage,
  async run(argv, io) {
    void sweepStaleTempDirs();
    let args;
    let afterSeconds: number | undefined;
    try {
      args = parseArgs(argv, ['features', 'after', 'firmware'], ['release']);
      if (args.positional.length > 1) throw new UsageError('one DIR or KERNEL_ELF at most (QEMU arguments go after --)');
      const after = args.flags.get('after');
      if (typeof after === 'string') {
        afterSeconds = Number(after);
        if (!/^\d+(\.\d+)?$/.test(after) || !(afterSeconds > 0) || afterSeconds > 86400) throw new UsageError(`--after needs a number of seconds between 0 and 86400, not "${after}"`);
      }
    } catch (error) {
      return usageError(io, 'inspect', error, usage);
    }
    const target = resolve(io.cwd, args.positional[0] ?? '.');
    let kernelPath = target;
    let manifestPath: string | undefined;
    let isDir: boolean;
    try {
      isDir = statSync(target).isDirectory();
    } catch {
      io.stderr(`bootlab inspect: ${target} does not exist\n`);
      return 1;
    }
    if (isDir) {
      const built = await buildForCommand(io, 'inspect', target, profileOf(args));
      if (!built) return 1;
      if (!built.ok) {
        io.stderr(`bootlab inspect: ${built.error}\n`);
        return 101;
      }
      kernelPath = built.kernelPath!;
      manifestPath = join(target, 'Cargo.toml');
    }
    const result = await inspectKernel({
      kernelPath,
      cwd: io.cwd,
      env: io.env,
      args: args.rest,
      features: featuresOf(args),
      firmware: typeof args.flags.get('firmware') === 'string' ? (args.flags.get('firmware') as string) : undefined,
      manifestPath,
      afterSeconds,
      buildDiskImage: defaultDiskImageBuilder,
      onSerial: (bytes) => io.stderr(bytes.toString('latin1')),
      stderr: io.stderr,
      signal: io.signal,
    });
    if (!result.snapshot) {
      io.stderr(`bootlab inspect: ${result.error ?? 'the machine could not be inspected'}\n`);
      return 1;
    }
    const locator = result.locator;
    const report = formatReport(result.snapshot, {
      describeCode: (address) => {
        if (!locator || address > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
        const frame = locator.frame(address);
        return frame.symbol ? describeFrame(frame) : undefined;
      },
    });
    io.stdout(`paused: ${result.pausedBecause}\n${report.text}`);
    return report.segmentsTotal > 0 && report.segmentsOk === report.segmentsTotal ? 0 : 1;
  },
};
