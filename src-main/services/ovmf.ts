// Finds OVMF, the UEFI firmware QEMU needs for UEFI runs: the code image (read-only pflash)
// and, beside it, the template of its variable store (each run gets its own copy). Where it
// lives differs per OS: Debian/Ubuntu's `ovmf` package, Fedora's and Arch's `edk2-ovmf`, and
// the `edk2-x86_64-code.fd` that QEMU itself ships (Windows installer, Homebrew, MacPorts).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface OvmfFirmware {
  /** The firmware code image, for `-drive if=pflash,readonly=on`. */
  code: string;
  /** The variable-store template beside it, when there is one. */
  vars?: string;
  /** Where the path came from (setting, BOOTLAB_OVMF, QEMU's folder, system folder). */
  origin: string;
}

export interface OvmfOptions {
  /** A path the user set (the code image). */
  ovmfPath?: string;
  /** The QEMU binary Bootlab found: its own firmware folder is searched. */
  qemuPath?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  exists?: (path: string) => boolean;
}

/** The code images in the usual system folders, most specific first. */
const SYSTEM_CODE_IMAGES: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: [
    '/usr/share/OVMF/OVMF_CODE_4M.fd', // Debian 12, Ubuntu 22.04 and later (`ovmf`)
    '/usr/share/OVMF/OVMF_CODE.fd', // older Debian and Ubuntu
    '/usr/share/edk2/ovmf/OVMF_CODE.fd', // Fedora, RHEL (`edk2-ovmf`)
    '/usr/share/edk2/x64/OVMF_CODE.4m.fd', // Arch (`edk2-ovmf`)
    '/usr/share/edk2/x64/OVMF_CODE.fd',
    '/usr/share/edk2-ovmf/x64/OVMF_CODE.fd', // older Arch
    '/usr/share/qemu/edk2-x86_64-code.fd', // QEMU's own copy
  ],
  darwin: ['/opt/homebrew/share/qemu/edk2-x86_64-code.fd', '/usr/local/share/qemu/edk2-x86_64-code.fd', '/opt/local/share/qemu/edk2-x86_64-code.fd'],
  win32: ['C:\\Program Files\\qemu\\share\\edk2-x86_64-code.fd'],
};

/** QEMU's firmware beside its binary: `<prefix>/share/qemu/` on Unix, `<install>\share\` on Windows. */
function besideQemu(qemuPath: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') return `${qemuPath.replace(/[\\/][^\\/]*$/, '')}\\share\\edk2-x86_64-code.fd`;
  return join(dirname(dirname(qemuPath)), 'share', 'qemu', 'edk2-x86_64-code.fd');
}

/** The variable-store template that belongs to a code image, by each distribution's naming. */
export function varsTemplateFor(code: string): string {
  const name = basename(code.replace(/\\/g, '/'));
  const dir = code.slice(0, code.length - name.length);
  if (name === 'edk2-x86_64-code.fd') return `${dir}edk2-i386-vars.fd`; // QEMU ships one x86 store
  return `${dir}${name.replace('CODE', 'VARS')}`;
}

/** Finds OVMF: the setting, BOOTLAB_OVMF, QEMU's own folder, then the system folders. */
export function findOvmf(options: OvmfOptions = {}): OvmfFirmware | string {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const exists = options.exists ?? existsSync;
  const candidates: { path: string; origin: string }[] = [];
  if (options.ovmfPath) candidates.push({ path: options.ovmfPath, origin: 'settings' });
  if (env.BOOTLAB_OVMF) candidates.push({ path: env.BOOTLAB_OVMF, origin: 'BOOTLAB_OVMF' });
  if (options.qemuPath) candidates.push({ path: besideQemu(options.qemuPath, platform), origin: "QEMU's folder" });
  if (env.BOOTLAB_NO_SYSTEM_DIRS !== '1') for (const path of SYSTEM_CODE_IMAGES[platform] ?? []) candidates.push({ path, origin: 'system folder' });
  const tried: string[] = [];
  for (const { path, origin } of candidates) {
    if (tried.includes(path)) continue;
    if (!exists(path)) {
      // A path the user named that does not exist is an error, not a reason to look elsewhere.
      if (origin === 'settings' || origin === 'BOOTLAB_OVMF') return `the OVMF firmware ${path} (from ${origin}) does not exist`;
      tried.push(path);
      continue;
    }
    const vars = varsTemplateFor(path);
    return { code: path, vars: exists(vars) ? vars : undefined, origin };
  }
  return tried.length > 0 ? `not found (looked at ${tried.join(', ')})` : 'not found';
}

/** The exact command that installs OVMF on this OS (`osRelease`: /etc/os-release's text). */
export function ovmfInstallCommand(platform: NodeJS.Platform, osRelease: string): string {
  if (platform === 'win32') return 'winget install SoftwareFreedomConservancy.QEMU   # QEMU for Windows includes edk2-x86_64-code.fd';
  if (platform === 'darwin') return 'brew install qemu   # includes edk2-x86_64-code.fd';
  const ids = (osRelease.match(/^ID(?:_LIKE)?=.*$/gm) ?? []).join(' ').toLowerCase();
  if (/debian|ubuntu/.test(ids)) return 'sudo apt-get install ovmf';
  if (/fedora|rhel|centos/.test(ids)) return 'sudo dnf install edk2-ovmf';
  if (/arch/.test(ids)) return 'sudo pacman -S edk2-ovmf';
  return "install OVMF (edk2's x86-64 UEFI firmware for QEMU) with your package manager, or set BOOTLAB_OVMF to its OVMF_CODE.fd";
}
