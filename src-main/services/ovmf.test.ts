// Finding OVMF: each OS's usual places (with a fake file system), the user's choice first, and
// on this machine (Debian with `ovmf`, installed by scripts/setup.js) the real files and the
// doctor's report, with and without the system folders.
import { describe, expect, it } from 'vitest';
import { findOvmf, ovmfInstallCommand, varsTemplateFor } from './ovmf.js';
import { checkToolchain, formatReport } from './toolchain.js';

const DEBIAN = 'ID=debian\nVERSION_ID="12"\n';
const fakeFs = (...files: string[]) => (p: string) => files.includes(p);

describe('findOvmf', () => {
  it("Debian/Ubuntu's ovmf package: the 4 MiB image and its variables template", () => {
    const exists = fakeFs('/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd', '/usr/share/OVMF/OVMF_CODE.fd');
    expect(findOvmf({ platform: 'linux', env: {}, exists })).toEqual({ code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd', origin: 'system folder' });
  });

  it("Fedora's and Arch's edk2-ovmf", () => {
    expect(findOvmf({ platform: 'linux', env: {}, exists: fakeFs('/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd') })).toMatchObject({
      code: '/usr/share/edk2/ovmf/OVMF_CODE.fd',
      vars: '/usr/share/edk2/ovmf/OVMF_VARS.fd',
    });
    expect(findOvmf({ platform: 'linux', env: {}, exists: fakeFs('/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd') })).toMatchObject({
      code: '/usr/share/edk2/x64/OVMF_CODE.4m.fd',
      vars: '/usr/share/edk2/x64/OVMF_VARS.4m.fd',
    });
  });

  it("QEMU's own edk2 image beside the QEMU that was found (Homebrew, Windows installer)", () => {
    const brew = fakeFs('/opt/homebrew/share/qemu/edk2-x86_64-code.fd', '/opt/homebrew/share/qemu/edk2-i386-vars.fd');
    expect(findOvmf({ platform: 'darwin', env: { BOOTLAB_NO_SYSTEM_DIRS: '1' }, qemuPath: '/opt/homebrew/bin/qemu-system-x86_64', exists: brew })).toEqual({
      code: '/opt/homebrew/share/qemu/edk2-x86_64-code.fd',
      vars: '/opt/homebrew/share/qemu/edk2-i386-vars.fd',
      origin: "QEMU's folder",
    });
    const win = fakeFs('D:\\Tools\\qemu\\share\\edk2-x86_64-code.fd');
    expect(findOvmf({ platform: 'win32', env: {}, qemuPath: 'D:\\Tools\\qemu\\qemu-system-x86_64.exe', exists: win })).toEqual({
      code: 'D:\\Tools\\qemu\\share\\edk2-x86_64-code.fd',
      vars: undefined,
      origin: "QEMU's folder",
    });
  });

  it('the setting, then BOOTLAB_OVMF, win over the usual places; a named file that is missing is an error', () => {
    const exists = fakeFs('/mine/CODE.fd', '/env/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_CODE_4M.fd');
    expect(findOvmf({ platform: 'linux', env: { BOOTLAB_OVMF: '/env/OVMF_CODE.fd' }, ovmfPath: '/mine/CODE.fd', exists })).toMatchObject({ code: '/mine/CODE.fd', origin: 'settings' });
    expect(findOvmf({ platform: 'linux', env: { BOOTLAB_OVMF: '/env/OVMF_CODE.fd' }, exists })).toMatchObject({ code: '/env/OVMF_CODE.fd', origin: 'BOOTLAB_OVMF' });
    expect(findOvmf({ platform: 'linux', env: { BOOTLAB_OVMF: '/typo/OVMF_CODE.fd' }, exists })).toBe('the OVMF firmware /typo/OVMF_CODE.fd (from BOOTLAB_OVMF) does not exist');
  });

  it('nothing found: the message lists where it looked', () => {
    const result = findOvmf({ platform: 'linux', env: {}, exists: () => false, qemuPath: '/usr/bin/qemu-system-x86_64' });
    expect(result).toMatch(/^not found \(looked at \/usr\/share\/qemu\/edk2-x86_64-code\.fd, \/usr\/share\/OVMF\/OVMF_CODE_4M\.fd, /);
  });

  it('variables templates by each naming scheme', () => {
    expect(varsTemplateFor('/usr/share/OVMF/OVMF_CODE_4M.fd')).toBe('/usr/share/OVMF/OVMF_VARS_4M.fd');
    expect(varsTemplateFor('C:\\Program Files\\qemu\\share\\edk2-x86_64-code.fd')).toBe('C:\\Program Files\\qemu\\share\\edk2-i386-vars.fd');
  });

  it('install commands per OS', () => {
    expect(ovmfInstallCommand('linux', DEBIAN)).toBe('sudo apt-get install ovmf');
    expect(ovmfInstallCommand('linux', 'ID=ubuntu\nID_LIKE=debian\n')).toBe('sudo apt-get install ovmf');
    expect(ovmfInstallCommand('linux', 'ID=fedora\n')).toBe('sudo dnf install edk2-ovmf');
    expect(ovmfInstallCommand('linux', 'ID=arch\n')).toBe('sudo pacman -S edk2-ovmf');
    expect(ovmfInstallCommand('darwin', '')).toMatch(/^brew install qemu/);
    expect(ovmfInstallCommand('win32', '')).toMatch(/^winget install SoftwareFreedomConservancy\.QEMU/);
  });
});

describe('on this machine', () => {
  it("finds Debian's OVMF and its variables template on disk", () => {
    expect(findOvmf({ env: {} })).toEqual({ code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd', origin: 'system folder' });
  });

  it('the doctor reports OVMF when it is there', async () => {
    const { report, ovmf } = await checkToolchain();
    expect(ovmf?.code).toBe('/usr/share/OVMF/OVMF_CODE_4M.fd');
    const entry = report.tools.find((t) => t.name === 'ovmf');
    expect(entry).toMatchObject({ found: true, path: '/usr/share/OVMF/OVMF_CODE_4M.fd' });
    expect(formatReport(report)).toMatch(/^ok +ovmf +\/usr\/share\/OVMF\/OVMF_CODE_4M\.fd - UEFI firmware \(system folder\), variables template \/usr\/share\/OVMF\/OVMF_VARS_4M\.fd$/m);
  });

  it('the doctor prints the install command when OVMF is missing, and stays ready for BIOS runs', async () => {
    // Without the system folders (and so without QEMU's folder either) nothing is found.
    const env = { ...process.env, BOOTLAB_NO_SYSTEM_DIRS: '1', BOOTLAB_OVMF: '' };
    const { report } = await checkToolchain({ env, osRelease: DEBIAN });
    const entry = report.tools.find((t) => t.name === 'ovmf');
    expect(entry).toMatchObject({ found: false, optional: true, install: 'sudo apt-get install ovmf' });
    expect(entry?.detail).toContain('needed for UEFI runs only');
    const text = formatReport(report);
    expect(text).toMatch(/^absent +ovmf +UEFI firmware not found .*\n +install: sudo apt-get install ovmf$/m);
    // OVMF alone never decides readiness: the same machine with OVMF named by BOOTLAB_OVMF.
    const named = await checkToolchain({ env: { ...env, BOOTLAB_OVMF: '/usr/share/OVMF/OVMF_CODE_4M.fd' }, osRelease: DEBIAN });
    expect(named.report.tools.find((t) => t.name === 'ovmf')).toMatchObject({ found: true, path: '/usr/share/OVMF/OVMF_CODE_4M.fd' });
    expect(named.ovmf?.origin).toBe('BOOTLAB_OVMF');
    expect(report.ok).toBe(named.report.ok);
  });
});
