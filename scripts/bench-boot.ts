// Boot benchmark (issue 4): QEMU start to isa-debug-exit, side by side in one run, median of 5:
//   - the floor: a 512-byte boot sector (assembled by Bootlab's assembler) that exits at once
//   - a kernel that exits at its first instruction, booted by Bootlab's bootloader, without
//     features and with map_physical_memory (QEMU's E820 map reaches 1 TiB: 524288 2 MiB pages)
//   - the sample kernel (map_physical_memory; prints its memory map on serial and VGA), with and
//     without the host log
//   - a bootloader_api 0.11 kernel that exits at entry (fixtures/kernels/exit-011): the 0.11 path,
//     VBE framebuffer included; the VBE mode set (int 10h 4F02h, which clears the framebuffer) is
//     reported apart, from stage2's `vbe` host-log record (the ticks it also leaves in fb_mode_tsc)
// plus the image build time for a 7 MB debug ELF and image size against ELF size. Kernels boot
// from the MBR image (`--firmware bios`) and from the hybrid image (`bootlab image`'s default)
// side by side.
// Build and run: npx esbuild scripts/bench-boot.ts --bundle --platform=node --format=esm \
//   --outfile=out/bench-boot.mjs && node out/bench-boot.mjs   (or `npm run bench boot`)
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assemble } from '../src-main/asm/index.js';
import { parseBootLog } from '../src-main/image/bootLog.js';
import { cargoInvocation } from '../src-main/services/cargo.js';
import type { ImageKind } from '../src-main/image/disk.js';
import { buildDiskImage, clearBootloaderMemoryCache } from '../src-main/services/imageBuilder.js';
import { findRust, type RustToolchain } from '../src-main/services/toolchain.js';

const ROOT = resolve(process.argv[1] ? join(process.argv[1], '..', '..') : '.');
const REPO = statSafe(join(ROOT, 'resources', 'bootloader')) ? ROOT : process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const work = join(tmpdir(), `bootlab-bench-boot-${process.pid}`);
mkdirSync(work, { recursive: true });

function statSafe(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function cargo(rust: RustToolchain, dir: string, sub: string, args: string[], targetDir: string): void {
  const inv = cargoInvocation({ projectDir: dir, toolchain: rust, subcommand: sub, extraArgs: args, targetDir, messageFormat: null, color: 'never' });
  execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'ignore', 'inherit'] });
}

function qemu(image: string, debugcon?: string): Promise<{ seconds: number; status: number | null }> {
  const args = ['-drive', `format=raw,file=${image}`, '-nic', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-serial', 'stdio', '-display', 'none'];
  if (debugcon) args.push('-debugcon', `file:${debugcon}`);
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', rej);
    child.on('exit', (status) => {
      clearTimeout(timer);
      res({ seconds: (performance.now() - t0) / 1000, status });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Stage2's `vbe` host-log record (resources/bootloader/stage2.asm, set_framebuffer): the TSC ticks of the mode scan and the mode set. */
function vbeRecord(unknownLines: string[]): { scanTsc: bigint; setTsc: bigint } | undefined {
  const line = unknownLines.find((l) => l.startsWith('vbe '));
  const scan = line && /\bscan-tsc=(0x[0-9a-f]+)/.exec(line);
  const set = line && /\bset-tsc=(0x[0-9a-f]+)/.exec(line);
  return scan && set ? { scanTsc: BigInt(scan[1]!), setTsc: BigInt(set[1]!) } : undefined;
}

async function main() {
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  const target = join(REPO, '.cache', 'conformance-target');
  const exitDir = join(REPO, 'fixtures', 'kernels', 'conformance');
  process.stderr.write('building the benchmark kernels...\n');
  cargo(rust, exitDir, 'rustc', ['--bin', 'exit-kernel', '--', '-C', 'relocation-model=static'], target);
  const exitElf = join(work, 'exit-kernel');
  copyFileSync(join(target, 'x86_64-unknown-none', 'debug', 'exit-kernel'), exitElf);
  cargo(rust, exitDir, 'rustc', ['--features', 'ballast', '--bin', 'exit-kernel', '--', '-C', 'relocation-model=static'], target);
  const ballastElf = join(work, 'exit-kernel-7mb');
  copyFileSync(join(target, 'x86_64-unknown-none', 'debug', 'exit-kernel'), ballastElf);
  const exit011Target = join(REPO, '.cache', 'bench-011-target');
  cargo(rust, join(REPO, 'fixtures', 'kernels', 'exit-011'), 'build', [], exit011Target);
  const exit011Elf = join(exit011Target, 'x86_64-unknown-none', 'debug', 'exit-011');
  const sampleTarget = join(REPO, '.cache', 'test-target');
  cargo(rust, join(REPO, 'resources', 'sample-kernel'), 'build', [], sampleTarget);
  const sampleElf = join(sampleTarget, 'x86_64-unknown-none', 'debug', 'sample-kernel');

  // The floor: mov al, 0x10 / out 0xf4, al / hlt, assembled by Bootlab's assembler.
  const floorAsm = 'bits 16\norg 0x7c00\nmov al, 0x10\nout 0xf4, al\ncli\nhlt\ntimes 510-($-$$) db 0\ndw 0xaa55\n';
  const floor = assemble(floorAsm, { fileName: 'floor.asm' });
  if (!floor.ok) throw new Error(`floor.asm: ${floor.diagnostics.map((d) => d.message).join('; ')}`);
  const floorImg = join(work, 'floor.img');
  writeFileSync(floorImg, floor.bytes);

  const images: { name: string; path: string }[] = [{ name: '512-byte boot sector that exits at once (floor)', path: floorImg }];
  const add = async (name: string, kernelPath: string, features: string[], hostLog = false, imageKind: ImageKind = 'bios') => {
    const path = join(work, `${images.length}.img`);
    await buildDiskImage({ kernelPath, outPath: path, features, hostLog, imageKind });
    images.push({ name, path });
  };
  await add('exit-at-entry kernel, Bootlab bootloader', exitElf, []);
  await add('exit-at-entry kernel, Bootlab bootloader, hybrid image (GPT, ESP)', exitElf, [], false, 'hybrid');
  await add('exit-at-entry kernel, Bootlab bootloader, map_physical_memory (1 TiB)', exitElf, ['map_physical_memory']);
  await add('sample kernel (map_physical_memory, prints its map), Bootlab bootloader', sampleElf, ['map_physical_memory']);
  await add('sample kernel, as above, hybrid image (GPT, ESP)', sampleElf, ['map_physical_memory'], false, 'hybrid');
  await add('sample kernel, as above, with the host log on port 0xE9', sampleElf, ['map_physical_memory'], true);
  const first011 = images.length;
  await add('bootloader_api 0.11 exit-at-entry kernel (VBE framebuffer), Bootlab bootloader', exit011Elf, []);
  await add('bootloader_api 0.11 exit-at-entry kernel, hybrid image (GPT, ESP)', exit011Elf, [], false, 'hybrid');

  const times: number[][] = images.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < images.length; i++) {
      const run = await qemu(images[i]!.path);
      if (run.status !== 33) throw new Error(`${images[i]!.name}: QEMU exited with ${run.status}, not 33`);
      times[i]!.push(run.seconds);
    }
  }

  // Inside the guest: the loader's own time by TSC, from the host log (immune to host noise).
  const tscHz = (() => {
    try {
      const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
      return mhz ? Number(mhz) * 1e6 : undefined;
    } catch {
      return undefined;
    }
  })();
  const inside: string[] = [];
  /** Median VBE mode-set time (ms) per kernel and image kind, from the host-log runs. */
  const modeSetMs = new Map<string, number>();
  if (tscHz) {
    const logged: [string, string, string[], ImageKind?][] = [
      ['exit-at-entry kernel', exitElf, []],
      ['exit-at-entry kernel, hybrid image', exitElf, [], 'hybrid'],
      ['exit-at-entry kernel, map_physical_memory (1 TiB)', exitElf, ['map_physical_memory']],
      ['sample kernel (96 KiB payload), map_physical_memory', sampleElf, ['map_physical_memory']],
      ['sample kernel, map_physical_memory, hybrid image', sampleElf, ['map_physical_memory'], 'hybrid'],
    ];
    inside.push('## Inside the guest (TSC from the host log, median of ' + RUNS + ')');
    inside.push('');
    inside.push(`TSC ticks converted at ${(tscHz / 1e6).toFixed(0)} MHz (/proc/cpuinfo; QEMU TCG's TSC is the host's).`);
    inside.push('');
    logged.push(['bootloader_api 0.11 exit-at-entry kernel (VBE framebuffer)', exit011Elf, []], ['bootloader_api 0.11 exit-at-entry kernel, hybrid image', exit011Elf, [], 'hybrid']);
    inside.push('| kernel | MBR to kernel entry, without writing the log | of which VBE mode scan (4F00h/4F01h) | of which VBE mode set (4F02h) | page tables | reading stage3 + plan + payload | writing the host log | payload read by |');
    inside.push('|---|---|---|---|---|---|---|---|');
    for (const [name, elf, features, imageKind] of logged) {
      const img = join(work, `logged-${inside.length}.img`);
      await buildDiskImage({ kernelPath: elf, outPath: img, features, hostLog: true, imageKind });
      const loader: number[] = [];
      const paging: number[] = [];
      const reading: number[] = [];
      const logging: number[] = [];
      const vbeScan: number[] = [];
      const vbeSet: number[] = [];
      let method = '?';
      for (let r = 0; r < RUNS; r++) {
        const con = join(work, 'debugcon.log');
        rmSync(con, { force: true });
        await qemu(img, con);
        const log = parseBootLog(existsSync(con) ? readFileSync(con, 'latin1') : '');
        const t = (n: string) => log.stages.find((s) => s.name === n)?.tsc ?? 0n;
        const ms = (a: bigint, b: bigint) => (Number(b - a) / tscHz) * 1000;
        loader.push(ms(t('mbr'), t('boot-info')));
        paging.push(ms(t('checksum'), t('page-tables')));
        reading.push(ms(t('a20'), t('payload')));
        logging.push(ms(t('boot-info'), t('kernel')));
        method = log.payloadRead?.method ?? '?';
        const vbe = vbeRecord(log.unknown);
        if (vbe) {
          vbeScan.push((Number(vbe.scanTsc) / tscHz) * 1000);
          vbeSet.push((Number(vbe.setTsc) / tscHz) * 1000);
        }
      }
      const vbeMs = (xs: number[]) => (xs.length ? `${median(xs).toFixed(1)} ms` : '–');
      inside.push(`| ${name} | ${median(loader).toFixed(1)} ms (fastest ${Math.min(...loader).toFixed(1)} ms) | ${vbeMs(vbeScan)} | ${vbeMs(vbeSet)} | ${median(paging).toFixed(1)} ms | ${median(reading).toFixed(1)} ms | ${median(logging).toFixed(1)} ms | ${method} |`);
      if (vbeSet.length) modeSetMs.set(elf + (imageKind ?? 'bios'), median(vbeSet));
    }
    inside.push('');
  }

  const floorMedian = median(times[0]!);
  const out: string[] = [];
  out.push('## Boot: QEMU start to isa-debug-exit');
  out.push('');
  out.push(`QEMU ${execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.replace(/^QEMU emulator version /, '')}, TCG, default machine and CPU, \`-nic none\`; median of ${RUNS}, runs interleaved.`);
  out.push('');
  out.push('| boot | median | min | max | above the floor |');
  out.push('|---|---|---|---|---|');
  images.forEach((img, i) => {
    const t = times[i]!;
    const m = median(t);
    out.push(`| ${img.name} | ${m.toFixed(3)} s | ${Math.min(...t).toFixed(3)} s | ${Math.max(...t).toFixed(3)} s | ${i === 0 ? '–' : `${((m - floorMedian) * 1000).toFixed(0)} ms`} |`);
  });
  out.push('');
  out.push('Reference (BOOT-CONTRACT.md section 10, without `-nic none`): floor 0.115 s, bootloader 0.9.35 basic_boot 0.217 s, with map_physical_memory 0.365 s, GRUB about 0.46 s.');
  out.push('');
  // Issue 12's target: a 0.11 kernel's BIOS boot within 15 ms of the floor, the VBE mode set apart.
  out.push('0.11 kernels on BIOS (target: at most 15 ms above the floor, the VBE mode set excluded and reported apart; the mode set from the host-log runs below):');
  out.push('');
  // Medians, and the fastest runs (on a shared host the least disturbed ones) as a second view.
  out.push('| boot | above the floor (medians; fastest runs) | VBE mode set (4F02h) | above the floor without the mode set (medians; fastest runs) | target |');
  out.push('|---|---|---|---|---|');
  const floorMin = Math.min(...times[0]!);
  for (let i = first011; i < images.length; i++) {
    const above = (median(times[i]!) - floorMedian) * 1000;
    const aboveMin = (Math.min(...times[i]!) - floorMin) * 1000;
    const set = modeSetMs.get(exit011Elf + (i === first011 ? 'bios' : 'hybrid'));
    const without = set === undefined ? undefined : above - set;
    const withoutMin = set === undefined ? undefined : aboveMin - set;
    out.push(
      `| ${images[i]!.name} | ${above.toFixed(0)} ms; ${aboveMin.toFixed(0)} ms | ${set === undefined ? '?' : `${set.toFixed(1)} ms`} | ${without === undefined ? '?' : `${without.toFixed(0)} ms; ${withoutMin!.toFixed(0)} ms`} | ${without === undefined ? '?' : without <= 15 ? 'met' : '**not met**'} |`,
    );
  }
  out.push('');
  out.push(...inside);

  out.push('## Image build');
  out.push('');
  out.push('| kernel ELF | ELF size | loadable | image size | build (cold assembler cache) | build (warm) |');
  out.push('|---|---|---|---|---|---|');
  for (const [name, elf, features, imageKind] of [
    ['7 MB debug ELF (exit kernel + 6 MiB non-loadable ballast standing in for debug info)', ballastElf, [], 'bios'],
    ['7 MB debug ELF, hybrid image (GPT, BIOS boot partition, ESP with BOOTX64.EFI)', ballastElf, [], 'hybrid'],
    ['sample kernel, debug', sampleElf, ['map_physical_memory'], 'bios'],
    ['sample kernel, debug, hybrid image', sampleElf, ['map_physical_memory'], 'hybrid'],
  ] as [string, string, string[], ImageKind][]) {
    clearBootloaderMemoryCache();
    const cold = await buildDiskImage({ kernelPath: elf, outPath: join(work, 'cold.img'), features, imageKind, cacheDir: false, resourcesDir: join(REPO, 'resources') });
    const warm: number[] = [];
    let facts = cold;
    for (let r = 0; r < RUNS; r++) {
      facts = await buildDiskImage({ kernelPath: elf, outPath: join(work, 'warm.img'), features, imageKind, cacheDir: false, resourcesDir: join(REPO, 'resources') });
      warm.push(facts.timings.totalMs);
    }
    out.push(
      `| ${name} | ${(facts.elfBytes / 1e6).toFixed(2)} MB | ${(facts.payloadBytes / 1024).toFixed(0)} KiB | ${(facts.imageBytes / 1024).toFixed(0)} KiB (${((facts.imageBytes / facts.elfBytes) * 100).toFixed(1)} % of the ELF) | ${cold.timings.totalMs.toFixed(0)} ms (${cold.timings.assembleCached ? 'cached' : `assembling ${cold.timings.assembleMs.toFixed(0)} ms`}) | ${median(warm).toFixed(1)} ms |`,
    );
  }
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`bench-boot: ${(e as Error).stack ?? e}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
