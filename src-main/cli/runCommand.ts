// Running one loaded subcommand: its --help, its exit status, and an unexpected error as a
// message. Shared by the dispatcher (main.ts) and `bootlab asm`'s own entry (asmMain.ts).
import type { CliCommand, CliIo } from './command.js';

export async function runCommand(command: CliCommand, rest: string[], io: CliIo): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) {
    // `runner` forwards its arguments to QEMU, so only a --help in first place is ours.
    if (command.name !== 'runner' || rest[0] === '--help' || rest[0] === '-h') {
      io.stdout(`${command.summary}\n\n${command.usage}\n`);
      return 0;
    }
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr(`bootlab ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
