// The boot-info features of a kernel whose `bootloader` dependency is a path (or git) dependency,
// which has no version string in the kernel's Cargo.toml: the runner without CARGO (as `bootlab
// run` is called) asks the doctor's cargo, and without cargo's answer the dependency's own
// manifest gives the version. Real cargo metadata.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiskImageBuilder } from './images.js';
import { readKernelManifest } from './manifest.js';
import { runKernel } from './runner.js';
import { findRust } from './toolchain.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-manifest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/**
 * A kernel crate beside a stub `bootloader` crate of the given version, which the kernel uses as
 * a path dependency with `map_physical_memory`. `extraDependency` adds a line to [dependencies].
 */
function kernelWithPathBootloader(bootloaderVersion: string, extraDependency = ''): { root: string; kernel: string; executable: string } {
  const root = join(tmp, `case-${++n}`);
  const loader = join(root, 'bootloader');
  mkdirSync(join(loader, 'src'), { recursive: true });
  writeFileSync(
    join(loader, 'Cargo.toml'),
    `[package]\nname = "bootloader"\nversion = "${bootloaderVersion}"\nedition = "2018"\n\n[features]\nmap_physical_memory = []\nrecursive_page_table = []\n`,
  );
  writeFileSync(join(loader, 'src', 'lib.rs'), '#![no_std]\n');
  const kernel = join(root, 'kernel');
  mkdirSync(join(kernel, 'src'), { recursive: true });
  writeFileSync(
    join(kernel, 'Cargo.toml'),
    [
      '[package]',
      'name = "path-loader-kernel"',
      'version = "0.1.0"',
      'edition = "2021"',
      '',
      '[workspace]',
      '',
      '[dependencies]',
      'bootloader = { path = "../bootloader", features = ["map_physical_memory"] }',
      extraDependency,
      '',
      '[package.metadata.bootlab]',
      'features = ["recursive_page_table"]',
      '',
    ].join('\n'),
  );
  writeFileSync(join(kernel, 'src', 'main.rs'), 'fn main() {}\n');
  // The runner only needs the executable to exist: the image builder below stops the run.
  const executable = join(kernel, 'target', 'x86_64-unknown-none', 'debug', 'path-loader-kernel');
  mkdirSync(join(executable, '..'), { recursive: true });
  writeFileSync(executable, 'not an ELF: the run stops at the image');
  return { root, kernel, executable };
}

/** An image builder that records the features it is given and stops the run there. */
function recordingBuilder(): { builder: DiskImageBuilder; features: () => string[] | undefined } {
  let seen: string[] | undefined;
  const builder: DiskImageBuilder = async (options) => {
    seen = [...options.features];
    throw new Error('stopped by the test after the features were chosen');
  };
  return { builder, features: () => seen };
}

/** The environment of `bootlab run` typed in a shell: no CARGO, an empty CARGO_HOME, fresh settings. */
function shellEnv(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CARGO_HOME: join(root, 'cargo-home'), BOOTLAB_SETTINGS: join(root, 'settings.json') };
  delete env.CARGO;
  delete env.CARGO_MANIFEST_DIR;
  delete env.RUSTC;
  return env;
}

describe('runner without CARGO, bootloader as a path dependency', () => {
  it("uses the doctor's cargo: the dependency's features decide the boot info", async () => {
    const { root, kernel, executable } = kernelWithPathBootloader('0.9.23');
    const { builder, features } = recordingBuilder();
    const err: string[] = [];
    const result = await runKernel({
      kernelPath: executable,
      args: [],
      mode: 'run',
      cwd: kernel,
      env: shellEnv(root),
      stdout: () => {},
      stderr: (t) => err.push(t),
      buildDiskImage: builder,
    });
    expect(err.join('')).toContain('stopped by the test');
    expect(result.exitCode).toBe(1);
    expect(features()).toEqual(['map_physical_memory']);
    expect(err.join('')).not.toContain('note:');
  });

  it('without a cargo answer (a registry dependency offline), reads the version from the dependency\'s own manifest', async () => {
    const { root, kernel } = kernelWithPathBootloader('0.9.23', 'spin = "0.9"');
    const { rust, fallback } = await findRust();
    const cargo = rust ?? fallback;
    if (!cargo) throw new Error('no cargo found: this test needs one');
    const manifest = await readKernelManifest(join(kernel, 'Cargo.toml'), { toolchain: cargo, env: shellEnv(root) });
    expect(manifest.notes.join('\n')).toMatch(/cargo metadata failed/);
    expect(manifest.featureSource).toBe('bootloader-dependency');
    expect(manifest.features).toEqual(['map_physical_memory']);
  });

  it('a path dependency on a bootloader that is not 0.9 gives no 0.9 features', async () => {
    const { kernel } = kernelWithPathBootloader('0.11.7');
    const manifest = await readKernelManifest(join(kernel, 'Cargo.toml'), { noCargo: true });
    expect(manifest.featureSource).toBe('bootlab-metadata');
    expect(manifest.features).toEqual(['recursive_page_table']);
  });

  it('a git dependency without a version is named in a note instead of being ignored silently', async () => {
    const { kernel } = kernelWithPathBootloader('0.9.23');
    writeFileSync(
      join(kernel, 'Cargo.toml'),
      '[package]\nname = "k"\nversion = "0.1.0"\n\n[dependencies]\nbootloader = { git = "https://example.invalid/bootloader", features = ["map_physical_memory"] }\n',
    );
    const manifest = await readKernelManifest(join(kernel, 'Cargo.toml'), { noCargo: true });
    expect(manifest.featureSource).toBe('none');
    expect(manifest.notes.join('\n')).toContain('the bootloader dependency comes from git without a version');
  });
});
