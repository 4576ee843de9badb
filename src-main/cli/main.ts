// The `bootlab` command: dispatches to the subcommands registered in commands/index.ts.
import type { CliCommand, CliIo } from './command.js';
import { COMMANDS, type LazyCliCommand } from './commands/index.js';
import { VERSION } from '../shared/version.js';
import { traceStep } from '../services/trace.js';
import { runCommand } from './runCommand.js';

function helpText(commands: CliCommand[]): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `bootlab ${VERSION}: build, assemble, image and boot Rust kernels in QEMU`,
    '',
    'Usage: bootlab <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show this help (or `bootlab <command> --help`)',
    '  -V, --version  print the version',
    '',
  ].join('\n');
}

/** Commands given as modules to load on use (the real ones) or as loaded commands (tests). */
function asLazy(commands: (CliCommand | LazyCliCommand)[]): LazyCliCommand[] {
  return commands.map((c) => ('load' in c ? c : { name: c.name, load: async () => c }));
}

export async function runCli(argv: string[], io: CliIo, commandList: (CliCommand | LazyCliCommand)[] = COMMANDS): Promise<number> {
  const commands = asLazy(commandList);
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(helpText(await Promise.all(commands.map((c) => c.load()))));
    return first === undefined ? 1 : 0;
  }
  if (first === '-V' || first === '--version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    io.stderr(`bootlab: unknown command '${first}'. Run \`bootlab --help\` for the list.\n`);
    return 2;
  }
  const command = await entry.load();
  traceStep(`command ${command.name} loaded`);
  return runCommand(command, rest, io);
}

const isEntry = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith('/cli.js');
if (isEntry) {
  // QEMU and cargo run in process groups of their own (so Stop can end a whole tree), which
  // means a terminal's Ctrl-C or a `timeout` does not reach them: we end them ourselves.
  const interrupted = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
    interrupted.abort(signal);
    process.exitCode = 130;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    signal: interrupted.signal,
  };
  traceStep('cli started');
  runCli(process.argv.slice(2), io).then((code) => {
    traceStep('command done');
    process.exitCode = interrupted.signal.aborted ? 130 : code;
  });
}
