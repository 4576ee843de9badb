// esbuild plugin: the assembler's instruction table (src-main/asm/table.ts) prepared at build time.
// The source builds its ~4,700 rows with generator functions (alu(), sse(), avx512()...), which
// took 13-30 ms of every `bootlab asm` start-up; the bundles get the finished rows instead, as
// JSON text that V8 parses in a few milliseconds. A data export becomes its value; an export that
// is a function without parameters returning data (rows generated on first use) becomes a function
// returning that data. Anything else, or a value JSON would change, leaves the table as written
// (with a warning): the prepared table is always the same data as the source's.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { pathToFileURL } from 'node:url';

const TABLE = /[\\/]src-main[\\/]asm[\\/]table\.ts$/;

/** The table module's exports, evaluated now, as the text of a module holding only data; undefined if it cannot be. */
export async function preparedTableModule(tablePath) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootlab-table-'));
  try {
    const outfile = path.join(dir, 'table.mjs');
    await build({ entryPoints: [tablePath], outfile, bundle: true, platform: 'neutral', format: 'esm', logLevel: 'warning' });
    const mod = await import(pathToFileURL(outfile).href);
    const lines = ['// Generated at build time from src-main/asm/table.ts (scripts/asm-table-plugin.js).'];
    for (const [name, value] of Object.entries(mod)) {
      const generator = typeof value === 'function' && value.length === 0;
      const data = generator ? value() : value;
      const json = JSON.stringify(data);
      if (json === undefined || !isDeepStrictEqual(JSON.parse(json), data)) {
        console.warn(`asm table: export ${name} is not plain JSON data; the table is bundled as written (generated at start-up)`);
        return undefined;
      }
      lines.push(`export const ${name} = ${generator ? '() => ' : ''}JSON.parse(${JSON.stringify(json)});`);
    }
    return lines.join('\n') + '\n';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const preparedAsmTable = {
  name: 'prepared-asm-table',
  setup(b) {
    b.onLoad({ filter: TABLE }, async (args) => {
      const contents = await preparedTableModule(args.path);
      return contents === undefined ? undefined : { contents, loader: 'js' };
    });
  },
};
