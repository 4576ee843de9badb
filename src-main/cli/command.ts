// What every `bootlab` subcommand looks like: a name, a one-line summary for `--help`, and a
// run function that gets its own arguments and returns the process exit status.
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT, SIGTERM or SIGHUP: commands end their cargo and QEMU children on it. */
  signal?: AbortSignal;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run: (argv: string[], io: CliIo) => Promise<number>;
}
