// The registry of `bootlab` subcommands, in the order `bootlab --help` lists them. Each module
// is imported only when its command runs (the bundle is split per command), so `bootlab runner`,
// which cargo starts once per test executable, does not parse the web server or the assembler's
// command line, and `bootlab --version` parses almost nothing.
import type { CliCommand } from '../command.js';

export interface LazyCliCommand {
  name: string;
  load: () => Promise<CliCommand>;
}

export const COMMANDS: LazyCliCommand[] = [
  { name: 'build', load: async () => (await import('./build.js')).buildCommand },
  { name: 'run', load: async () => (await import('./run.js')).runCommand },
  { name: 'runner', load: async () => (await import('./runner.js')).runnerCommand },
  { name: 'test', load: async () => (await import('./test.js')).testCommand },
  { name: 'inspect', load: async () => (await import('./inspect.js')).inspectCommand },
  { name: 'image', load: async () => (await import('./image.js')).imageCommand },
  { name: 'asm', load: async () => (await import('./asm.js')).asmCommand },
  { name: 'serve', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'doctor', load: async () => (await import('./doctor.js')).doctorCommand },
];
