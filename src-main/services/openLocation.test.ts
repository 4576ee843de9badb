// Opening a source location in the user's editor: a stand-in editor script records the
// arguments it was started with; requests outside the project, for missing files or with bad
// line numbers are refused with a message saying what is wrong.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editorCommandLine, LocationError, openLocation, resolveProjectFile } from './openLocation.js';

let dir: string;
let project: string;
let record: string;
let editor: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab open location ü '));
  project = join(dir, 'kernel');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'src', 'main.rs'), 'fn main() {}\n');
  writeFileSync(join(dir, 'secret.txt'), 'not the project\n');
  symlinkSync(join(dir, 'secret.txt'), join(project, 'src', 'link.rs'));
  record = join(dir, 'args.txt');
  // A stand-in editor: writes its arguments, one a line, then exits.
  editor = join(dir, 'fake editor.sh');
  writeFileSync(editor, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${JSON.stringify(record)}\n`);
  chmodSync(editor, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function recorded(): Promise<string[]> {
  for (let i = 0; i < 600 && !existsSync(record); i++) await new Promise((r) => setTimeout(r, 50));
  return readFileSync(record, 'utf8').trimEnd().split('\n');
}

describe('openLocation', () => {
  it('starts the configured editor with the file, line and column', async () => {
    rmSync(record, { force: true });
    const command = await openLocation(project, { file: 'src/main.rs', line: 4, column: 7 }, { editor: [editor, '--goto', '{file}:{line}:{column}'] });
    expect(command.program).toBe(editor);
    expect(await recorded()).toEqual(['--goto', `${join(project, 'src', 'main.rs')}:4:7`]);
  });

  it('uses `code -g FILE:LINE:COL` when VS Code is on PATH, else the OS opener', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'code'), '#!/bin/sh\n');
    chmodSync(join(bin, 'code'), 0o755);
    const file = join(project, 'src', 'main.rs');
    expect(editorCommandLine(file, { file, line: 3 }, { env: { PATH: bin }, platform: 'linux' })).toEqual({ program: 'code', args: ['-g', `${file}:3:1`] });
    expect(editorCommandLine(file, { file, line: 3 }, { env: { PATH: '' }, platform: 'linux' })).toEqual({ program: 'xdg-open', args: [file] });
    expect(editorCommandLine(file, { file, line: 3 }, { env: { PATH: '' }, platform: 'darwin' })).toEqual({ program: 'open', args: [file] });
  });

  it('refuses files outside the project (also through a symbolic link), missing files and bad lines', () => {
    const refuse = (request: { file: string; line: number; column?: number }, message: RegExp) =>
      expect(() => resolveProjectFile(project, request)).toThrow(message);
    refuse({ file: '../secret.txt', line: 1 }, /secret\.txt is outside the project/);
    refuse({ file: join(dir, 'secret.txt'), line: 1 }, /is outside the project/);
    refuse({ file: 'src/link.rs', line: 1 }, /link\.rs is outside the project/);
    refuse({ file: 'src/missing.rs', line: 1 }, /src\/missing\.rs does not exist in the project/);
    refuse({ file: 'src', line: 1 }, /src is not a file/);
    refuse({ file: 'src/main.rs', line: 0 }, /line must be a positive whole number/);
    refuse({ file: 'src/main.rs', line: 1.5 }, /line must be a positive whole number/);
    refuse({ file: 'src/main.rs', line: 2, column: -1 }, /column must be a positive whole number/);
    expect(() => resolveProjectFile(project, { file: 'src/main.rs', line: 0 })).toThrow(LocationError);
  });

  it('says so when the editor cannot be started', async () => {
    await expect(openLocation(project, { file: 'src/main.rs', line: 1 }, { editor: [join(dir, 'no-such-editor')] })).rejects.toThrow(/could not start .*no-such-editor/);
  });
});
