// A user whose cargo config already points crates-io at the Rust library's vendor folder (the
// usual offline setup for build-std): Bootlab must reuse that source, not define a second one
// for the same folder, which cargo refuses. Real cargo builds of the sample kernel.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, cargoInvocation } from './cargo.js';
import { BOOTLAB_VENDORED_STD, cargoConfigFiles, findDirectorySource, vendoredStdConfigArgs } from './cargoConfig.js';
import { REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';
import { findRust, type RustToolchain } from './toolchain.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-cargo-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A fresh folder: `home` (an empty CARGO_HOME) and `work/kernel` (a copy of the sample kernel). */
function layout(): { home: string; work: string; kernel: string } {
  const root = join(tmp, `case-${++n}`);
  const home = join(root, 'home');
  const work = join(root, 'work');
  const kernel = join(work, 'kernel');
  mkdirSync(home, { recursive: true });
  const sample = join(REPO_ROOT, 'resources', 'sample-kernel');
  cpSync(sample, kernel, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(sample.length)) });
  return { home, work, kernel };
}

function sourceConfig(name: string, dir: string, replace: boolean): string {
  return `${replace ? `[source.crates-io]\nreplace-with = "${name}"\n\n` : ''}[source.${name}]\ndirectory = ${JSON.stringify(dir)}\n`;
}

describe('the user already has a source for the library vendor folder', () => {
  let rust: RustToolchain;
  beforeAll(async () => {
    const found = await findRust();
    if (!found.rust) throw new Error(`no Rust toolchain that can build kernels: ${found.rejected.join('; ')}`);
    rust = found.rust;
    if (!rust.vendorDir) throw new Error(`${rust.rustc} has no vendored library dependencies (${rust.sysroot}): this test needs them`);
  });

  const build = (kernel: string, home: string) =>
    buildKernel({ projectDir: kernel, profile: 'debug', toolchain: rust, env: { ...process.env, CARGO_HOME: home }, targetDir: TEST_TARGET_DIR, color: 'never' });

  it('in CARGO_HOME/config.toml, replacing crates-io: cargo builds the kernel with it', async () => {
    const { home, kernel } = layout();
    writeFileSync(join(home, 'config.toml'), sourceConfig('vendored-sources', rust.vendorDir!, true));
    const result = await build(kernel, home);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.command.join(' ')).not.toContain(BOOTLAB_VENDORED_STD);
  });

  it("in a parent folder's .cargo/config.toml, defined but not used: crates-io is pointed at it", async () => {
    const { home, work, kernel } = layout();
    mkdirSync(join(work, '.cargo'));
    writeFileSync(join(work, '.cargo', 'config.toml'), sourceConfig('rust-library-vendor', rust.vendorDir!, false));
    const result = await build(kernel, home);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.command).toContain('source.crates-io.replace-with="rust-library-vendor"');
    expect(result.command.join(' ')).not.toContain(BOOTLAB_VENDORED_STD);
  });

  it('nowhere: Bootlab defines its own source, as before', async () => {
    const { home, kernel } = layout();
    const inv = cargoInvocation({ projectDir: kernel, toolchain: rust, subcommand: 'build', env: { ...process.env, CARGO_HOME: home } });
    expect(inv.args).toContain(`source.${BOOTLAB_VENDORED_STD}.directory=${JSON.stringify(rust.vendorDir)}`);
  });
});

describe('finding the source in cargo config files', () => {
  const vendor = join(tmp, 'lib', 'vendor');
  mkdirSync(vendor, { recursive: true });

  it("takes a relative directory from the folder above the config's .cargo folder", () => {
    const { home, kernel } = layout();
    mkdirSync(join(kernel, '.cargo'), { recursive: true });
    // The kernel's own config (the sample's build target) stays; the source is added to it.
    writeFileSync(join(kernel, '.cargo', 'config'), `[build]\ntarget = "x86_64-unknown-none"\n\n${sourceConfig('v', '../../../lib/vendor', true)}`);
    const files = cargoConfigFiles(kernel, { CARGO_HOME: home });
    expect(files.map((f) => f.path)).toEqual([join(kernel, '.cargo', 'config')]);
    expect(findDirectorySource(files, vendor)).toEqual({ name: 'v', definedIn: join(kernel, '.cargo', 'config'), replacesCratesIo: true });
    expect(vendoredStdConfigArgs(kernel, vendor, { CARGO_HOME: home })).toEqual([]);
  });

  it('lets the nearest replace-with win and reads CARGO_HOME last', () => {
    const { home, kernel } = layout();
    writeFileSync(join(home, 'config.toml'), sourceConfig('home-vendor', vendor, true));
    mkdirSync(join(kernel, '.cargo'), { recursive: true });
    writeFileSync(join(kernel, '.cargo', 'config.toml'), '[source.crates-io]\nreplace-with = "mirror"\n[source.mirror]\nregistry = "sparse+https://example.invalid/"\n');
    expect(vendoredStdConfigArgs(kernel, vendor, { CARGO_HOME: home })).toEqual(['--config', 'source.crates-io.replace-with="home-vendor"']);
  });
});
