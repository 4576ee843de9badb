// `bootlab build [DIR] [--release]`: builds a kernel crate the way Build and Boot does.
import { resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { buildForCommand, parseArgs, profileOf, usageError, UsageError } from './kernelCommon.js';

const usage = [
  'Usage: bootlab build [DIR] [--release]',
  '',
  'Builds the kernel crate in DIR (default: the current folder) with its own .cargo/config.toml,',
  'adding only what this machine needs (build-std, an offline source for the library, ld.lld).',
  'Compiler messages go to stderr; the kernel executable\'s path is printed on stdout.',
  '',
  'Examples:',
  '  bootlab build',
  '  bootlab build ~/Documents/Bootlab/sample-kernel --release',
].join('\n');

export const buildCommand: CliCommand = {
  name: 'build',
  summary: 'build a kernel crate with cargo',
  usage,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, [], ['release']);
      if (args.positional.length > 1 || args.rest.length) throw new UsageError('one DIR at most');
    } catch (error) {
      return usageError(io, 'build', error, usage);
    }
    const result = await buildForCommand(io, 'build', resolve(io.cwd, args.positional[0] ?? '.'), profileOf(args));
    if (!result) return 1;
    if (!result.ok) {
      io.stderr(`bootlab build: ${result.error}\n`);
      return result.exitCode && result.exitCode !== 0 ? result.exitCode : 1;
    }
    io.stdout(`${result.kernelPath}\n`);
    return 0;
  },
};
