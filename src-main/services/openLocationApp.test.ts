// openLocation through the app service and the API's request validation: the configured editor
// (a stand-in script that records its arguments) gets the project's file at line:column.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_VALIDATORS } from '../shared/validate.js';
import { createBootlabService, type BootlabService } from './app.js';
import { REPO_ROOT, TEST_TARGET_DIR } from './testkit.js';

let home: string;
let service: BootlabService;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bootlab-open-location-app-'));
  service = createBootlabService({
    resourcesDir: join(REPO_ROOT, 'resources'),
    settingsPath: join(home, 'settings.json'),
    sampleDir: join(home, 'Documents', 'Bootlab', 'sample-kernel'),
    targetDir: TEST_TARGET_DIR,
  });
});
afterAll(async () => {
  await service.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('openLocation through the app service', () => {
  it('starts the configured editor on the open project\'s file', async () => {
    const record = join(home, 'args.txt');
    const editor = join(home, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${JSON.stringify(record)}\n`);
    chmodSync(editor, 0o755);
    await service.setSettings({ editorCommand: [editor, '-g', '{file}:{line}:{column}'] });
    const project = await service.openSampleProject();
    await service.openLocation({ file: 'src/main.rs', line: 12, column: 5 });
    for (let i = 0; i < 600 && !existsSync(record); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(record, 'utf8')).toBe(`-g\n${join(project.dir, 'src', 'main.rs')}:12:5\n`);
    await expect(service.openLocation({ file: '../../../settings.json', line: 1 })).rejects.toThrow(/outside the project/);
  });

  it('validates the request and the editor setting', async () => {
    expect(REQUEST_VALIDATORS.openLocation([{ file: 'src/main.rs', line: 3, column: 2 }])).toEqual([{ file: 'src/main.rs', line: 3, column: 2 }]);
    expect(() => REQUEST_VALIDATORS.openLocation([{ file: 'src/main.rs', line: 0 }])).toThrow(/line must be a positive integer/);
    expect(() => REQUEST_VALIDATORS.openLocation(['src/main.rs:3'])).toThrow(/must be an object/);
    await expect(service.setSettings({ editorCommand: [] })).rejects.toThrow(/editorCommand/);
  });
});
