#!/usr/bin/env node
// `npm start` (after the build): opens the Electron app when an Electron binary is available,
// otherwise says so and starts browser mode (`bootlab serve`) instead. It never downloads
// anything, and never refuses to start because QEMU or Rust is missing (the app's Toolchain
// panel says what to install). Arguments are passed on (e.g. a project folder).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

/** The Electron executable, if one is on this machine: ELECTRON_OVERRIDE_DIST_PATH or the package's dist/. */
export function electronBinary(env = process.env, platform = process.platform, packageDir = join(root, 'node_modules', 'electron')) {
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile)
    ? readFileSync(pathFile, 'utf8').trim()
    : platform === 'win32'
      ? 'electron.exe'
      : platform === 'darwin'
        ? 'Electron.app/Contents/MacOS/Electron'
        : 'electron';
  const candidates = [];
  if (env.ELECTRON_OVERRIDE_DIST_PATH) candidates.push(join(env.ELECTRON_OVERRIDE_DIST_PATH, relative));
  candidates.push(join(packageDir, 'dist', relative));
  return candidates.find((c) => existsSync(c));
}

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', shell: false });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  child.on('error', (error) => {
    process.stderr.write(`bootlab start: ${error.message}\n`);
    process.exitCode = 1;
  });
}

/** Electron 42+ downloads its binary on first use; try that once, quietly, before giving up. */
function downloadElectron(env = process.env) {
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD || !existsSync(installer)) return;
  process.stderr.write('Downloading the Electron binary (first start only)...\n');
  const result = spawnSync(process.execPath, [installer], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  if (result.status !== 0) process.stderr.write('The Electron download failed (no connection to its release server?).\n');
}

export function main() {
  let binary = electronBinary();
  if (!binary) {
    downloadElectron();
    binary = electronBinary();
  }
  if (binary) {
    run(binary, [root, ...args]);
  } else {
    process.stderr.write(
      'The Electron binary is unavailable on this machine (node_modules/electron has no dist/ and ELECTRON_OVERRIDE_DIST_PATH is not set),\n' +
        'so Bootlab starts in browser mode instead: `bootlab serve`. Open the URL below in your browser.\n',
    );
    run(process.execPath, [join(root, 'bin', 'bootlab.js'), 'serve', ...args]);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
