// The registry of `bootlab` subcommands, in the order `bootlab --help` lists them.
import type { CliCommand } from '../command.js';
import { asmCommand } from './asm.js';
import { buildCommand } from './build.js';
import { doctorCommand } from './doctor.js';
import { imageCommand } from './image.js';
import { runCommand } from './run.js';
import { runnerCommand } from './runner.js';
import { serveCommand } from './serve.js';
import { testCommand } from './test.js';

export const COMMANDS: CliCommand[] = [buildCommand, runCommand, runnerCommand, testCommand, imageCommand, asmCommand, serveCommand, doctorCommand];
