// electron-builder configuration (`electron-builder --config electron.config.ts`): installers
// for Windows (NSIS), macOS (DMG, x64 and arm64) and Linux (AppImage, deb). The app archive
// holds only the built output (out/) and package.json; the bootloader sources and the sample
// kernel ship beside it as resources, where the services find them.
import type { Configuration } from 'electron-builder';
import { readFileSync } from 'node:fs';

const electronPackage = JSON.parse(readFileSync(new URL('./node_modules/electron/package.json', import.meta.url), 'utf8')) as { version: string };
/** An unpacked Electron folder to package against (offline builds and the packaging check). */
const electronDist = process.env.BOOTLAB_ELECTRON_DIST || undefined;

const config: Configuration = {
  appId: 'dev.bootlab.app',
  productName: 'Bootlab',
  copyright: 'Copyright © Bootlab contributors',
  electronVersion: electronPackage.version,
  ...(electronDist ? { electronDist } : {}),
  directories: { output: process.env.BOOTLAB_PACK_OUTPUT || 'release', buildResources: 'build' },
  files: ['package.json', 'out/**', '!out/**/*.map', '!out/*.mjs', '!out/*.png', '!out/tmp/**'],
  extraResources: [
    { from: 'resources/bootloader', to: 'bootloader' },
    { from: 'resources/sample-kernel', to: 'sample-kernel', filter: ['**/*', '!target/**', '!target'] },
  ],
  asar: true,
  // No native modules: nothing to rebuild (and nothing to download for it).
  npmRebuild: false,
  // Fuses are flipped in the real Electron binary; a stub folder has none to flip.
  ...(electronDist
    ? {}
    : {
        electronFuses: {
          runAsNode: false,
          enableCookieEncryption: true,
          enableNodeOptionsEnvironmentVariable: false,
          enableNodeCliInspectArguments: false,
          enableEmbeddedAsarIntegrityValidation: true,
          onlyLoadAppFromAsar: true,
          grantFileProtocolExtraPrivileges: false,
        },
      }),
  win: { target: [{ target: 'nsis', arch: ['x64'] }] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: [{ target: 'dmg', arch: ['x64', 'arm64'] }], category: 'public.app-category.developer-tools' },
  dmg: { title: 'Bootlab ${version}' },
  linux: {
    target: [
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ],
    category: 'Development',
    maintainer: 'Bootlab contributors <bootlab@users.noreply.github.com>',
    synopsis: 'Build, image and boot Rust kernels in QEMU',
  },
  // QEMU is what boots the kernels; Electron's own dependencies stay electron-builder's defaults.
  deb: { recommends: ['qemu-system-x86'] },
  publish: null,
};

export default config;
