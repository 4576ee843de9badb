// Helpers shared by the kernel commands (build, run, runner, test, doctor): argument parsing,
// toolchain lookup with the doctor's message, and cargo's rendered output.
import type { CliIo } from '../command.js';
import { buildKernel, type BuildKernelResult } from '../../services/cargo.js';
import type { RustToolchain } from '../../services/toolchain.js';
import { checkToolchain, formatReport } from '../../services/toolchain.js';
import { defaultSettingsPath, loadSettings } from '../../services/settings.js';
import type { Profile } from '../../shared/api.js';
import { traceStep } from '../../services/trace.js';

export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  /** Everything after `--`. */
  rest: string[];
  flags: Map<string, string | true>;
}

/** Parses `--name`, `--name VALUE`, `--name=VALUE` for the options in `valued`; `--` ends options. */
export function parseArgs(argv: string[], valued: string[], booleans: string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], rest: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (valued.includes(name)) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        out.flags.set(name, value);
      } else if (booleans.includes(name) && inline === undefined) out.flags.set(name, true);
      else throw new UsageError(`unknown option ${a}`);
    } else if (a.startsWith('-') && a.length > 1) {
      throw new UsageError(`unknown option ${a}`);
    } else out.positional.push(a);
  }
  return out;
}

export function profileOf(args: ParsedArgs): Profile {
  return args.flags.has('release') ? 'release' : 'debug';
}

export function featuresOf(args: ParsedArgs): string[] | undefined {
  const f = args.flags.get('features');
  if (typeof f !== 'string') return undefined;
  return f
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** The Rust toolchain, or the doctor's report on stderr and undefined. */
export async function rustOrDoctor(io: CliIo, command: string): Promise<RustToolchain | undefined> {
  const loaded = loadSettings(defaultSettingsPath(io.env));
  if (loaded.problem) io.stderr(`bootlab: ${loaded.problem}\n`);
  const check = await checkToolchain({ env: io.env, settings: loaded.settings });
  if (check.rust) return check.rust;
  io.stderr(`bootlab ${command}: no Rust toolchain that can build kernels was found.\n\n${formatReport(check.report)}`);
  return undefined;
}

/** Builds a kernel crate for a command, cargo's output on stderr; undefined when there is no toolchain (the doctor has spoken). */
export async function buildForCommand(io: CliIo, command: string, projectDir: string, profile: Profile): Promise<BuildKernelResult | undefined> {
  const rust = await rustOrDoctor(io, command);
  traceStep('toolchain found');
  if (!rust) return undefined;
  return buildKernel({
    projectDir,
    profile,
    toolchain: rust,
    env: io.env,
    color: process.stderr.isTTY ? 'always' : 'never',
    onLine: (line) => io.stderr(`${line}\n`),
    signal: io.signal,
  });
}

export function usageError(io: CliIo, command: string, error: unknown, usage: string): number {
  if (error instanceof UsageError) {
    io.stderr(`bootlab ${command}: ${error.message}\n\n${usage}\n`);
    return 2;
  }
  throw error;
}
