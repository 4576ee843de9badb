// The offline packaging check: electron-builder --dir for Linux against a stub Electron folder
// (no download), then the app archive must hold what the app loads at run time, and the
// resources must sit beside it.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'out', 'electron', 'main.js')) || !existsSync(join(ROOT, 'out', 'electron', 'preload.cjs'))) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-main.js')], { cwd: ROOT, stdio: 'inherit' });
  }
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src-renderer/vite.config.ts', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
}

/** An "unpacked Electron" with nothing but a placeholder executable and its version. */
function stubElectron(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'electron'), '#!/bin/sh\necho "stub Electron: packaging check only" >&2\nexit 1\n');
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'version'), `v${version}`);
  writeFileSync(join(dir, 'LICENSE'), 'stub');
}

describe('packaging (electron-builder --dir, offline)', () => {
  it('puts the main process, preload and renderer in app.asar and the resources beside it', { timeout: 300_000 }, async () => {
    ensureBuilt();
    const work = mkdtempSync(join(tmpdir(), 'bootlab-pack-'));
    try {
      const { version } = (await import('../../node_modules/electron/package.json', { with: { type: 'json' } })).default as { version: string };
      const stub = join(work, 'electron-stub');
      stubElectron(stub, version);
      const output = join(work, 'release');
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--dir', '--linux', '--x64', '--config', 'electron.config.ts', '--publish', 'never'],
        {
          cwd: ROOT,
          env: { ...process.env, BOOTLAB_ELECTRON_DIST: stub, BOOTLAB_PACK_OUTPUT: output, ELECTRON_BUILDER_CACHE: join(work, 'cache'), CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
          stdio: 'pipe',
        },
      );
      const unpacked = join(output, 'linux-unpacked');
      expect(existsSync(join(unpacked, 'bootlab'))).toBe(true);
      const asar = await import('@electron/asar');
      const files = asar.listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false }).map((f: string) => f.replace(/\\/g, '/'));
      for (const needed of ['/package.json', '/out/electron/main.js', '/out/electron/preload.cjs', '/out/renderer/index.html', '/out/cli.js']) {
        expect(files).toContain(needed);
      }
      expect(files.some((f: string) => f.startsWith('/out/renderer/assets/') && f.endsWith('.js'))).toBe(true);
      expect(files.filter((f: string) => f.endsWith('.map'))).toEqual([]);
      expect(files.filter((f: string) => f.startsWith('/src-main') || f.startsWith('/src-renderer') || f.startsWith('/e2e'))).toEqual([]);

      const resources = join(unpacked, 'resources');
      expect(existsSync(join(resources, 'bootloader', 'bootloader.asm'))).toBe(true);
      expect(existsSync(join(resources, 'sample-kernel', 'Cargo.toml'))).toBe(true);
      expect(existsSync(join(resources, 'sample-kernel', 'src', 'main.rs'))).toBe(true);
      expect(readdirSync(join(resources, 'sample-kernel'))).not.toContain('target');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
