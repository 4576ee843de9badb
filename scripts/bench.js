#!/usr/bin/env node
// `npm run bench`: builds each scripts/bench-*.ts with esbuild and runs it, one after the
// other so they do not compete for the CPU, then prints all results as markdown. Pass
// `--write` to replace the results section of BENCHMARKS.md.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const benches = readdirSync(`${root}scripts`)
  .filter((f) => /^bench-.*\.ts$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const sections = [];
for (const file of benches) {
  const outfile = `${root}out/${file.replace(/\.ts$/, '.mjs')}`;
  await build({
    absWorkingDir: root,
    entryPoints: [`scripts/${file}`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  process.stderr.write(`running ${file}\n`);
  const output = execFileSync(process.execPath, [outfile], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(output);
  sections.push(output.trim());
}

if (process.argv.includes('--write')) {
  const path = `${root}BENCHMARKS.md`;
  const head = readFileSync(path, 'utf8').split('\n## Results')[0].trimEnd();
  const when = new Date().toISOString().slice(0, 10);
  writeFileSync(path, `${head}\n\n## Results (${when}, \`npm run bench -- --write\`)\n\n${sections.join('\n\n')}\n`);
}
