// The memory check where kernels are run: `bootlab run`/`runner` (runKernel) and the app's
// pipeline refuse, before writing the image or starting QEMU, a kernel whose memory (segments,
// .bss, stack, page tables, boot info) exceeds the guest's RAM from QEMU's -m (default 128 MiB),
// with the numbers; with enough RAM the same kernel boots in real QEMU.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X } from '../elf/index.js';
import { synthElf } from '../elf/synth.test-helper.js';
import { DEFAULT_SETTINGS, type BootlabEvent } from '../shared/api.js';
import { defaultDiskImageBuilder, defaultDiskImageSteps } from './bootParts.js';
import { buildAndBoot, imagePathFor } from './pipeline.js';
import { runKernel } from './runner.js';

const work = mkdtempSync(join(tmpdir(), 'bootlab-memory-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** mov al, 0x10; out 0xf4, al (isa-debug-exit: QEMU exits with 33); then hlt forever. */
const EXIT_33 = new Uint8Array([0xb0, 0x10, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]);

/** A kernel with 200 MiB of .bss: more than QEMU's default 128 MiB. */
function bigBssKernel(name: string): string {
  const path = join(work, name);
  writeFileSync(
    path,
    synthElf({
      entry: 0x201000n,
      segments: [
        { flags: PF_R | PF_X, vaddr: 0x201000n, data: EXIT_33 },
        { flags: PF_R | PF_W, vaddr: 0x202000n, data: new Uint8Array(16).fill(1), memsz: (200n << 20n) + 0x1000n },
      ],
    }),
  );
  return path;
}

async function run(kernelPath: string, args: string[]) {
  let stderr = '';
  let stdout = '';
  const result = await runKernel({
    kernelPath,
    args,
    mode: 'run',
    cwd: work,
    env: { ...process.env, CARGO_MANIFEST_DIR: '', DISPLAY: '' },
    stdout: (b) => (stdout += b.toString('latin1')),
    stderr: (t) => (stderr += t),
    buildDiskImage: defaultDiskImageBuilder,
    // A hang guard only: the kernel exits at once when it boots.
    signal: AbortSignal.timeout(300_000),
  });
  return { ...result, stderr, stdout };
}

describe('bootlab run: the kernel against QEMU -m', () => {
  it("refuses a kernel larger than QEMU's default 128 MiB, naming the numbers, before the image and QEMU", async () => {
    const kernel = bigBssKernel('default-ram');
    const r = await run(kernel, []);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /could not build the disk image: .*default-ram: the kernel needs at least 203 MiB \d+ KiB of memory \(segments 8 KiB, \.bss 200 MiB, stack 2 MiB, page tables \d+ KiB, boot info 4 KiB, loader 1 MiB\), but the guest has 128 MiB \(QEMU's default 128 MiB\)/,
    );
    expect(r.argv).toBeUndefined();
    expect(existsSync(imagePathFor(kernel))).toBe(false);
    const small = await run(kernel, ['-m', 'size=150M']);
    expect(small.stderr).toMatch(/but the guest has 150 MiB \(-m size=150M\)/);
  });

  it('boots the same kernel in real QEMU with -m 512M (its 200 MiB of .bss is one zero-fill run)', async () => {
    const kernel = bigBssKernel('enough-ram');
    const r = await run(kernel, ['-m', '512M', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-nic', 'none']);
    expect(r.stderr).not.toMatch(/could not build the disk image/);
    expect(r.argv).toContain('512M');
    // The kernel ran: it wrote 0x10 to isa-debug-exit, so QEMU exited with (0x10 << 1) | 1.
    expect(r.outcome?.qemuStatus).toBe(33);
    expect(existsSync(imagePathFor(kernel))).toBe(true);
  });
});

describe('the app pipeline: the kernel against the QEMU arguments in the settings', () => {
  it('fails the plan stage with the numbers, before the image is written', async () => {
    const kernelPath = bigBssKernel('app-kernel');
    writeFileSync(join(work, 'Cargo.toml'), '[package]\nname = "app-kernel"\nversion = "0.1.0"\n');
    const events: BootlabEvent[] = [];
    const result = await buildAndBoot(work, {
      runId: 1,
      action: 'boot',
      profile: 'debug',
      kernelPath,
      settings: { ...DEFAULT_SETTINGS, qemuArgs: ['-m', '192'], recentProjects: [] },
      emit: (e) => events.push(e),
      diskImage: defaultDiskImageSteps,
    });
    expect(result.outcome.kind).toBe('error');
    expect(result.outcome.message).toMatch(/the kernel needs at least 203 MiB \d+ KiB of memory .* but the guest has 192 MiB \(-m 192\)/);
    expect(result.stages.map((s) => [s.stage, s.ok])).toEqual([['plan', false]]);
    expect(existsSync(imagePathFor(kernelPath))).toBe(false);
  });
});
