// UEFI loader benchmark (issue 12): the cost of Bootlab's BOOTX64.EFI inside one boot, from its
// first instruction to the kernel's, under OVMF. Separate OVMF boots vary by seconds (OVMF itself
// takes 4-7 s of CPU under TCG), so the loader is timed inside each boot with the TSC stamps the
// host log carries: stage "loader" (efi_main's first instructions), "plan" (PLAN.BIN read and
// checked), "payload" (KERNEL.BIN read), "e820" (ExitBootServices done, the map translated) and
// the entry record (just before the jump to the kernel). The kernel is the conformance fixture's
// exit-kernel (exits QEMU at its first instruction), with map_physical_memory.
// TSC ticks become milliseconds with a rate measured in the same boots: QEMU's TCG TSC counts
// host time from the machine's reset, so the loader's first stamp over the wall time from QEMU's
// start to the loader's first serial line gives it (a slight overestimate of the rate, since QEMU
// starts before the reset; that makes the loader's milliseconds slightly smaller, by under 2%).
// Build and run: npm run bench uefi-loader
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readElf } from '../src-main/elf/index.js';
import { parseBootLog } from '../src-main/image/bootLog.js';
import { encodePlan } from '../src-main/image/disk.js';
import { buildGptImage } from '../src-main/image/gptImage.js';
import { makePlan } from '../src-main/image/plan.js';
import { assembleEfiLoader } from '../src-main/services/bootloaderAssembly.js';
import { cargoInvocation } from '../src-main/services/cargo.js';
import { findOvmf } from '../src-main/services/ovmf.js';
import { findRust } from '../src-main/services/toolchain.js';

const ROOT = resolve(process.argv[1] ? join(process.argv[1], '..', '..') : '.');
const REPO = existsSync(join(ROOT, 'resources', 'bootloader')) ? ROOT : process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const work = join(tmpdir(), `bootlab-bench-uefi-${process.pid}`);
mkdirSync(work, { recursive: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Boot {
  wallToMarker: number;
  stages: Map<string, bigint>;
  entry: bigint;
  status: number | null;
}

function boot(image: string, code: string, varsTemplate: string): Promise<Boot> {
  const vars = join(work, 'vars.fd');
  copyFileSync(varsTemplate, vars);
  const debugcon = join(work, 'debugcon.txt');
  rmSync(debugcon, { force: true });
  const args = ['-machine', 'pc', '-m', '256M', '-nic', 'none', '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-debugcon', `file:${debugcon}`,
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${code}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    '-drive', `format=raw,file=${image}`];
  return new Promise((res, rej) => {
    const t0 = performance.now();
    let marker = 0;
    let serial = '';
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d: Buffer) => {
      serial += d.toString('latin1');
      if (!marker && serial.includes('Bootlab UEFI loader')) marker = performance.now();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', rej);
    child.on('close', (status) => {
      clearTimeout(timer);
      const log = parseBootLog(readFileSync(debugcon, 'latin1'));
      if (!log.entry || !marker) return rej(new Error(`no kernel entry in this boot (status ${status}):\n${serial.slice(-2000)}`));
      res({ wallToMarker: (marker - t0) / 1000, stages: new Map(log.stages.map((s) => [s.name, s.tsc])), entry: log.entry.tsc, status });
    });
  });
}

async function main() {
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  const ovmf = findOvmf();
  if (typeof ovmf === 'string' || !ovmf.vars) throw new Error(`OVMF is needed (Debian: apt-get install ovmf): ${typeof ovmf === 'string' ? ovmf : 'no variable store'}`);
  const target = join(REPO, '.cache', 'bench-uefi-target');
  const inv = cargoInvocation({ projectDir: join(REPO, 'fixtures', 'kernels', 'conformance'), toolchain: rust, subcommand: 'build', extraArgs: ['--bin', 'exit-kernel'], targetDir: target, messageFormat: null, color: 'never' });
  execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'ignore', 'inherit'] });
  const elf = join(target, 'x86_64-unknown-none', 'debug', 'exit-kernel');
  const plan = makePlan(readElf(new Uint8Array(readFileSync(elf))), { features: ['map_physical_memory'] });
  const efi = (await assembleEfiLoader(join(REPO, 'resources'), false)).bytes;
  const image = join(work, 'uefi.img');
  writeFileSync(image, buildGptImage({
    espFiles: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: efi }, { path: 'BOOTLAB/PLAN.BIN', data: encodePlan(plan, 0, { hostLog: true }) }, { path: 'BOOTLAB/KERNEL.BIN', data: plan.payload }],
    seed: 'bench-uefi',
  }).bytes);

  const boots: Boot[] = [];
  for (let i = 0; i < RUNS; i++) boots.push(await boot(image, ovmf.code, ovmf.vars));
  // TSC ticks per second: the loader's first stamp over the wall time to its first serial line.
  const hz = median(boots.map((b) => Number(b.stages.get('loader')!) / b.wallToMarker));
  const ms = (from: bigint, to: bigint) => (Number(to - from) / hz) * 1000;
  const rows = [
    ['EFI entry → plan read and checked', (b: Boot) => ms(b.stages.get('loader')!, b.stages.get('plan')!)],
    ['→ KERNEL.BIN read', (b: Boot) => ms(b.stages.get('plan')!, b.stages.get('payload')!)],
    ['→ ExitBootServices done, map translated', (b: Boot) => ms(b.stages.get('payload')!, b.stages.get('e820')!)],
    ['→ kernel entry (stage3: page tables, BootInfo)', (b: Boot) => ms(b.stages.get('e820')!, b.entry)],
    ['**EFI entry → kernel entry**', (b: Boot) => ms(b.stages.get('loader')!, b.entry)],
  ] as const;
  const out = [
    '### UEFI loader inside one OVMF boot (`bench-uefi-loader`)',
    '',
    `exit-kernel with map_physical_memory (payload ${plan.payload.length} bytes), OVMF \`-machine pc -m 256M\`, ${RUNS} boots; TSC at ${(hz / 1e9).toFixed(3)} GHz (measured); target: EFI entry → kernel entry ≤ 50 ms.`,
    '',
    '| phase | median ms | min | max |',
    '|---|---|---|---|',
    ...rows.map(([name, f]) => {
      const xs = boots.map(f);
      return `| ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;
    }),
    `| QEMU start → loader's first serial line (OVMF, wall) | ${(median(boots.map((b) => b.wallToMarker)) * 1000).toFixed(0)} | ${(Math.min(...boots.map((b) => b.wallToMarker)) * 1000).toFixed(0)} | ${(Math.max(...boots.map((b) => b.wallToMarker)) * 1000).toFixed(0)} |`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  rmSync(work, { recursive: true, force: true });
}

await main();
