// `bootlab test [DIR] [--release] [--watch] [-- CARGO_ARGS [-- EXE_ARGS]]`: the crate's tests
// through Bootlab's test service: cargo builds the test executables, each runs in its own QEMU,
// as many at once as the machine has cores, without editing the crate. Each executable's serial
// output and result are printed as one block when it ends; the last line on stdout is the tally.
import { relative, resolve } from 'node:path';
import type { CliCommand, CliIo } from '../command.js';
import { resolveFirmware } from '../../services/firmware.js';
import { runTests, type TestRunResult } from '../../services/testRun.js';
import { describeFrame } from '../../services/codeLocator.js';
import type { RustToolchain } from '../../services/toolchain.js';
import { executableLabel, tallyLine, type TestExecutableResult } from '../../shared/tests.js';
import { parseArgs, profileOf, rustOrDoctor, usageError, UsageError, type ParsedArgs } from './kernelCommon.js';
import { watchLoop } from './watchLoop.js';

const usage = [
  'Usage: bootlab test [DIR] [--release] [--firmware bios|uefi] [--watch] [-- CARGO_ARGS... [-- EXE_ARGS...]]',
  '',
  "Builds the test executables of the kernel crate in DIR (default: the current folder) with",
  '`cargo test --no-run` and runs each in its own QEMU, in parallel, as `bootlab runner` would:',
  '[package.metadata.bootimage] decides test-args, the success code and the timeout. CARGO_ARGS',
  'choose what cargo builds (--lib, --test NAME, --features ...); EXE_ARGS go to every test',
  "executable (appended to QEMU's command line, as bootimage does). The last line is",
  '`tests: P passed, F failed` (plus `, T timed out`); the status is 0 only when nothing failed.',
  '',
  '  --release   build with the release profile',
  '  --firmware  bios or uefi (OVMF) for every test executable; default: BOOTLAB_FIRMWARE,',
  "              else the crate's [package.metadata.bootlab] firmware, else bios",
  '  --watch     run again whenever a file of the crate changes (src/, tests/, Cargo.toml,',
  '              build.rs, .cargo/); a change during a run stops it and starts over',
  '',
  'Examples:',
  '  bootlab test',
  '  bootlab test path/to/blog_os -- --test basic_boot',
  '  bootlab test --watch -- --lib',
].join('\n');

/** cargo's arguments and the executables' arguments (after a second `--`). */
export function splitRest(rest: string[]): { cargoArgs: string[]; exeArgs: string[] } {
  const i = rest.indexOf('--');
  return i < 0 ? { cargoArgs: rest, exeArgs: [] } : { cargoArgs: rest.slice(0, i), exeArgs: rest.slice(i + 1) };
}

const SECONDS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function printExecutable(io: CliIo, r: TestExecutableResult, projectDir: string): void {
  const label = executableLabel(r.executable, projectDir);
  const serial = r.serial.endsWith('\n') || r.serial === '' ? r.serial : `${r.serial}\n`;
  const counted = r.tests.length ? ` (${r.tests.length} test${r.tests.length === 1 ? '' : 's'})` : '';
  io.stdout(`     Running ${label} (${relative(projectDir, r.executable.path)})\n${serial}${label}: ${r.outcome}${counted} in ${SECONDS(r.ms)}\n`);
  if (r.outcome === 'passed' || r.outcome === 'cancelled') return;
  // The runner's own lines (QEMU's complaints, `Error: Timed Out`) unless they only repeat the message.
  const log = (r.log ?? '').split('\n').filter((l) => l.trim() && !(r.message && l.includes(r.message)));
  const lines = [...log, `bootlab: ${label}: ${r.message ?? r.outcome}`];
  for (const frame of r.frames ?? []) lines.push(`  ${describeFrame(frame)}`);
  io.stderr(`${lines.join('\n')}\n`);
}

async function testOnce(io: CliIo, args: ParsedArgs, dir: string, rust: RustToolchain, signal?: AbortSignal): Promise<TestRunResult> {
  const { cargoArgs, exeArgs } = splitRest(args.rest);
  return runTests({
    projectDir: dir,
    toolchain: rust,
    profile: profileOf(args),
    cargoArgs,
    exeArgs,
    // Each executable runs through the runner, which reads the firmware from BOOTLAB_FIRMWARE
    // when no option names it: --firmware is passed that way, winning over the variable.
    env: typeof args.flags.get('firmware') === 'string' ? { ...io.env, BOOTLAB_FIRMWARE: args.flags.get('firmware') as string } : io.env,
    color: process.stderr.isTTY ? 'always' : 'never',
    signal,
    onLine: (line) => io.stderr(`${line}\n`),
    onExecutableEnd: (r) => printExecutable(io, r, dir),
  });
}

/** The run's status and its last lines: the failures again, then the tally. */
function finishRun(io: CliIo, result: TestRunResult, dir: string): number {
  if (result.cancelled) {
    io.stderr('bootlab test: stopped\n');
    return 130;
  }
  if (!result.built) {
    io.stderr(`bootlab test: ${result.error}\n`);
    return 101;
  }
  const bad = result.executables.filter((r) => r.outcome === 'failed' || r.outcome === 'timed-out');
  if (bad.length) {
    io.stdout(`\nfailures:\n${bad.map((r) => `    ${executableLabel(r.executable, dir)}: ${r.outcome}${r.panicLocation ? ` at ${relative(dir, r.panicLocation.file)}:${r.panicLocation.line}` : ''}\n`).join('')}\n`);
  }
  io.stdout(`${tallyLine(result.tally)}\n`);
  return result.tally.failed === 0 && result.tally.timedOut === 0 ? 0 : 1;
}

export const testCommand: CliCommand = {
  name: 'test',
  summary: "the crate's tests, each executable in its own QEMU, in parallel",
  usage,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, ['firmware'], ['release', 'watch']);
      if (args.positional.length > 1) throw new UsageError('one DIR at most (cargo test arguments go after --)');
      const firmware = args.flags.get('firmware');
      if (typeof firmware === 'string') {
        try {
          resolveFirmware({ option: firmware, env: {} });
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
    } catch (error) {
      return usageError(io, 'test', error, usage);
    }
    const dir = resolve(io.cwd, args.positional[0] ?? '.');
    const rust = await rustOrDoctor(io, 'test');
    if (!rust) return 1;
    if (!args.flags.has('watch')) return finishRun(io, await testOnce(io, args, dir, rust, io.signal), dir);
    return watchLoop(io, 'test', dir, async (signal) => finishRun(io, await testOnce(io, args, dir, rust, signal), dir));
  },
};
