// `bootlab image KERNEL_ELF -o DISK_IMAGE [--firmware hybrid|bios|uefi] [--manifest PATH/Cargo.toml]
// [--features a,b] [--ramdisk FILE] [--host-log]`: writes a bootable disk image for a kernel ELF with Bootlab's own
// bootloader and prints the layout it chose.
import { resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { IMAGE_KINDS, type ImageKind } from '../../image/disk.js';
import { buildDiskImage } from '../../services/imageBuilder.js';
import { readKernelManifest } from '../../services/manifest.js';
import { findRust } from '../../services/toolchain.js';

const usage = [
  'Usage: bootlab image KERNEL_ELF -o DISK_IMAGE [--firmware hybrid|bios|uefi] [--manifest PATH/Cargo.toml] [--features a,b] [--ramdisk FILE] [--host-log]',
  '',
  'Writes a raw disk image (Bootlab bootloader, load plan, the kernel\'s loadable bytes) that',
  'boots KERNEL_ELF like the bootloader 0.9 crate would, or, for a bootloader_api 0.11',
  'kernel, as its .bootloader-config section asks (BIOS and UEFI alike).',
  '',
  '  -o, --output PATH   the disk image to write (written to a temporary file, then renamed)',
  '  --firmware KIND     hybrid (default): boots with BIOS and UEFI (protective MBR with',
  '                      stage 1, GPT, BIOS boot partition, EFI system partition);',
  '                      bios: MBR only, the smallest; uefi: GPT and EFI system partition',
  '  --manifest PATH     the kernel\'s Cargo.toml: its bootloader features and',
  '                      [package.metadata.bootloader] decide the layout',
  '  --features LIST     bootloader features, comma-separated: map_physical_memory,',
  '                      recursive_page_table, sse, vga_320x200 (wins over the manifest)',
  '  --ramdisk FILE      a bootloader_api 0.11 kernel\'s ramdisk (mapped as its config says)',
  '  --host-log          make the bootloader write its log to port 0xE9 (QEMU -debugcon)',
  '',
  'Example:',
  '  bootlab image target/x86_64-blog_os/debug/blog_os -o blog_os.img --manifest Cargo.toml',
].join('\n');

interface ImageArgs {
  kernel?: string;
  output?: string;
  manifest?: string;
  features?: string[];
  ramdisk?: string;
  hostLog: boolean;
  kind: ImageKind;
}

function parse(argv: string[]): ImageArgs | string {
  const out: ImageArgs = { hostLog: false, kind: 'hybrid' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith('--') ? (a.split(/=(.*)/s, 2) as [string, string | undefined]) : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      if (name === '-o' || name === '--output') out.output = value();
      else if (name === '--manifest') out.manifest = value();
      else if (name === '--firmware') {
        const kind = value();
        if (!IMAGE_KINDS.includes(kind as ImageKind)) return `--firmware must be ${IMAGE_KINDS.slice(0, -1).join(', ')} or ${IMAGE_KINDS.at(-1)}, not "${kind}"`;
        out.kind = kind as ImageKind;
      }
      else if (name === '--features')
        out.features = value()
          .split(/[\s,]+/)
          .map((x) => x.trim())
          .filter(Boolean);
      else if (name === '--ramdisk') out.ramdisk = value();
      else if (name === '--host-log' && inline === undefined) out.hostLog = true;
      else if (a.startsWith('-') && a !== '-') return `unknown option ${a}`;
      else if (out.kernel === undefined) out.kernel = a;
      else return `unexpected argument ${a}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!out.kernel) return 'KERNEL_ELF is missing';
  if (!out.output) return '-o DISK_IMAGE is missing';
  return out;
}

export const imageCommand: CliCommand = {
  name: 'image',
  summary: 'write a bootable disk image for a kernel ELF',
  usage,
  async run(argv, io) {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    const args = parse(argv);
    if (typeof args === 'string') {
      io.stderr(`bootlab image: ${args}\n\n${usage}\n`);
      return 2;
    }
    let features = args.features;
    let bootloaderMetadata: Record<string, unknown> | undefined;
    if (args.manifest) {
      try {
        const rust = (await findRust({ env: io.env })).rust;
        const manifest = await readKernelManifest(resolve(io.cwd, args.manifest), {
          features: args.features,
          env: io.env,
          ...(rust ? { toolchain: rust } : { noCargo: true }),
        });
        features = manifest.features;
        bootloaderMetadata = manifest.bootloaderMetadata;
        for (const note of manifest.notes) io.stderr(`bootlab image: note: ${note}\n`);
      } catch (e) {
        io.stderr(`bootlab image: ${(e as Error).message}\n`);
        return 1;
      }
    }
    try {
      const facts = await buildDiskImage({
        kernelPath: resolve(io.cwd, args.kernel!),
        outPath: resolve(io.cwd, args.output!),
        features,
        bootloaderMetadata,
        hostLog: args.hostLog,
        imageKind: args.kind,
        ...(args.ramdisk !== undefined ? { ramdiskPath: resolve(io.cwd, args.ramdisk) } : {}),
      });
      io.stdout(`${facts.imagePath}\n`);
      for (const line of facts.summary) io.stdout(`  ${line}\n`);
      io.stdout(`  built in ${facts.timings.totalMs.toFixed(0)} ms${facts.timings.assembleCached ? ' (bootloader from cache)' : ''}\n`);
      return 0;
    } catch (e) {
      // The message only: every rejection is an ImageBuildError naming what is wrong and where,
      // and anything else is still said in one line, never as a stack trace.
      io.stderr(`bootlab image: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  },
};
