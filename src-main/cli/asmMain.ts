// `bootlab asm` on its own: the entry of out/asm-cli.cjs. A Makefile may start the assembler once
// per source file, so bin/bootlab.js runs this small CommonJS bundle for `asm` instead of the whole
// CLI, compiled from V8's code cache (see bin/bootlab.js and scripts/build-main.js).
import type { CliIo } from './command.js';
import { asmCommand } from './commands/asm.js';
import { runCommand } from './runCommand.js';

/** Runs `bootlab asm ARGS` (argv without the `asm`) and returns the exit status. */
export function runAsmCli(argv: string[], io: CliIo): Promise<number> {
  return runCommand(asmCommand, argv, io);
}

/** The process's own input and output, as the dispatcher's entry sets them up. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
}
