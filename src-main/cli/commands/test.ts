// `bootlab test [DIR] [-- CARGO_TEST_ARGS...]`: `cargo test` with Bootlab as the runner, without
// editing the crate (the runner travels as `--config target.<target>.runner=[...]`).
import { resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { cargoInvocation, readCrateBuildConfig } from '../../services/cargo.js';
import { spawnTree, exited, killTree } from '../../services/proc.js';
import { KERNEL_TARGET } from '../../services/toolchain.js';
import { parseArgs, profileOf, rustOrDoctor, usageError, UsageError } from './kernelCommon.js';

const usage = [
  'Usage: bootlab test [DIR] [--release] [-- CARGO_TEST_ARGS...]',
  '',
  "Runs `cargo test` in DIR (default: the current folder) with `bootlab runner` as the target's",
  "runner, whatever the crate's own runner line says. Test kernels exit through isa-debug-exit;",
  "[package.metadata.bootimage] decides the arguments, the success code and the timeout.",
  '',
  'Examples:',
  '  bootlab test',
  '  bootlab test path/to/blog_os -- --test basic_boot',
].join('\n');

/** The command that runs this Bootlab (node + script), for cargo's runner setting. */
export function selfCommand(): string[] {
  const script = process.argv[1];
  return script ? [process.execPath, resolve(script)] : ['bootlab'];
}

export const testCommand: CliCommand = {
  name: 'test',
  summary: 'cargo test with Bootlab as the runner (no change to the crate)',
  usage,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, [], ['release']);
      if (args.positional.length > 1) throw new UsageError('one DIR at most (cargo test arguments go after --)');
    } catch (error) {
      return usageError(io, 'test', error, usage);
    }
    const dir = resolve(io.cwd, args.positional[0] ?? '.');
    const rust = await rustOrDoctor(io, 'test');
    if (!rust) return 1;
    const targetName = readCrateBuildConfig(dir).targetName ?? KERNEL_TARGET;
    const runner = [...selfCommand(), 'runner'];
    const inv = cargoInvocation({
      projectDir: dir,
      toolchain: rust,
      subcommand: 'test',
      profile: profileOf(args),
      env: io.env,
      messageFormat: null,
      extraArgs: ['--config', `target.${/^[\w-]+$/.test(targetName) ? targetName : JSON.stringify(targetName)}.runner=${JSON.stringify(runner)}`, ...args.rest],
    });
    for (const note of inv.notes) io.stderr(`bootlab: ${note}\n`);
    const child = spawnTree(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], tie: 'group' });
    const closed = new Promise((r) => child.once('close', r).once('error', r));
    child.stdout?.on('data', (b: Buffer) => io.stdout(b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => io.stderr(b.toString('utf8')));
    // SIGTERM first: the `bootlab runner` under cargo then ends its own QEMU (which lives in
    // a process group of its own); whatever is left a few seconds later is killed.
    const onSignal = () => {
      killTree(child, 'SIGTERM');
      setTimeout(() => killTree(child), 3000).unref();
    };
    io.signal?.addEventListener('abort', onSignal, { once: true });
    let spawnError: string | undefined;
    child.on('error', (e) => (spawnError = e.message));
    const { code } = await exited(child);
    await closed;
    io.signal?.removeEventListener('abort', onSignal);
    if (spawnError) {
      io.stderr(`bootlab test: could not start ${inv.command}: ${spawnError}\n`);
      return 1;
    }
    return code ?? 1;
  },
};
