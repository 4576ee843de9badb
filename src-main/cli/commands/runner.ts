// `bootlab runner [--firmware bios|uefi] KERNEL_ELF [ARGS...]`: a drop-in for `bootimage runner`.
// In a blog kernel's .cargo/config.toml: `runner = "bootlab runner"`; then `cargo run` and
// `cargo test` behave as with bootimage (metadata keys and exit statuses included). Options before
// the executable are Bootlab's; everything after it goes to QEMU, as with bootimage.
import type { CliCommand } from '../command.js';
import { defaultDiskImageBuilder, bootLogMemoryMap } from '../../services/bootParts.js';
import { runKernel } from '../../services/runner.js';
import { sweepStaleTempDirs } from '../../services/staleTemp.js';

export const runnerCommand: CliCommand = {
  name: 'runner',
  summary: 'cargo runner for kernels: a drop-in for `bootimage runner`',
  usage: [
    'Usage: bootlab runner [--firmware bios|uefi] KERNEL_ELF [QEMU_ARGS...]',
    '',
    'Builds a disk image for KERNEL_ELF and runs it in QEMU like `bootimage runner`: the',
    "crate's [package.metadata.bootimage] run-command, run-args, test-args,",
    'test-success-exit-code, test-timeout and test-no-reboot apply; an executable in a `deps`',
    'folder (or named rustdoctest*) is a test. Cargo.toml is found from CARGO_MANIFEST_DIR, the',
    "executable's target/ folder, or the current folder upwards. Extra arguments go to QEMU.",
    '--firmware (before the executable) chooses BIOS or UEFI (OVMF); default: BOOTLAB_FIRMWARE,',
    "else the crate's [package.metadata.bootlab] firmware, else bios. The image is hybrid.",
    '',
    'Exit status: tests map test-success-exit-code to 0 and QEMU\'s own 0 to 1 (a triple fault',
    'is not a pass); a timeout is 1; anything else passes through.',
    '',
    'Examples (in .cargo/config.toml):',
    '  [target.\'cfg(target_os = "none")\']',
    '  runner = "bootlab runner"',
    'then `cargo run` or `cargo test` as usual.',
  ].join('\n'),
  async run(argv, io) {
    // Folders a crashed Bootlab left behind; runs alongside the image build.
    void sweepStaleTempDirs();
    let firmware: string | undefined;
    let i = 0;
    for (; i < argv.length && argv[i]!.startsWith('--firmware'); i++) {
      const a = argv[i]!;
      if (a === '--firmware') {
        firmware = argv[++i];
        if (firmware === undefined) {
          io.stderr('bootlab runner: --firmware needs a value (bios or uefi)\n');
          return 2;
        }
      } else if (a.startsWith('--firmware=')) firmware = a.slice('--firmware='.length);
      else break;
    }
    const [kernel, ...rest] = argv.slice(i);
    if (!kernel) {
      io.stderr('bootlab runner: the kernel executable is missing (cargo passes it)\n');
      return 2;
    }
    const result = await runKernel({
      kernelPath: kernel,
      args: rest,
      mode: 'runner',
      firmware,
      cwd: io.cwd,
      env: io.env,
      stdout: (bytes) => io.stdout(bytes.toString('latin1')),
      stderr: io.stderr,
      buildDiskImage: defaultDiskImageBuilder,
      parseBootLog: bootLogMemoryMap,
      signal: io.signal,
    });
    return result.exitCode;
  },
};
