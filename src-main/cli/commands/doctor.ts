// `bootlab doctor`: what Bootlab found, what is missing and the command that installs it.
import type { CliCommand } from '../command.js';
import { checkToolchain, formatReport } from '../../services/toolchain.js';
import { defaultSettingsPath, loadSettings } from '../../services/settings.js';

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check cargo, rustc, rust-src or the kernel target, a linker and QEMU',
  usage: [
    'Usage: bootlab doctor [--json]',
    '',
    'Looks for cargo and rustc (CARGO/RUSTC, the settings, PATH, ~/.cargo/bin, system folders),',
    'checks that they can build kernels (rust-src for build-std, or the x86_64-unknown-none',
    'library), finds a linker and QEMU, and prints the install command for anything missing.',
    'Exit status 0 when everything needed is there, 1 otherwise.',
    '',
    'Examples:',
    '  bootlab doctor',
    '  bootlab doctor --json',
  ].join('\n'),
  async run(argv, io) {
    const json = argv.includes('--json');
    const unknown = argv.filter((a) => a !== '--json');
    if (unknown.length) {
      io.stderr(`bootlab doctor: unknown argument ${unknown[0]}\n`);
      return 2;
    }
    const loaded = loadSettings(defaultSettingsPath(io.env));
    if (loaded.problem) io.stderr(`bootlab: ${loaded.problem}\n`);
    const check = await checkToolchain({ env: io.env, settings: loaded.settings });
    io.stdout(json ? `${JSON.stringify(check.report, null, 2)}\n` : formatReport(check.report));
    return check.report.ok ? 0 : 1;
  },
};
