// Proves the layer rules bite: lint deliberately wrong imports placed in each layer.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('rejects Node built-ins and services in the renderer', async () => {
    expect(await restrictedImports('src-renderer/src/lib/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toHaveLength(1);
    expect(await restrictedImports('src-renderer/src/lib/bad.ts', "import { x } from '../../../src-main/services/app.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await restrictedImports('src-renderer/src/lib/bad.ts', "import { ipcRenderer } from 'electron';\nexport const y = ipcRenderer;\n")).toHaveLength(1);
  });

  it('rejects Node built-ins in asm, elf and image, and electron outside src-main/electron', async () => {
    expect(await restrictedImports('src-main/asm/bad.ts', "import fs from 'fs';\nexport const x = fs;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/elf/bad.ts', "import { join } from 'node:path';\nexport const x = join;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/image/bad.ts', "import { x } from '../services/qemu.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/services/bad.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(1);
  });

  it('allows the imports the design permits', async () => {
    expect(await restrictedImports('src-main/image/ok.ts', "import { x } from '../elf/index.js';\nexport const y = x;\n")).toEqual([]);
    expect(await restrictedImports('src-main/services/ok.ts', "import { spawn } from 'node:child_process';\nexport const y = spawn;\n")).toEqual([]);
    expect(await restrictedImports('src-main/electron/ok.ts', "import { app } from 'electron';\nexport const y = app;\n")).toEqual([]);
    expect(await restrictedImports('src-renderer/src/lib/ok.ts', "import type { BootlabApi } from '../../../src-main/shared/api.js';\nexport type Y = BootlabApi;\n")).toEqual([]);
  });
});
