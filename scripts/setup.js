#!/usr/bin/env node
// Installs what npm cannot: QEMU, a Rust toolchain that can build kernels (std sources + lld),
// NASM (a test oracle only: Bootlab never runs it) and Chromium (for the end-to-end tests).
// On Debian/Ubuntu as root it installs the packages; elsewhere it prints the exact commands for
// this OS and stops. Fast and silent when everything is already present.
//
//   node scripts/setup.js              what the tests need; exit 1 if something is missing
//   node scripts/setup.js --for-start  what the app needs; never fails (the app's Toolchain
//                                      panel explains what is missing)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const forStart = process.argv.includes('--for-start');

/** Debian 12 package names (TOOLCHAIN.md), what each provides, and how to tell it is there. */
const DEBIAN_PACKAGES = [
  { pkg: 'qemu-system-x86', what: 'QEMU', forStart: true },
  { pkg: 'rustc-web', what: 'Rust 1.96 compiler', forStart: true },
  { pkg: 'cargo-web', what: 'cargo', forStart: true },
  { pkg: 'rust-web-src', what: 'Rust standard library sources (build-std)', forStart: true },
  { pkg: 'lld', what: 'the LLVM linker ld.lld', forStart: true },
  { pkg: 'ovmf', what: 'OVMF, the UEFI firmware for QEMU (UEFI runs)', forStart: true },
  { pkg: 'nasm', what: 'NASM 2.16.01 (test oracle only)', forStart: false },
  { pkg: 'chromium', what: 'Chromium (end-to-end tests)', forStart: false },
  { pkg: 'dosfstools', what: 'fsck.fat (test oracle only: checks the FAT file systems Bootlab writes)', forStart: false },
  { pkg: 'mtools', what: 'mdir/mcopy (test oracle only: reads files back from Bootlab\'s FAT images)', forStart: false },
  { pkg: 'gdisk', what: 'sgdisk (test oracle only: verifies Bootlab\'s GPT disks)', forStart: false },
];

function isDebianLike() {
  if (process.platform !== 'linux' || !existsSync('/etc/os-release')) return false;
  const release = readFileSync('/etc/os-release', 'utf8');
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(release);
}

function debianInstalled(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function onPath(command) {
  const probe = process.platform === 'win32' ? 'where' : 'which';
  return spawnSync(probe, [command], { stdio: 'ignore' }).status === 0;
}

function printAndExit(lines) {
  const header = forStart
    ? 'Bootlab will start, but it needs these to build and boot kernels:'
    : 'Bootlab\'s tests need tools that npm cannot install. Install them with:';
  process.stderr.write(`${header}\n\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
  process.exit(forStart ? 0 : 1);
}

function setupDebian() {
  const wanted = DEBIAN_PACKAGES.filter((p) => !forStart || p.forStart);
  const missing = wanted.filter((p) => !debianInstalled(p.pkg));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    printAndExit([`sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`]);
  }
  process.stderr.write(`Installing ${missing.map((p) => `${p.pkg} (${p.what})`).join(', ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', ...names], { stdio: 'inherit', env });
}

/** Other systems: say exactly what to run, then stop. */
function otherSystemCommands() {
  const missing = [];
  const hasQemu = onPath('qemu-system-x86_64');
  const hasCargo = onPath('cargo');
  const hasNasm = onPath('nasm');
  if (process.platform === 'darwin') {
    if (!hasQemu) missing.push('brew install qemu');
    if (!hasCargo) missing.push("curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh");
    missing.push('rustup toolchain install nightly --component rust-src   # once, for kernels');
    if (!forStart && !hasNasm) missing.push('brew install nasm');
    if (!forStart) missing.push('brew install --cask chromium   # then set BOOTLAB_CHROMIUM to its binary');
  } else if (process.platform === 'win32') {
    if (!hasQemu) missing.push('winget install --id SoftwareFreedomConservancy.QEMU');
    if (!hasCargo) missing.push('winget install --id Rustlang.Rustup');
    missing.push('rustup toolchain install nightly --component rust-src');
    if (!forStart && !hasNasm) missing.push('winget install --id NASM.NASM');
    if (!forStart) missing.push('winget install --id Hibbiki.Chromium   # then set BOOTLAB_CHROMIUM to its chrome.exe');
  } else {
    if (!hasQemu) missing.push('install QEMU (qemu-system-x86_64) with your distribution\'s package manager');
    if (!hasCargo) missing.push("curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh");
    missing.push('rustup toolchain install nightly --component rust-src');
    if (!forStart && !hasNasm) missing.push('install nasm 2.16.01 with your package manager');
    if (!forStart) missing.push('install chromium and set BOOTLAB_CHROMIUM to its binary');
  }
  const satisfied = hasQemu && hasCargo && (forStart || (hasNasm && process.env.BOOTLAB_CHROMIUM));
  if (!satisfied) printAndExit(missing);
}

if (isDebianLike()) setupDebian();
else otherSystemCommands();
