// The toolchain doctor: finds cargo, rustc, a linker and QEMU, decides how kernels can be built
// (a prebuilt `x86_64-unknown-none` standard library, or build-std from rust-src), and names the
// exact install command for every missing piece on the user's OS.
//
// Order of discovery for Rust: CARGO / RUSTC from the environment, then the settings, then PATH,
// then ~/.cargo/bin, then the usual system folders. A candidate that cannot build a kernel (no
// target library and no rust-src) loses to a later one that can: the first cargo on PATH is
// not always the one that works.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Settings, ToolchainReport, ToolStatus } from '../shared/api.js';
import { findOvmf, ovmfInstallCommand, type OvmfFirmware } from './ovmf.js';
import type { CaptureFn } from './proc.js';
import { defaultProbeCache } from './probeCache.js';

export const KERNEL_TARGET = 'x86_64-unknown-none';

/** A Rust toolchain that can build kernels, with everything cargo needs to be told. */
export interface RustToolchain {
  cargo: string;
  rustc: string;
  /** rustdoc beside rustc (doctests must use the same compiler as the library). */
  rustdoc?: string;
  cargoVersion: string;
  rustcVersion: string;
  host: string;
  sysroot: string;
  nightly: boolean;
  /** The prebuilt standard library for x86_64-unknown-none is installed. */
  targetInstalled: boolean;
  /** `<sysroot>/lib/rustlib/src/rust/library` when rust-src is present. */
  rustSrc?: string;
  /** The library's vendored dependencies (Debian's rust-src ships them): offline build-std. */
  vendorDir?: string;
  /** The linker to pass to cargo when the toolchain has no rust-lld (absolute path). */
  linker?: string;
  /** How x86_64-unknown-none kernels are built with it. */
  buildMode: 'build-std' | 'prebuilt-target';
}

export interface QemuInstall {
  path: string;
  version: string;
}

export interface ToolchainCheck {
  report: ToolchainReport;
  rust?: RustToolchain;
  qemu?: QemuInstall;
  /** OVMF for UEFI runs (optional: BIOS runs do not need it). */
  ovmf?: OvmfFirmware;
}

export interface ToolchainOptions {
  env?: NodeJS.ProcessEnv;
  settings?: Partial<Pick<Settings, 'cargoPath' | 'rustcPath' | 'qemuPath'>>;
  platform?: NodeJS.Platform;
  homeDir?: string;
  exec?: CaptureFn;
  exists?: (path: string) => boolean;
  /** Contents of /etc/os-release, for the Linux install commands (read from disk by default). */
  osRelease?: string;
  /** The OVMF code image the user chose (BOOTLAB_OVMF works too). */
  ovmfPath?: string;
}

interface Context {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  exec: CaptureFn;
  exists: (path: string) => boolean;
  osRelease: string;
}

function context(options: ToolchainOptions): Context {
  const platform = options.platform ?? process.platform;
  let osRelease = options.osRelease;
  if (osRelease === undefined && platform === 'linux') {
    try {
      osRelease = readFileSync('/etc/os-release', 'utf8');
    } catch {
      osRelease = '';
    }
  }
  return {
    env: options.env ?? process.env,
    platform,
    home: options.homeDir ?? homedir(),
    // Probe answers are cached by program file and rustup state (probeCache.ts); injected ones are not.
    exec: options.exec ?? ((command, args, o) => defaultProbeCache().capture(command, args, o)),
    exists: options.exists ?? existsSync,
    osRelease: osRelease ?? '',
  };
}

function exe(name: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? `${name}.exe` : name;
}

function pathDirs(ctx: Context): string[] {
  const raw = ctx.env.PATH ?? ctx.env.Path ?? '';
  const sep = ctx.platform === 'win32' ? ';' : ctx.platform === process.platform ? delimiter : ':';
  return raw.split(sep).filter((d) => d.length > 0);
}

/** Every existing `name` on PATH, in PATH order. */
export function whichAll(name: string, options: ToolchainOptions = {}): string[] {
  const ctx = context(options);
  return whichIn(name, ctx);
}

function whichIn(name: string, ctx: Context): string[] {
  const file = exe(name, ctx.platform);
  const found: string[] = [];
  for (const dir of pathDirs(ctx)) {
    const candidate = join(dir, file);
    if (ctx.exists(candidate) && !found.includes(candidate)) found.push(candidate);
  }
  return found;
}

function systemDirs(ctx: Context): string[] {
  // Lets tests see what a machine without system-wide installs would report.
  if (ctx.env.BOOTLAB_NO_SYSTEM_DIRS === '1') return [];
  switch (ctx.platform) {
    case 'win32':
      return [];
    case 'darwin':
      return ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin', '/usr/bin'];
    default:
      return ['/usr/local/bin', '/usr/bin'];
  }
}

interface RustCandidate {
  cargo: string;
  rustc: string;
  origin: string;
}

function rustCandidates(ctx: Context, settings: ToolchainOptions['settings']): RustCandidate[] {
  const list: RustCandidate[] = [];
  const add = (cargo: string | undefined, rustc: string | undefined, origin: string) => {
    if (!cargo && !rustc) return;
    const c = cargo ?? join(dirname(rustc!), exe('cargo', ctx.platform));
    const r = rustc ?? join(dirname(c), exe('rustc', ctx.platform));
    if (!list.some((x) => x.cargo === c && x.rustc === r)) list.push({ cargo: c, rustc: r, origin });
  };
  add(ctx.env.CARGO || undefined, ctx.env.RUSTC || undefined, 'CARGO/RUSTC environment');
  add(settings?.cargoPath || undefined, settings?.rustcPath || undefined, 'settings');
  for (const cargo of whichIn('cargo', ctx)) add(cargo, undefined, 'PATH');
  if (ctx.env.BOOTLAB_NO_SYSTEM_DIRS !== '1') add(join(ctx.home, '.cargo', 'bin', exe('cargo', ctx.platform)), undefined, '~/.cargo/bin');
  for (const dir of systemDirs(ctx)) add(join(dir, exe('cargo', ctx.platform)), undefined, dir);
  return list;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).find((l) => l.trim().length > 0)?.trim() ?? '';
}

async function probeRust(candidate: RustCandidate, ctx: Context): Promise<RustToolchain | string> {
  if (!ctx.exists(candidate.cargo)) return `${candidate.cargo} does not exist`;
  if (!ctx.exists(candidate.rustc)) return `${candidate.rustc} does not exist`;
  // Run both with RUSTC pointing at the candidate's rustc so a rustup proxy answers for it.
  const env: NodeJS.ProcessEnv = { ...ctx.env, RUSTC: candidate.rustc };
  delete env.RUSTUP_TOOLCHAIN;
  const [rustcV, cargoV, sysrootOut] = await Promise.all([
    ctx.exec(candidate.rustc, ['-vV'], { env, timeoutMs: 20_000 }),
    ctx.exec(candidate.cargo, ['-V'], { env, timeoutMs: 20_000 }),
    ctx.exec(candidate.rustc, ['--print', 'sysroot'], { env, timeoutMs: 20_000 }),
  ]);
  if (rustcV.code !== 0) return `${candidate.rustc} -vV failed: ${firstLine(rustcV.stderr) || rustcV.spawnError || 'no output'}`;
  if (cargoV.code !== 0) return `${candidate.cargo} -V failed: ${firstLine(cargoV.stderr) || cargoV.spawnError || 'no output'}`;
  const release = /^release:\s*(\S+)/m.exec(rustcV.stdout)?.[1] ?? '';
  const host = /^host:\s*(\S+)/m.exec(rustcV.stdout)?.[1] ?? '';
  const sysroot = firstLine(sysrootOut.stdout);
  const rustlib = join(sysroot, 'lib', 'rustlib');
  const targetLib = join(rustlib, KERNEL_TARGET, 'lib');
  const targetInstalled = ctx.exists(targetLib) && hasCoreRlib(targetLib, ctx);
  const srcDir = join(rustlib, 'src', 'rust', 'library');
  const rustSrc = ctx.exists(join(srcDir, 'core')) ? srcDir : undefined;
  const vendor = join(srcDir, 'vendor');
  const vendorDir = rustSrc && ctx.exists(vendor) ? vendor : undefined;
  const rustLld = join(rustlib, host, 'bin', exe('rust-lld', ctx.platform));
  let linker: string | undefined;
  if (!ctx.exists(rustLld)) {
    linker = whichIn('ld.lld', ctx)[0] ?? systemDirs(ctx).map((d) => join(d, 'ld.lld')).find((p) => ctx.exists(p));
  }
  const nightly = /-(nightly|dev)/.test(release);
  const rustdoc = join(dirname(candidate.rustc), exe('rustdoc', ctx.platform));
  return {
    cargo: candidate.cargo,
    rustc: candidate.rustc,
    rustdoc: ctx.exists(rustdoc) ? rustdoc : undefined,
    cargoVersion: firstLine(cargoV.stdout),
    rustcVersion: firstLine(rustcV.stdout),
    host,
    sysroot,
    nightly,
    targetInstalled,
    rustSrc,
    vendorDir,
    linker,
    buildMode: targetInstalled ? 'prebuilt-target' : 'build-std',
  };
}

function hasCoreRlib(dir: string, ctx: Context): boolean {
  if (ctx.exists !== existsSync) return true; // injected file systems answer only `exists`
  try {
    return readdirSync(dir).some((f) => f.startsWith('libcore-'));
  } catch {
    return false;
  }
}

function canBuildKernels(t: RustToolchain): boolean {
  return t.targetInstalled || t.rustSrc !== undefined;
}

function linkerOk(t: RustToolchain, ctx: Context): boolean {
  const rustLld = join(t.sysroot, 'lib', 'rustlib', t.host, 'bin', exe('rust-lld', ctx.platform));
  return ctx.exists(rustLld) || t.linker !== undefined;
}

function linuxDistro(ctx: Context): 'debian' | 'fedora' | 'arch' | 'other' {
  const ids = (ctx.osRelease.match(/^ID(?:_LIKE)?=.*$/gm) ?? []).join(' ').toLowerCase();
  if (/debian|ubuntu/.test(ids)) return 'debian';
  if (/fedora|rhel|centos/.test(ids)) return 'fedora';
  if (/arch/.test(ids)) return 'arch';
  return 'other';
}

/** The exact install commands, per OS. */
export function installCommand(
  piece: 'rust' | 'rust-src' | 'target' | 'qemu' | 'linker',
  options: ToolchainOptions & { rustup?: boolean } = {},
): string {
  const ctx = context(options);
  const p = ctx.platform;
  switch (piece) {
    case 'rust':
      if (p === 'win32') return 'winget install Rustlang.Rustup';
      return "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain nightly --component rust-src";
    case 'rust-src':
      if (options.rustup === false && p === 'linux' && linuxDistro(ctx) === 'debian') {
        return 'sudo apt-get install rust-src';
      }
      return 'rustup component add rust-src --toolchain nightly';
    case 'target':
      return `rustup target add ${KERNEL_TARGET}`;
    case 'linker':
      if (p === 'linux') {
        const d = linuxDistro(ctx);
        if (d === 'debian') return 'sudo apt-get install lld';
        if (d === 'fedora') return 'sudo dnf install lld';
        if (d === 'arch') return 'sudo pacman -S lld';
        return 'install lld (ld.lld) with your package manager';
      }
      if (p === 'darwin') return 'brew install lld';
      return 'winget install LLVM.LLVM';
    case 'qemu':
      if (p === 'win32') return 'winget install SoftwareFreedomConservancy.QEMU';
      if (p === 'darwin') return 'brew install qemu';
      switch (linuxDistro(ctx)) {
        case 'debian':
          return 'sudo apt-get install qemu-system-x86';
        case 'fedora':
          return 'sudo dnf install qemu-system-x86';
        case 'arch':
          return 'sudo pacman -S qemu-system-x86';
        default:
          return 'install qemu-system-x86_64 with your package manager';
      }
  }
}

export const QEMU_BINARY = 'qemu-system-x86_64';

function qemuCandidates(ctx: Context, settings: ToolchainOptions['settings']): string[] {
  const list: string[] = [];
  const add = (p: string | undefined) => {
    if (p && !list.includes(p)) list.push(p);
  };
  add(settings?.qemuPath || undefined);
  add(ctx.env.BOOTLAB_QEMU || undefined);
  for (const p of whichIn(QEMU_BINARY, ctx)) add(p);
  const file = exe(QEMU_BINARY, ctx.platform);
  if (ctx.platform === 'win32' && ctx.env.BOOTLAB_NO_SYSTEM_DIRS !== '1') {
    for (const base of [ctx.env.ProgramFiles, ctx.env['ProgramFiles(x86)'], 'C:\\Program Files']) {
      if (base) add(`${base}\\qemu\\${file}`);
    }
  }
  for (const dir of systemDirs(ctx)) add(join(dir, file));
  return list;
}

/** Finds QEMU: the setting, BOOTLAB_QEMU, PATH, then each OS's usual install folders. */
export async function findQemu(options: ToolchainOptions = {}): Promise<QemuInstall | string> {
  const ctx = context(options);
  const tried: string[] = [];
  for (const path of qemuCandidates(ctx, options.settings)) {
    if (!ctx.exists(path)) {
      tried.push(path);
      continue;
    }
    const v = await ctx.exec(path, ['--version'], { env: ctx.env, timeoutMs: 20_000 });
    if (v.code === 0) {
      const version = /version\s+(\S+)/i.exec(v.stdout)?.[1] ?? firstLine(v.stdout);
      return { path, version };
    }
    tried.push(`${path} (${firstLine(v.stderr) || v.spawnError || 'did not run'})`);
  }
  return tried.length > 0 ? `not found (looked at ${tried.join(', ')})` : 'not found';
}

/** Finds the best Rust toolchain for kernels; returns the reasons the others were rejected. */
export async function findRust(
  options: ToolchainOptions = {},
): Promise<{ rust?: RustToolchain; fallback?: RustToolchain; rejected: string[] }> {
  const ctx = context(options);
  const rejected: string[] = [];
  let fallback: RustToolchain | undefined;
  const candidates = rustCandidates(ctx, options.settings);
  // Probed side by side (each answer is cached, probeCache.ts), taken in order of preference.
  const probes = candidates.map((candidate) => probeRust(candidate, ctx));
  for (const [i, candidate] of candidates.entries()) {
    const probed = await probes[i]!;
    if (typeof probed === 'string') {
      if (candidate.origin !== 'PATH' && !probed.endsWith('does not exist')) rejected.push(probed);
      else if (candidate.origin === 'CARGO/RUSTC environment' || candidate.origin === 'settings') rejected.push(probed);
      continue;
    }
    if (canBuildKernels(probed) && linkerOk(probed, ctx)) return { rust: probed, rejected };
    rejected.push(
      `${probed.cargo} (${probed.rustcVersion}, from ${candidate.origin}): ` +
        (canBuildKernels(probed) ? 'no linker (rust-lld or ld.lld)' : `no ${KERNEL_TARGET} library and no rust-src`),
    );
    fallback ??= probed;
  }
  return { fallback, rejected };
}

/** The full doctor report, for `bootlab doctor` and the app's Toolchain panel. */
export async function checkToolchain(options: ToolchainOptions = {}): Promise<ToolchainCheck> {
  const ctx = context(options);
  const opts = { ...options, env: ctx.env, platform: ctx.platform, exec: ctx.exec, exists: ctx.exists, osRelease: ctx.osRelease };
  const [rustResult, qemu] = await Promise.all([findRust(opts), findQemu(opts)]);
  const tools: ToolStatus[] = [];
  const rust = rustResult.rust ?? rustResult.fallback;
  const rustup = rust ? /[\\/]\.?(rustup|cargo)[\\/]/.test(rust.sysroot) || /rustup/.test(rust.sysroot) : true;
  if (!rust) {
    const detail = rustResult.rejected.length > 0 ? rustResult.rejected.join('; ') : 'cargo was not found on PATH or in ~/.cargo/bin';
    tools.push({ name: 'cargo', found: false, detail, install: installCommand('rust', opts) });
    tools.push({ name: 'rustc', found: false, detail: 'rustc was not found', install: installCommand('rust', opts) });
  } else {
    tools.push({ name: 'cargo', found: true, path: rust.cargo, version: rust.cargoVersion });
    tools.push({
      name: 'rustc',
      found: true,
      path: rust.rustc,
      version: rust.rustcVersion,
      detail: `sysroot ${rust.sysroot}${rust.nightly ? ', nightly' : ', not nightly (build-std runs with RUSTC_BOOTSTRAP=1)'}`,
    });
    const usable = rustResult.rust !== undefined;
    // Either the prebuilt target library or rust-src is enough for x86_64-unknown-none; JSON
    // targets (the blog's) always need rust-src. The one not needed is marked optional.
    if (rust.targetInstalled || !rust.rustSrc) {
      tools.push({
        name: 'target',
        found: rust.targetInstalled,
        detail: `${KERNEL_TARGET} standard library ${rust.targetInstalled ? 'installed' : 'not installed'}`,
        install: rust.targetInstalled ? undefined : installCommand('target', opts),
      });
    }
    tools.push({
      name: 'rust-src',
      found: rust.rustSrc !== undefined,
      optional: rust.rustSrc === undefined && rust.targetInstalled ? true : undefined,
      path: rust.rustSrc,
      detail: rust.rustSrc
        ? `build-std possible${rust.vendorDir ? ' offline (vendored library dependencies)' : ''}${rust.targetInstalled ? '' : `; the prebuilt ${KERNEL_TARGET} library is not needed`}`
        : rust.targetInstalled
          ? "optional: needed only for JSON targets such as the blog's"
          : 'missing: needed to build core for the kernel target (or install the prebuilt target library)',
      install: rust.rustSrc ? undefined : installCommand('rust-src', { ...opts, rustup }),
    });
    const linkerFound = linkerOk(rust, ctx);
    tools.push({
      name: 'linker',
      found: linkerFound,
      path: rust.linker,
      detail: rust.linker ? 'ld.lld (the toolchain has no rust-lld)' : linkerFound ? 'rust-lld' : 'neither rust-lld nor ld.lld found',
      install: linkerFound ? undefined : installCommand('linker', opts),
    });
    if (!usable && rustResult.rejected.length > 0) {
      tools[0]!.detail = `cannot build kernels: ${rustResult.rejected.join('; ')}`;
    }
  }
  if (typeof qemu === 'string') {
    tools.push({ name: 'qemu', found: false, detail: `${QEMU_BINARY} ${qemu}`, install: installCommand('qemu', opts) });
  } else {
    tools.push({ name: 'qemu', found: true, path: qemu.path, version: qemu.version });
  }
  // OVMF only matters for UEFI runs: when it is missing the report says how to get it, but
  // Bootlab is still ready for BIOS runs.
  const ovmf = findOvmf({ ovmfPath: options.ovmfPath, qemuPath: typeof qemu === 'string' ? undefined : qemu.path, env: ctx.env, platform: ctx.platform, exists: ctx.exists });
  if (typeof ovmf === 'string') {
    tools.push({ name: 'ovmf', found: false, optional: true, detail: `UEFI firmware ${ovmf}; needed for UEFI runs only`, install: ovmfInstallCommand(ctx.platform, ctx.osRelease) });
  } else {
    tools.push({ name: 'ovmf', found: true, path: ovmf.code, detail: `UEFI firmware (${ovmf.origin})${ovmf.vars ? `, variables template ${ovmf.vars}` : ', no variables template beside it'}` });
  }
  const ok = rustResult.rust !== undefined && typeof qemu !== 'string';
  return {
    report: { ok, platform: ctx.platform, tools, buildMode: rustResult.rust?.buildMode },
    rust: rustResult.rust,
    qemu: typeof qemu === 'string' ? undefined : qemu,
    ovmf: typeof ovmf === 'string' ? undefined : ovmf,
  };
}

/** The doctor's report as text: one line per tool, the install command under each missing one. */
export function formatReport(report: ToolchainReport): string {
  const lines: string[] = [];
  for (const tool of report.tools) {
    const mark = tool.found ? 'ok     ' : tool.optional ? 'absent ' : 'MISSING';
    const what = [tool.version, tool.path].filter(Boolean).join(' at ');
    lines.push(`${mark} ${tool.name.padEnd(8)} ${what}${tool.detail ? `${what ? ' - ' : ''}${tool.detail}` : ''}`);
    if (!tool.found && tool.install) lines.push(`        install: ${tool.install}`);
  }
  lines.push('');
  if (report.ok) {
    lines.push(`Ready: kernels build with ${report.buildMode === 'build-std' ? 'build-std from rust-src' : `the installed ${KERNEL_TARGET} library`} and boot in QEMU.`);
  } else {
    lines.push('Not ready: install the missing pieces above, then run `bootlab doctor` again.');
  }
  return `${lines.join('\n')}\n`;
}
