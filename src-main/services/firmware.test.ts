// Firmware resolution (DESIGN "Firmware": --firmware, else BOOTLAB_FIRMWARE, else
// [package.metadata.bootlab] firmware, else BIOS) and the OVMF arguments of a UEFI run, with
// real files in a temp folder; findOvmf is replaced only where OVMF must be missing.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FirmwareError, ovmfQemuArgs, prepareUefiRun, resolveFirmware, userAddsNic } from './firmware.js';

const work = join(tmpdir(), `bootlab-firmware-test-${process.pid}`);
mkdirSync(work, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

function manifest(name: string, metadata: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'Cargo.toml');
  writeFileSync(path, `[package]\nname = "${name}"\nversion = "0.1.0"\n\n${metadata}\n`);
  return path;
}

describe('resolveFirmware', () => {
  const uefiCrate = manifest('uefi-crate', '[package.metadata.bootlab]\nfirmware = "uefi"\nfeatures = []');
  const plainCrate = manifest('plain-crate', '[package.metadata.bootimage]\nrun-args = ["-m", "64M"]');

  it('takes --firmware first, then BOOTLAB_FIRMWARE, then the Cargo.toml, then BIOS', () => {
    expect(resolveFirmware({ option: 'bios', env: { BOOTLAB_FIRMWARE: 'uefi' }, manifestPath: uefiCrate })).toEqual({ firmware: 'bios', from: '--firmware' });
    expect(resolveFirmware({ env: { BOOTLAB_FIRMWARE: 'bios' }, manifestPath: uefiCrate })).toEqual({ firmware: 'bios', from: 'BOOTLAB_FIRMWARE' });
    expect(resolveFirmware({ env: {}, manifestPath: uefiCrate })).toEqual({ firmware: 'uefi', from: `${uefiCrate}: [package.metadata.bootlab] firmware` });
    expect(resolveFirmware({ env: {}, manifestPath: plainCrate })).toEqual({ firmware: 'bios', from: 'default' });
    expect(resolveFirmware({ env: {} })).toEqual({ firmware: 'bios', from: 'default' });
    // An empty variable is as good as none.
    expect(resolveFirmware({ env: { BOOTLAB_FIRMWARE: '' }, manifestPath: uefiCrate }).firmware).toBe('uefi');
  });

  it('names where a bad value came from', () => {
    expect(() => resolveFirmware({ option: 'efi', env: {} })).toThrow(new FirmwareError('--firmware is "efi": the firmware must be "bios" or "uefi"'));
    expect(() => resolveFirmware({ env: { BOOTLAB_FIRMWARE: 'UEFI ' } })).toThrow(/^BOOTLAB_FIRMWARE is "UEFI ": the firmware must be "bios" or "uefi"$/);
    const bad = manifest('bad-crate', '[package.metadata.bootlab]\nfirmware = 2');
    expect(() => resolveFirmware({ env: {}, manifestPath: bad })).toThrow(`${bad}: [package.metadata.bootlab] firmware is 2: the firmware must be "bios" or "uefi"`);
    // The flag wins before a bad manifest value is even read.
    expect(resolveFirmware({ option: 'uefi', env: {}, manifestPath: bad }).firmware).toBe('uefi');
  });
});

describe('OVMF arguments', () => {
  it('code read-only as pflash unit 0, the vars copy as unit 1, -nic none unless a NIC is asked for', () => {
    const args = ovmfQemuArgs({ code: '/usr/share/OVMF/OVMF_CODE_4M.fd' }, '/tmp/run, 1/OVMF_VARS.fd', ['-m', '256M']);
    expect(args).toEqual(['-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd', '-drive', 'if=pflash,format=raw,unit=1,file=/tmp/run,, 1/OVMF_VARS.fd', '-nic', 'none']);
    for (const nic of [['-nic', 'user'], ['-netdev', 'user,id=n'], ['-net', 'nic'], ['-device', 'e1000,netdev=n'], ['-device', 'virtio-net-pci']]) {
      expect(userAddsNic(nic)).toBe(true);
      expect(ovmfQemuArgs({ code: 'c' }, 'v', nic)).not.toContain('-nic');
    }
    expect(userAddsNic(['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'])).toBe(false);
  });

  it("a UEFI run gets its own copy of OVMF's variable store in its temp folder", () => {
    const ovmfDir = join(work, 'share', 'OVMF');
    mkdirSync(ovmfDir, { recursive: true });
    writeFileSync(join(ovmfDir, 'OVMF_CODE_4M.fd'), 'code');
    writeFileSync(join(ovmfDir, 'OVMF_VARS_4M.fd'), 'vars template');
    const runDir = join(work, 'run-1');
    mkdirSync(runDir);
    const run = prepareUefiRun({ workDir: runDir, userArgs: [], env: { BOOTLAB_OVMF: join(ovmfDir, 'OVMF_CODE_4M.fd') }, platform: 'linux', osRelease: 'ID=debian' });
    expect(run.varsCopy).toBe(join(runDir, 'OVMF_VARS.fd'));
    expect(readFileSync(run.varsCopy, 'utf8')).toBe('vars template');
    expect(run.args).toContain(`if=pflash,format=raw,unit=0,readonly=on,file=${join(ovmfDir, 'OVMF_CODE_4M.fd')}`);
    expect(run.args).toContain(`if=pflash,format=raw,unit=1,file=${run.varsCopy}`);
  });

  it('a missing OVMF is a clear message with the install command for this OS', () => {
    const missing = () => 'not found (looked at /usr/share/OVMF/OVMF_CODE_4M.fd)';
    const runDir = join(work, 'run-2');
    mkdirSync(runDir);
    let message = '';
    try {
      prepareUefiRun({ workDir: runDir, userArgs: [], env: {}, platform: 'linux', osRelease: 'ID=debian\n', findOvmf: missing });
    } catch (e) {
      expect(e).toBeInstanceOf(FirmwareError);
      message = (e as Error).message;
    }
    expect(message).toBe('UEFI runs need OVMF, the UEFI firmware for QEMU: not found (looked at /usr/share/OVMF/OVMF_CODE_4M.fd)\n  install it with: sudo apt-get install ovmf\n  or set BOOTLAB_OVMF to its OVMF_CODE file, or run with --firmware bios');
    expect(existsSync(join(runDir, 'OVMF_VARS.fd'))).toBe(false);
    expect(() => prepareUefiRun({ workDir: runDir, userArgs: [], env: {}, platform: 'linux', osRelease: 'ID=fedora', findOvmf: missing })).toThrow(/install it with: sudo dnf install edk2-ovmf/);
  });
});
