// Unit tests of the services' pure parts: demangling, TOML, diagnosis, exit codes, settings,
// manifests, cargo command lines, argument handling.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cargoInvocation, toDiagnostic } from './cargo.js';
import { demangle } from './demangle.js';
import { describeChain, findPanic, parseFaultLog, runnerExitCode } from './diagnose.js';
import { parseBootimageConfig, readKernelManifest } from './manifest.js';
import { dropOwnedArgs } from './qemu.js';
import { parseRegisters } from './qmp.js';
import { findKernelManifest, isTestExecutable } from './runner.js';
import { loadSettings, SettingsStore } from './settings.js';
import { parseToml } from './toml.js';
import { checkToolchain, installCommand, type RustToolchain } from './toolchain.js';
import { REPO_ROOT } from './testkit.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('demangle', () => {
  it('demangles legacy Rust symbols', () => {
    expect(demangle('_ZN2dm5inner4func17ha97868fa7058bd60E')).toBe('dm::inner::func');
    expect(demangle('_ZN43_$LT$dm..Foo$LT$T$GT$$u20$as$u20$dm..Tr$GT$2go17h005a48f3205f6098E')).toBe('<dm::Foo<T> as dm::Tr>::go');
    expect(demangle('_ZN4core9panicking5panic17h0123456789abcdefE.llvm.123')).toBe('core::panicking::panic');
  });
  it('demangles v0 symbols (rustc -C symbol-mangling-version=v0)', () => {
    expect(demangle('_RNvCsa9q6Lmgkgna_2dm12closure_user')).toBe('dm::closure_user');
    expect(demangle('_RNvNtCsa9q6Lmgkgna_2dm5inner4func')).toBe('dm::inner::func');
    expect(demangle('_RNvXCsa9q6Lmgkgna_2dmINtB2_3FoohENtB2_2Tr2goB2_')).toBe('<dm::Foo<u8> as dm::Tr>::go');
    expect(demangle('_RNvXs1_NtCscoScM8QT1vH_4core7converthINtB5_4IntoyE4intoCsa9q6Lmgkgna_2dm')).toBe('<u8 as core::convert::Into<u64>>::into');
  });
  it('leaves other names alone', () => {
    expect(demangle('_start')).toBe('_start');
    expect(demangle('_ZN3foo')).toBe('_ZN3foo');
    expect(demangle('_RX')).toBe('_RX');
  });
});

describe('toml', () => {
  it('reads tables, dotted keys, arrays, inline tables and comments', () => {
    const t = parseToml(`
# comment
[build]
target = "x86_64-blog_os.json" # trailing
[target.'cfg(target_os = "none")']
runner = ["bootlab", "runner"]
[package.metadata.bootimage]
test-args = [
  "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
]
test-success-exit-code = 33
test-no-reboot = false
[dependencies]
bootloader = { version = "0.9", features = ["map_physical_memory"] }
`);
    expect((t.build as Record<string, unknown>).target).toBe('x86_64-blog_os.json');
    expect(((t.target as Record<string, Record<string, unknown>>)['cfg(target_os = "none")'] ?? {}).runner).toEqual(['bootlab', 'runner']);
    const bi = ((t.package as Record<string, Record<string, unknown>>).metadata as Record<string, unknown>).bootimage as Record<string, unknown>;
    expect(bi['test-args']).toEqual(['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']);
    expect(bi['test-success-exit-code']).toBe(33);
    expect(bi['test-no-reboot']).toBe(false);
    expect((t.dependencies as Record<string, unknown>).bootloader).toEqual({ version: '0.9', features: ['map_physical_memory'] });
  });
});

describe('run diagnosis', () => {
  it('maps exit statuses like bootimage runner', () => {
    const key = { testSuccessExitCode: 33 };
    expect(runnerExitCode({ status: 33, timedOut: false }, true, key)).toBe(0);
    expect(runnerExitCode({ status: 0, timedOut: false }, true, key)).toBe(1);
    expect(runnerExitCode({ status: 35, timedOut: false }, true, key)).toBe(35);
    expect(runnerExitCode({ status: null, timedOut: true }, true, key)).toBe(1);
    expect(runnerExitCode({ status: 0, timedOut: false }, true, {})).toBe(0);
    expect(runnerExitCode({ status: 33, timedOut: false }, false, key)).toBe(33);
  });
  it('parses an exception chain from a -d int log', () => {
    const log = [
      'Servicing hardware INT=0x08',
      '     0: v=08 e=0000 i=0 cpl=0 IP=0008:0000000000201000 pc=0000000000201000 SP=0000:0000000000000000 env->regs[R_EAX]=0000000000000000',
      'check_exception old: 0xffffffff new 0xe',
      '     1: v=0e e=0002 i=0 cpl=0 IP=0008:0000000000203ecf pc=0000000000203ecf SP=0000:0000010000201f00 CR2=00000deadbeaf000',
      'RAX=0000000000000000 RBX=0000000000000000',
      'check_exception old: 0xe new 0xd',
      '     2: v=08 e=0000 i=0 cpl=0 IP=0008:0000000000203ecf pc=0000000000203ecf SP=0000:0000010000201f00 env->regs[R_EAX]=0000000000000000',
      'check_exception old: 0x8 new 0xd',
      'Triple fault',
    ].join('\n');
    const f = parseFaultLog(log);
    expect(f.tripleFault).toBe(true);
    expect(f.chain.map((e) => e.vector)).toEqual([14, 13, 8, 13]);
    expect(f.chain[0]).toMatchObject({ errorCode: 2, cr2: 0xdeadbeaf000, rip: 0x203ecf });
    const text = describeChain(f.chain, f.tripleFault, (rip) => (rip === 0x203ecf ? 'kernel::poke' : undefined));
    expect(text).toBe(
      '#PF page fault (error 0x2, CR2=0xdeadbeaf000) at 0x203ecf in kernel::poke -> #GP general protection fault -> #DF double fault (error 0x0) at 0x203ecf in kernel::poke -> #GP general protection fault -> triple fault',
    );
  });
  it('finds panic messages in serial output (one or two lines)', () => {
    expect(findPanic('[failed]\n\nError: panicked at src/main.rs:10:5:\nboom\n')).toBe('panicked at src/main.rs:10:5: boom');
    expect(findPanic('panicked at \'old style\', src/lib.rs:1:1\n')).toBe("panicked at 'old style', src/lib.rs:1:1");
    expect(findPanic('all fine\n')).toBeUndefined();
  });
  it('reads registers from info registers, long mode or not', () => {
    expect(parseRegisters('RAX=0000000000000001 RIP=ffffffff80001234 RFL=00000002').RIP).toBe(0xffffffff80001234n);
    expect(parseRegisters('EAX=00000001 EIP=00007c0c EFL=00000202').RIP).toBe(0x7c0cn);
  });
  it('drops the channels the app owns from crate arguments', () => {
    expect(dropOwnedArgs(['-m', '256M', '-serial', 'stdio', '-display', 'none', '-nographic', '-device', 'x'])).toEqual({
      kept: ['-m', '256M', '-device', 'x'],
      dropped: ['-serial stdio', '-display none', '-nographic'],
    });
  });
});

describe('settings', () => {
  it('writes atomically and reads back', () => {
    const path = join(tmp, 'a', 'settings.json');
    const store = new SettingsStore(path);
    expect(store.get().profile).toBe('debug');
    store.set({ profile: 'release', qemuArgs: ['-m', '512M'] });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ profile: 'release', qemuArgs: ['-m', '512M'] });
    expect(new SettingsStore(path).get().profile).toBe('release');
    expect(readdirSync(join(tmp, 'a'))).toEqual(['settings.json']);
    expect(() => store.set({ profile: 'fast' })).toThrow(/profile/);
  });
  it('replaces a corrupt file with defaults and keeps the bad one beside it', () => {
    const dir = join(tmp, 'b');
    const path = join(dir, 'settings.json');
    new SettingsStore(path).set({ profile: 'release' });
    writeFileSync(path, '{ "profile": "release", oops');
    const loaded = loadSettings(path, () => new Date('2026-01-02T03:04:05Z'));
    expect(loaded.settings.profile).toBe('debug');
    expect(loaded.problem).toMatch(/unreadable/);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['settings.json', 'settings.json.corrupt-2026-01-02T03-04-05-000Z']);
    expect(readFileSync(join(dir, files[1]!), 'utf8')).toContain('oops');
    expect(JSON.parse(readFileSync(path, 'utf8')).profile).toBe('debug');
  });
});

describe('manifest', () => {
  it('validates [package.metadata.bootimage] like bootimage', () => {
    expect(parseBootimageConfig({ 'test-args': ['-a'], 'test-timeout': 5 })).toEqual({ testArgs: ['-a'], testTimeout: 5 });
    expect(() => parseBootimageConfig({ 'test-timeout': '5' })).toThrow(/test-timeout/);
    expect(() => parseBootimageConfig({ 'run-argz': [] })).toThrow(/run-argz/);
  });
  it('takes features from a bootloader 0.9 dependency, else [package.metadata.bootlab], else the flag', async () => {
    const dir = join(tmp, 'crate');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'Cargo.toml'),
      '[package]\nname = "k"\nversion = "0.1.0"\n[dependencies]\nbootloader = { version = "0.9.23", features = ["recursive_page_table"] }\n[package.metadata.bootlab]\nfeatures = ["map_physical_memory"]\n[package.metadata.bootloader]\nkernel-stack-size = 128\n',
    );
    const m = await readKernelManifest(join(dir, 'Cargo.toml'), { noCargo: true });
    expect(m).toMatchObject({ packageName: 'k', features: ['recursive_page_table'], featureSource: 'bootloader-dependency', bootloaderMetadata: { 'kernel-stack-size': 128 } });
    const flagged = await readKernelManifest(join(dir, 'Cargo.toml'), { noCargo: true, features: ['sse'] });
    expect(flagged.features).toEqual(['sse']);
  });
  it('reads the sample kernel through cargo metadata', async () => {
    const check = await checkToolchain();
    const m = await readKernelManifest(join(REPO_ROOT, 'resources', 'sample-kernel', 'Cargo.toml'), { toolchain: check.rust });
    expect(m).toMatchObject({ packageName: 'sample-kernel', features: ['map_physical_memory'], featureSource: 'bootlab-metadata' });
    expect(m.bootimage.testSuccessExitCode).toBe(33);
  });
});

describe('cargo', () => {
  const tc: RustToolchain = {
    cargo: '/usr/bin/cargo',
    rustc: '/usr/bin/rustc',
    cargoVersion: '',
    rustcVersion: '',
    host: 'x86_64-unknown-linux-gnu',
    sysroot: '/usr',
    nightly: false,
    targetInstalled: false,
    rustSrc: '/usr/lib/rustlib/src/rust/library',
    vendorDir: '/usr/lib/rustlib/src/rust/library/vendor',
    linker: '/usr/bin/ld.lld',
    buildMode: 'build-std',
  };
  it('adds build-std, the vendored source, ld.lld and RUSTC_BOOTSTRAP for x86_64-unknown-none', () => {
    const inv = cargoInvocation({ projectDir: join(REPO_ROOT, 'resources', 'sample-kernel'), toolchain: tc, subcommand: 'build', env: {} });
    expect(inv.args).toContain('-Zbuild-std=core,compiler_builtins,alloc');
    expect(inv.args).toContain('source.bootlab-vendored-std.directory="/usr/lib/rustlib/src/rust/library/vendor"');
    expect(inv.args).toContain('target.x86_64-unknown-none.linker="/usr/bin/ld.lld"');
    expect(inv.env.RUSTC_BOOTSTRAP).toBe('1');
    expect(inv.env.RUSTC).toBe('/usr/bin/rustc');
  });
  it("keeps a blog crate's own build-std and names its JSON target", () => {
    const inv = cargoInvocation({ projectDir: join(REPO_ROOT, 'fixtures', 'crates', 'blog-tests'), toolchain: { ...tc, nightly: true }, subcommand: 'test', env: {} });
    expect(inv.args.some((a) => a.startsWith('-Zbuild-std='))).toBe(false);
    expect(inv.args).toContain('-Zjson-target-spec');
    expect(inv.args).toContain('target.x86_64-blog_os.linker="/usr/bin/ld.lld"');
    expect(inv.env.RUSTC_BOOTSTRAP).toBeUndefined();
  });
  it('needs nothing extra with a prebuilt target and rust-lld', () => {
    const inv = cargoInvocation({
      projectDir: join(REPO_ROOT, 'resources', 'sample-kernel'),
      toolchain: { ...tc, targetInstalled: true, buildMode: 'prebuilt-target', linker: undefined, nightly: false },
      subcommand: 'build',
      env: {},
    });
    expect(inv.args).toEqual(['build', '--message-format=json-diagnostic-rendered-ansi']);
    expect(inv.env.RUSTC_BOOTSTRAP).toBeUndefined();
  });
  it('turns rustc JSON into diagnostics with absolute file, line and column', () => {
    const d = toDiagnostic(
      { level: 'error', message: 'mismatched types', rendered: 'error[E0308]...', spans: [{ file_name: 'src/main.rs', line_start: 9, column_start: 18, is_primary: true }] },
      '/k',
    );
    expect(d).toEqual({ level: 'error', message: 'mismatched types', file: '/k/src/main.rs', line: 9, column: 18, rendered: 'error[E0308]...' });
    expect(toDiagnostic({ level: 'error', message: 'aborting due to 1 previous error' }, '/k')).toBeNull();
  });
});

describe('runner helpers', () => {
  it('detects tests like bootimage', () => {
    expect(isTestExecutable('/k/target/x86_64-blog_os/debug/deps/basic_boot-1234')).toBe(true);
    expect(isTestExecutable('/k/target/x86_64-blog_os/debug/rustdoctest-x')).toBe(true);
    expect(isTestExecutable('/k/target/x86_64-blog_os/debug/blog_os')).toBe(false);
  });
  it('finds the manifest from CARGO_MANIFEST_DIR, then target/, then the current folder upwards', () => {
    const sample = join(REPO_ROOT, 'resources', 'sample-kernel');
    expect(findKernelManifest('/nowhere/x', '/', { CARGO_MANIFEST_DIR: sample })).toBe(join(sample, 'Cargo.toml'));
    expect(findKernelManifest(join(sample, 'target', 'x86_64-unknown-none', 'debug', 'sample-kernel'), '/', {})).toBe(join(sample, 'Cargo.toml'));
    expect(findKernelManifest('/elsewhere/kernel', join(sample, 'src'), {})).toBe(join(sample, 'Cargo.toml'));
  });
});

describe('toolchain doctor', () => {
  it('names the install command for each OS', () => {
    expect(installCommand('qemu', { platform: 'win32' })).toBe('winget install SoftwareFreedomConservancy.QEMU');
    expect(installCommand('qemu', { platform: 'darwin' })).toBe('brew install qemu');
    expect(installCommand('qemu', { platform: 'linux', osRelease: 'ID=debian\n' })).toBe('sudo apt-get install qemu-system-x86');
    expect(installCommand('qemu', { platform: 'linux', osRelease: 'ID=fedora\n' })).toBe('sudo dnf install qemu-system-x86');
    expect(installCommand('target')).toBe('rustup target add x86_64-unknown-none');
  });
  it('honours CARGO/RUSTC before PATH and prefers a toolchain that can build kernels', async () => {
    const check = await checkToolchain({ env: { ...process.env, CARGO: '/usr/bin/cargo', RUSTC: '/usr/bin/rustc' } });
    expect(check.rust?.cargo).toBe('/usr/bin/cargo');
    expect(check.report.ok).toBe(true);
  });
  it('reports what is missing, with install commands, when nothing is found', async () => {
    const check = await checkToolchain({ env: { PATH: '', BOOTLAB_NO_SYSTEM_DIRS: '1' }, homeDir: join(tmp, 'nohome') });
    expect(check.report.ok).toBe(false);
    const cargo = check.report.tools.find((t) => t.name === 'cargo');
    const qemu = check.report.tools.find((t) => t.name === 'qemu');
    expect(cargo).toMatchObject({ found: false });
    expect(cargo?.install).toMatch(/rustup|winget/);
    expect(qemu).toMatchObject({ found: false });
    expect(qemu?.install).toBeTruthy();
  });
});
