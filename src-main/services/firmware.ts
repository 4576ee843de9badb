// Which firmware a run boots with (DESIGN "Firmware"): `--firmware bios|uefi`, else the
// BOOTLAB_FIRMWARE environment variable, else `[package.metadata.bootlab] firmware` in the
// kernel's Cargo.toml, else BIOS. Runs always write hybrid images, so either firmware boots the
// same file. For UEFI, QEMU gets OVMF (DESIGN "QEMU arguments"): the code image as read-only
// pflash, a copy of the variable-store template in the run's own temp folder (a run never
// changes the installed template, and parallel runs never share one store), and `-nic none`
// unless the user's arguments add a network card (OVMF would otherwise try a network boot first).
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Firmware } from '../shared/api.js';
import { findOvmf, ovmfInstallCommand, type OvmfFirmware } from './ovmf.js';
import { getPath, parseToml } from './toml.js';

export type { Firmware };
export const FIRMWARES: readonly Firmware[] = ['bios', 'uefi'];

export class FirmwareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirmwareError';
  }
}

export interface FirmwareChoice {
  firmware: Firmware;
  /** Where the choice came from, for messages: `--firmware`, `BOOTLAB_FIRMWARE`, the Cargo.toml, or `default`. */
  from: string;
}

export interface ResolveFirmwareInput {
  /** The `--firmware` option (or the app's select). */
  option?: string;
  env: NodeJS.ProcessEnv;
  /** The kernel's Cargo.toml, when there is one. */
  manifestPath?: string;
  readFile?: (path: string) => string;
}

function checked(value: unknown, from: string): Firmware {
  if (typeof value === 'string' && (FIRMWARES as readonly string[]).includes(value)) return value as Firmware;
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  throw new FirmwareError(`${from} is ${shown}: the firmware must be "bios" or "uefi"`);
}

/** The firmware for a run; a bad value anywhere on the way is a `FirmwareError` naming where it came from. */
export function resolveFirmware(input: ResolveFirmwareInput): FirmwareChoice {
  if (input.option !== undefined) return { firmware: checked(input.option, '--firmware'), from: '--firmware' };
  const fromEnv = input.env.BOOTLAB_FIRMWARE;
  if (fromEnv !== undefined && fromEnv !== '') return { firmware: checked(fromEnv, 'BOOTLAB_FIRMWARE'), from: 'BOOTLAB_FIRMWARE' };
  if (input.manifestPath) {
    const where = `${input.manifestPath}: [package.metadata.bootlab] firmware`;
    let text: string;
    try {
      text = (input.readFile ?? ((p) => readFileSync(p, 'utf8')))(input.manifestPath);
    } catch {
      text = '';
    }
    if (text.includes('firmware')) {
      let value: unknown;
      try {
        value = getPath(parseToml(text), 'package', 'metadata', 'bootlab', 'firmware');
      } catch (e) {
        throw new FirmwareError(`${input.manifestPath}: ${(e as Error).message}`);
      }
      if (value !== undefined) return { firmware: checked(value, where), from: where };
    }
  }
  return { firmware: 'bios', from: 'default' };
}

/** A project's firmware when nothing chooses one for the run (the app's Firmware select starts there); BIOS when a value is bad (the run names it). */
export function projectFirmware(env: NodeJS.ProcessEnv, manifestPath: string): Firmware {
  try {
    return resolveFirmware({ env, manifestPath }).firmware;
  } catch {
    return 'bios';
  }
}

/** NIC options of QEMU: any of them means the user wants a network card, so `-nic none` is not added. */
const NIC_OPTIONS = ['-nic', '-net', '-netdev'];
const NIC_DEVICES = /^(e1000|virtio-net|rtl8139|ne2k|pcnet|i8255|vmxnet|usb-net|igb|tulip|sungem)/;

export function userAddsNic(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.replace(/^--/, '-').split('=')[0]!;
    if (NIC_OPTIONS.includes(name)) return true;
    if (name === '-device' && NIC_DEVICES.test(args[i + 1] ?? '')) return true;
  }
  return false;
}

/** A path inside a QEMU `-drive` option: commas are doubled (QEMU's escape), spaces need nothing without a shell. */
function driveFile(path: string): string {
  return path.replace(/,/g, ',,');
}

/** QEMU arguments for OVMF: code read-only, this run's copy of the variable store, and `-nic none` unless the user adds a NIC. */
export function ovmfQemuArgs(ovmf: Pick<OvmfFirmware, 'code'>, varsCopy: string, userArgs: string[]): string[] {
  const args = ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${driveFile(ovmf.code)}`, '-drive', `if=pflash,format=raw,unit=1,file=${driveFile(varsCopy)}`];
  if (!userAddsNic(userArgs)) args.push('-nic', 'none');
  return args;
}

export interface UefiRunInput {
  /** The run's own temp folder: the variable store is copied there. */
  workDir: string;
  /** The QEMU arguments so far (the user's and the crate's): a NIC among them keeps its network. */
  userArgs: string[];
  env: NodeJS.ProcessEnv;
  /** The QEMU binary, whose own firmware folder is searched. */
  qemuPath?: string;
  ovmfPath?: string;
  platform?: NodeJS.Platform;
  /** /etc/os-release's text, for the install command (read when absent, on Linux). */
  osRelease?: string;
  /** Replaceable in unit tests. */
  findOvmf?: typeof findOvmf;
  copyFile?: (from: string, to: string) => void;
}

function readOsRelease(platform: NodeJS.Platform): string {
  if (platform !== 'linux') return '';
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return '';
  }
}

/** Finds OVMF and copies its variable store for one run; the QEMU arguments, or a `FirmwareError` with the install command. */
export function prepareUefiRun(input: UefiRunInput): { args: string[]; ovmf: OvmfFirmware; varsCopy: string } {
  const platform = input.platform ?? process.platform;
  const found = (input.findOvmf ?? findOvmf)({ ovmfPath: input.ovmfPath, qemuPath: input.qemuPath, env: input.env, platform });
  if (typeof found === 'string') {
    const install = ovmfInstallCommand(platform, input.osRelease ?? readOsRelease(platform));
    throw new FirmwareError(`UEFI runs need OVMF, the UEFI firmware for QEMU: ${found}\n  install it with: ${install}\n  or set BOOTLAB_OVMF to its OVMF_CODE file, or run with --firmware bios`);
  }
  if (!found.vars) {
    throw new FirmwareError(`OVMF's variable-store template is missing beside ${found.code} (a UEFI run copies it for its own variables): reinstall OVMF (${ovmfInstallCommand(platform, input.osRelease ?? readOsRelease(platform))})`);
  }
  const varsCopy = join(input.workDir, 'OVMF_VARS.fd');
  try {
    (input.copyFile ?? copyFileSync)(found.vars, varsCopy);
  } catch (e) {
    throw new FirmwareError(`cannot copy OVMF's variable store ${found.vars} to ${varsCopy}: ${(e as Error).message}`);
  }
  return { args: ovmfQemuArgs(found, varsCopy, input.userArgs), ovmf: found, varsCopy };
}
