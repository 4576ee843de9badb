// Build and Boot overhead on the sample kernel with cargo already up to date: from the call to
// the first serial byte, split by stage, side by side with a bare `qemu-system-x86_64` start of
// the same image (the floor: QEMU and SeaBIOS start-up plus the boot itself). Prints markdown.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootlabEvent, StageName } from '../src-main/shared/api.js';
import { defaultAssemble, defaultDiskImageSteps, bootLogMemoryMap } from '../src-main/services/bootParts.js';
import { buildAndBoot } from '../src-main/services/pipeline.js';
import { checkToolchain } from '../src-main/services/toolchain.js';
import { DEFAULT_SETTINGS } from '../src-main/shared/api.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const EXIT_DEVICE = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main() {
  const check = await checkToolchain();
  if (!check.rust || !check.qemu) throw new Error('bench-pipeline needs cargo and QEMU (run `bootlab doctor`)');
  const work = mkdtempSync(join(tmpdir(), 'bootlab-bench-'));
  const project = join(work, 'sample-kernel');
  cpSync(join(root, 'resources', 'sample-kernel'), project, { recursive: true });
  const targetDir = join(root, '.cache', 'test-target');
  const parseBootLog = bootLogMemoryMap;

  const pipelineRun = async (runId: number) => {
    const t0 = performance.now();
    let firstSerial: number | undefined;
    const stageMs: Partial<Record<StageName, number>> = {};
    let bootStart = 0;
    const emit = (e: BootlabEvent) => {
      if (e.type === 'serial' && firstSerial === undefined) firstSerial = performance.now() - t0;
      if (e.type === 'stage-start' && e.stage === 'boot') bootStart = performance.now() - t0;
      if (e.type === 'stage-end') stageMs[e.stage] = e.ms;
    };
    const result = await buildAndBoot(project, {
      runId,
      action: 'build-and-boot',
      profile: 'debug',
      settings: { ...DEFAULT_SETTINGS, bootTimeoutSeconds: 60 },
      rust: check.rust,
      qemu: check.qemu,
      emit,
      diskImage: defaultDiskImageSteps,
      assemble: defaultAssemble,
      parseBootLog,
      targetDir,
      extraQemuArgs: EXIT_DEVICE,
    });
    if (result.outcome.kind !== 'success') throw new Error(`the sample kernel did not run: ${result.outcome.message}`);
    return { firstSerial: firstSerial ?? NaN, bootToSerial: (firstSerial ?? NaN) - bootStart, stageMs, imagePath: result.imagePath!, total: performance.now() - t0 };
  };

  // Warm up: builds core and the kernel once, assembles and caches the bootloader.
  const warm = await pipelineRun(0);
  const runs: (typeof warm)[] = [];
  for (let i = 1; i <= RUNS; i++) runs.push(await pipelineRun(i));

  const bare = async () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(
        check.qemu!.path,
        ['-drive', `format=raw,file=${warm.imagePath.replace(/,/g, ',,')}`, '-nic', 'none', '-display', 'none', '-serial', 'stdio', '-no-reboot', ...EXIT_DEVICE],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let first: number | undefined;
      child.stdout.once('data', () => (first = performance.now() - t0));
      child.on('error', reject);
      child.on('close', () => (first === undefined ? reject(new Error('no serial output')) : resolve(first)));
    });
  const bareRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) bareRuns.push(await bare());

  const col = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
  const stages: StageName[] = ['build', 'assemble', 'plan', 'image', 'boot'];
  const pipelineFirst = col((r) => r.firstSerial);
  const bareFirst = median(bareRuns);
  const lines = [
    '### Build and Boot pipeline (sample kernel, cargo up to date)',
    '',
    `Median of ${RUNS} runs; QEMU ${check.qemu.version}; \`buildAndBoot\` call to the first serial byte.`,
    '',
    '| step | time |',
    '|---|---|',
    ...stages.map((s) => `| stage \`${s}\`${s === 'boot' ? ' (spawn QEMU, connect serial, debug console, QMP)' : ''} | ${fmt(col((r) => r.stageMs[s] ?? 0))} |`),
    `| boot stage start to first serial byte | ${fmt(col((r) => r.bootToSerial))} |`,
    `| **call to first serial byte (pipeline)** | **${fmt(pipelineFirst)}** |`,
    `| bare \`qemu-system-x86_64\` start to first serial byte (same image) | ${fmt(bareFirst)} |`,
    `| **pipeline overhead (difference)** | **${fmt(pipelineFirst - bareFirst)}** |`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  process.stderr.write(`bench-pipeline: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
