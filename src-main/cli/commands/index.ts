// The registry of `bootlab` subcommands, in the order `bootlab --help` lists them.
import type { CliCommand } from '../command.js';

export const COMMANDS: CliCommand[] = [];
