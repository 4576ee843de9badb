// The instruction table prepared at build time (scripts/asm-table-plugin.js) is the source's table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as table from '../src-main/asm/table.js';
// @ts-expect-error: a JavaScript build helper without type declarations
import { preparedTableModule } from './asm-table-plugin.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'asm-table-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('instruction table prepared at build time', () => {
  it('holds exactly the rows and exports the source builds, as data only', async () => {
    const text: string | undefined = await preparedTableModule(path.resolve('src-main/asm/table.ts'));
    expect(text).toBeDefined();
    // Only data (or a function handing out data): no generator code runs at start-up any more.
    for (const line of text!.trim().split('\n').slice(1)) expect(line).toMatch(/^export const \w+ = (\(\) => )?JSON\.parse\("(?:[^"\\]|\\.)*"\);$/);
    const file = path.join(dir, 'prepared.mjs');
    writeFileSync(file, text!);
    const prepared = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const source = table as Record<string, unknown>;
    expect(Object.keys(prepared).sort()).toEqual(Object.keys(source).sort());
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'function') expect((prepared[name] as () => unknown)(), name).toStrictEqual(value());
      else expect(prepared[name], name).toStrictEqual(value);
    }
    expect((prepared.RAW_ROWS as unknown[]).length).toBeGreaterThan(2000);
  });
});
