// `bootlab run` and `bootlab runner` with a firmware, in process, with the real sample kernel,
// real QEMU, SeaBIOS and OVMF (Debian's `ovmf`): runs write hybrid images; BIOS runs boot them as
// before; `--firmware uefi` (or BOOTLAB_FIRMWARE) starts QEMU with OVMF's code read-only and a
// per-run copy of its variable store, and OVMF boots the same image file through its EFI system
// partition, and `bootlab test --firmware uefi` passes a blog-style crate's tests under OVMF; a
// bad firmware name or a missing OVMF is one clear message.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootLogMemoryMap, defaultDiskImageBuilder } from '../../services/bootParts.js';
import { cargoInvocation } from '../../services/cargo.js';
import { scratchDir } from '../../services/imageBuilder.js';
import { imagePathFor } from '../../services/pipeline.js';
import { runKernel } from '../../services/runner.js';
import { REPO_ROOT, TEST_TARGET_DIR } from '../../services/testkit.js';
import { findRust } from '../../services/toolchain.js';
import type { CliIo } from '../command.js';
import { runCommand } from './run.js';
import { runnerCommand } from './runner.js';
import { testCommand } from './test.js';
import { fixtureCopy } from '../../services/testCrates.js';

const SAMPLE_DIR = join(REPO_ROOT, 'resources', 'sample-kernel');
const work = scratchDir('bootlab-firmware-run-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** The sample kernel copied into a folder of this file's own, so its image beside it is ours alone. */
let kernel = '';
const EXIT_DEVICE = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];

beforeAll(async () => {
  const rust = (await findRust()).rust;
  if (!rust) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  const inv = cargoInvocation({ projectDir: SAMPLE_DIR, toolchain: rust, subcommand: 'build', extraArgs: [], targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'] });
  mkdirSync(join(work, 'bin'));
  kernel = join(work, 'bin', 'sample-kernel');
  copyFileSync(join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel'), kernel);
}, 600_000);

function io(env: NodeJS.ProcessEnv = process.env): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: work, env: { ...env, CARGO_MANIFEST_DIR: SAMPLE_DIR }, out: () => out, err: () => err };
}

const isHybrid = (image: string) => readFileSync(image).subarray(512, 520).toString('latin1') === 'EFI PART';
const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The image the BIOS run wrote, to compare with the UEFI run's. */
let biosImageDigest = '';

describe('runs with a firmware', () => {
  it('bootlab run boots a hybrid image under SeaBIOS by default', async () => {
    const cli = io();
    const status = await runCommand.run([kernel, '--features', 'map_physical_memory', '--', '-display', 'none', '-nic', 'none', ...EXIT_DEVICE], cli);
    expect(cli.err()).not.toMatch(/Error/);
    expect(status).toBe(33);
    expect(cli.out()).toContain('Hello from the Bootlab sample kernel!');
    expect(cli.out()).toContain('The sample kernel is done.');
    expect(isHybrid(imagePathFor(kernel))).toBe(true);
    biosImageDigest = digest(imagePathFor(kernel));
  }, 120_000);

  it('bootlab runner takes --firmware before the executable and passes what follows to QEMU', async () => {
    const cli = io();
    const status = await runnerCommand.run(['--firmware', 'bios', kernel, '-display', 'none', '-serial', 'stdio', ...EXIT_DEVICE], cli);
    expect(status).toBe(33);
    expect(cli.out()).toContain('The sample kernel is done.');
    expect(isHybrid(imagePathFor(kernel))).toBe(true);
    const bad = io();
    expect(await runnerCommand.run(['--firmware=efi', kernel], bad)).toBe(1);
    expect(bad.err()).toBe('Error: --firmware is "efi": the firmware must be "bios" or "uefi"\n');
  }, 120_000);

  it('a missing OVMF stops a UEFI run with the install command, before QEMU starts', async () => {
    const cli = io({ ...process.env, BOOTLAB_OVMF: join(work, 'no-such-OVMF_CODE.fd') });
    const status = await runCommand.run([kernel, '--firmware', 'uefi', '--', '-display', 'none'], cli);
    expect(status).toBe(1);
    expect(cli.err()).toContain(`Error: UEFI runs need OVMF, the UEFI firmware for QEMU: the OVMF firmware ${join(work, 'no-such-OVMF_CODE.fd')} (from BOOTLAB_OVMF) does not exist\n  install it with: `);
    expect(cli.out()).toBe('');
  });

  it('BOOTLAB_FIRMWARE=uefi starts QEMU with OVMF (code read-only, a per-run variable store), which boots the same hybrid image file', async () => {
    const stop = new AbortController();
    let serial = '';
    const result = await runKernel({
      kernelPath: kernel,
      args: ['-display', 'none', ...EXIT_DEVICE],
      mode: 'run',
      cwd: work,
      env: { ...process.env, CARGO_MANIFEST_DIR: SAMPLE_DIR, BOOTLAB_FIRMWARE: 'uefi' },
      stdout: (bytes) => {
        serial += bytes.toString('latin1');
        // A failed disk boot ends in OVMF's shell, which waits for ever.
        if (serial.includes('Shell>')) stop.abort();
      },
      stderr: () => {},
      buildDiskImage: defaultDiskImageBuilder,
      parseBootLog: bootLogMemoryMap,
      signal: stop.signal,
    });
    const argv = result.argv!.join(' ');
    expect(argv).toMatch(/-drive if=pflash,format=raw,unit=0,readonly=on,file=\S*OVMF_CODE\S*\.fd/);
    const vars = /-drive if=pflash,format=raw,unit=1,file=(\S+)/.exec(argv)![1]!;
    expect(vars).toMatch(/bootlab-runner-[^/]+\/OVMF_VARS\.fd$/);
    expect(argv).toContain('-nic none');
    // OVMF's boot manager started the disk's BOOTX64.EFI, which booted the kernel.
    expect(serial).toMatch(/BdsDxe: starting Boot0\d+ "UEFI QEMU HARDDISK/);
    expect(serial).not.toContain('Shell>');
    expect(serial).toContain('Hello from the Bootlab sample kernel!');
    expect(serial).toContain('The sample kernel is done.');
    expect(result.exitCode).toBe(33);
    expect(digest(imagePathFor(kernel))).toBe(biosImageDigest);
  }, 180_000);

  it("bootlab test --firmware uefi runs a blog-style crate's test executables under OVMF, and they pass", async () => {
    const crate = fixtureCopy('blog-tests', 'uefi');
    const cli = io({ ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR });
    // The test service finds each executable's manifest itself (the sample's is no business here).
    delete cli.env.CARGO_MANIFEST_DIR;
    const status = await testCommand.run([crate, '--firmware', 'uefi'], cli);
    expect(cli.out().trimEnd().split('\n').at(-1)).toBe('tests: 7 passed, 0 failed');
    expect(status).toBe(0);
    // Every executable went through OVMF's boot manager, none through SeaBIOS alone.
    expect(cli.out().match(/BdsDxe: starting Boot0\d+ "UEFI QEMU HARDDISK/g)).toHaveLength(6);
    const bad = io();
    expect(await testCommand.run([crate, '--firmware', 'efi'], bad)).toBe(2);
    expect(bad.err()).toMatch(/^bootlab test: --firmware is "efi": the firmware must be "bios" or "uefi"\n/);
  }, 600_000);
});
