// Bundles the Node side: the CLI (ESM), the Electron main process (ESM) and the preload
// (CommonJS, because sandboxed preloads cannot be ES modules). Needs no Electron binary.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { preparedAsmTable } from './asm-table-plugin.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { __BOOTLAB_VERSION__: JSON.stringify(version) },
  // The assembler's instruction table as finished data, not generator code run at every start.
  plugins: [preparedAsmTable],
  // Node resolves these at run time from node_modules; bundling `ws` pulls optional natives.
  external: ['electron', 'ws', 'bufferutil', 'utf-8-validate'],
  // ESM bundles of CommonJS code need a require().
  banner: { js: "import { createRequire as __bootlabRequire } from 'node:module'; const require = __bootlabRequire(import.meta.url);" },
};

// Chunk names carry content hashes: clear the old ones so out/ holds one build.
rmSync(`${root}out/cli-chunks`, { recursive: true, force: true });
// The CLI is split per command (see src-main/cli/commands/index.ts): each command loads only its own chunks.
const jobs = [build({ ...common, format: 'esm', splitting: true, chunkNames: 'cli-chunks/[name]-[hash]', entryPoints: { cli: 'src-main/cli/main.ts' }, outdir: 'out' })];
// `bootlab asm` alone, as one CommonJS bundle that bin/bootlab.js compiles from V8's code cache.
await build({ ...common, banner: undefined, format: 'cjs', entryPoints: { 'asm-cli': 'src-main/cli/asmMain.ts' }, outExtension: { '.js': '.cjs' }, outdir: 'out' });
// The resident assembler of `bootlab-asm` (the native client built below). The id pairs a client
// with a server of the same code only: a hash of the assembler bundle and of both sides' sources.
const buildHash = createHash('sha256');
for (const f of ['out/asm-cli.cjs', 'src-main/cli/asmServer.ts', 'src-main/cli/asmServerMain.ts', 'native/bootlab-asm/src/main.rs']) buildHash.update(readFileSync(`${root}${f}`));
const buildId = `${version}-${buildHash.digest('hex').slice(0, 12)}`;
jobs.push(
  build({
    ...common,
    banner: undefined,
    format: 'cjs',
    define: { ...common.define, __BOOTLAB_BUILD_ID__: JSON.stringify(buildId) },
    entryPoints: { 'asm-server': 'src-main/cli/asmServerMain.ts' },
    outExtension: { '.js': '.cjs' },
    outdir: 'out',
  }),
);
if (existsSync(`${root}src-main/electron/main.ts`)) {
  jobs.push(build({ ...common, format: 'esm', entryPoints: { 'electron/main': 'src-main/electron/main.ts' }, outdir: 'out' }));
}
if (existsSync(`${root}src-main/electron/preload.ts`)) {
  jobs.push(
    build({
      ...common,
      banner: undefined,
      format: 'cjs',
      entryPoints: { 'electron/preload': 'src-main/electron/preload.ts' },
      outExtension: { '.js': '.cjs' },
      outdir: 'out',
    }),
  );
}
await Promise.all(jobs);

// The code cache of out/asm-cli.cjs: written by one real run (so it holds the functions an assembly
// compiles, not only the top level), on a source touching the usual paths.
rmSync(`${root}out/asm-cli.v8cache`, { force: true });
const sample = mkdtempSync(path.join(os.tmpdir(), 'bootlab-asm-cache-'));
try {
  writeFileSync(
    path.join(sample, 'sample.asm'),
    ['%define COUNT 3', '%macro twice 1', '  %1', '  %1', '%endmacro', 'bits 16', 'org 0x7c00', 'start:', '  mov ax, 0x07c0', '  mov ds, ax',
      '  mov si, msg', '.next:', '  lodsb', '  test al, al', '  jz .done', '  mov ah, 0x0e', '  int 0x10', '  jmp .next', '.done:', '  twice nop',
      '  mov dword [bx+si+4], 5', 'bits 64', '  mov rax, [rbx+rcx*8+16]', '  lea rsi, [rel start]', '  times COUNT db 0', 'msg: db "hi", 13, 10, 0',
      'times 510-($-$$) db 0', 'dw 0xaa55', ''].join('\n'),
  );
  execFileSync(process.execPath, [`${root}bin/bootlab.js`, 'asm', '-o', 'sample.bin', 'sample.asm'], { cwd: sample, stdio: 'inherit' });
  if (!existsSync(`${root}out/asm-cli.v8cache`)) throw new Error('build: the code cache of out/asm-cli.cjs was not written');
} finally {
  rmSync(sample, { recursive: true, force: true });
}

// `bootlab-asm`, the native client Makefiles run (native/bootlab-asm, Rust without dependencies):
// built with cargo, which Bootlab's users have; without cargo the build goes on without it (and
// `bootlab asm` works as before).
// Replaced by a rename, so a test or Makefile running it meanwhile never finds half a file.
const client = `${root}out/bootlab-asm${process.platform === 'win32' ? '.exe' : ''}`;
try {
  execFileSync('cargo', ['build', '--release', '--offline', '--quiet', '--manifest-path', `${root}native/bootlab-asm/Cargo.toml`], {
    stdio: 'inherit',
    env: { ...process.env, BOOTLAB_BUILD_ID: buildId },
  });
  copyFileSync(`${root}native/bootlab-asm/target/release/bootlab-asm${process.platform === 'win32' ? '.exe' : ''}`, `${client}.${process.pid}`);
  renameSync(`${client}.${process.pid}`, client);
} catch (e) {
  rmSync(client, { force: true });
  console.warn(`build: bootlab-asm not built (${e.message.split('\n')[0]}); \`bootlab asm\` is unaffected`);
}
