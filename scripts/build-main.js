// Bundles the Node side: the CLI (ESM), the Electron main process (ESM) and the preload
// (CommonJS, because sandboxed preloads cannot be ES modules). Needs no Electron binary.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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
