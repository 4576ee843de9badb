// The settings file as users really have it: written by a newer Bootlab, saved by an editor with
// a byte-order mark, hand-edited with one bad value, or in a place where a rename fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRequest, ValidationError } from '../shared/validate.js';
import { loadSettings, SettingsError, SettingsStore } from './settings.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-settings-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function settingsFile(text: string): string {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir);
  const path = join(dir, 'settings.json');
  writeFileSync(path, text);
  return path;
}

const USER = { profile: 'release', qemuArgs: ['-m', '512M'], recentProjects: ['/home/u/kernel'], bootTimeoutSeconds: 60 };

describe('settings file from a newer Bootlab', () => {
  it('uses every known setting, keeps the unknown key and writes it back untouched', () => {
    const path = settingsFile(JSON.stringify({ ...USER, gdbPort: 1234, theme: { dark: true } }));
    const store = new SettingsStore(path);
    expect(store.get()).toMatchObject(USER);
    expect(store.problem).toMatch(/"gdbPort", "theme" are not settings of this Bootlab version/);
    store.set({ profile: 'debug' });
    const written = JSON.parse(readFileSync(path, 'utf8'));
    expect(written).toEqual({ ...USER, profile: 'debug', gdbPort: 1234, theme: { dark: true } });
    // Nothing was moved aside: the file was never considered corrupt.
    expect(readdirSync(join(path, '..'))).toEqual(['settings.json']);
  });

  it('keeps a key named __proto__ as plain data', () => {
    const path = settingsFile(`{"profile":"release","__proto__":{"profile":"debug"}}`);
    const store = new SettingsStore(path);
    expect(store.get().profile).toBe('release');
    expect(Object.getPrototypeOf(store.get())).toBe(Object.prototype);
    store.set({ bootTimeoutSeconds: 5 });
    expect(readFileSync(path, 'utf8')).toContain('"__proto__": {');
  });
});

describe('settings file with a byte-order mark', () => {
  it('reads it as the JSON it is', () => {
    const path = settingsFile(`\uFEFF${JSON.stringify(USER)}`);
    const loaded = loadSettings(path);
    expect(loaded.problem).toBeUndefined();
    expect(loaded.settings).toMatchObject(USER);
    expect(readdirSync(join(path, '..'))).toEqual(['settings.json']);
  });
});

describe('settings file with an unusable value', () => {
  it('keeps the valid settings, uses the default for the bad one, says which, and keeps its value in the file', () => {
    const path = settingsFile(JSON.stringify({ ...USER, bootTimeoutSeconds: -5 }));
    const store = new SettingsStore(path);
    expect(store.get()).toMatchObject({ profile: 'release', qemuArgs: ['-m', '512M'], recentProjects: ['/home/u/kernel'] });
    expect(store.get().bootTimeoutSeconds).toBeUndefined();
    expect(store.problem).toContain('"bootTimeoutSeconds" must be a number of seconds above 0');
    expect(store.problem).toContain(path);
    store.set({ profile: 'debug' });
    expect(JSON.parse(readFileSync(path, 'utf8')).bootTimeoutSeconds).toBe(-5);
    // Once the user sets it, the new value replaces the unusable one.
    store.set({ bootTimeoutSeconds: 90 });
    expect(JSON.parse(readFileSync(path, 'utf8')).bootTimeoutSeconds).toBe(90);
    expect(new SettingsStore(path).problem).toBeUndefined();
  });
});

describe('the settings validator', () => {
  it('has no prototype: "constructor", "__proto__", "toString" are unknown settings', () => {
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const patch = JSON.parse(`{${JSON.stringify(key)}: "x"}`);
      expect(() => validateRequest('setSettings', [patch]), key).toThrow(ValidationError);
      expect(() => validateRequest('setSettings', [patch]), key).toThrow(`unknown setting ${JSON.stringify(key)}`);
    }
    const store = new SettingsStore(join(tmp, 'proto', 'settings.json'));
    expect(() => store.set({ constructor: 'x' })).toThrow(/unknown setting "constructor"/);
  });
});

describe('settings that cannot be written', () => {
  it('says the rename failed and that nothing changed', () => {
    const path = settingsFile(JSON.stringify(USER));
    const failingRename = () => {
      const error: NodeJS.ErrnoException = new Error(`EXDEV: cross-device link not permitted, rename '${path}.tmp' -> '${path}'`);
      error.code = 'EXDEV';
      error.syscall = 'rename';
      throw error;
    };
    const store = new SettingsStore(path, () => new Date(), failingRename);
    let thrown: unknown;
    try {
      store.set({ profile: 'debug' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SettingsError);
    expect((thrown as Error).message).toBe(
      `The settings were not changed: the new settings file could not be renamed over ${path}: EXDEV, cross-device link not permitted.`,
    );
    expect(store.get().profile).toBe('release');
    expect(JSON.parse(readFileSync(path, 'utf8')).profile).toBe('release');
  });

  it('does not claim a corrupt file was moved aside when the move failed, and does not write over it', () => {
    const path = settingsFile('{ "profile": "release", oops');
    const stamp = new Date('2026-01-02T03:04:05Z');
    // The name the corrupt copy would get is taken by a folder with a file in it: rename fails.
    const aside = `${path}.corrupt-2026-01-02T03-04-05-000Z`;
    mkdirSync(aside);
    writeFileSync(join(aside, 'x'), '');
    const store = new SettingsStore(path, () => stamp);
    expect(store.problem).toMatch(/could not be moved aside \(E\w+\): it is left as it is/);
    expect(store.problem).not.toContain(`moved to ${aside}`);
    expect(store.get().profile).toBe('debug');
    store.set({ qemuArgs: ['-m', '1G'] });
    expect(store.get().qemuArgs).toEqual(['-m', '1G']);
    expect(readFileSync(path, 'utf8')).toBe('{ "profile": "release", oops');
  });

  it('moves a corrupt file aside and says where', () => {
    const path = settingsFile('[1, 2]');
    const loaded = loadSettings(path, () => new Date('2026-01-02T03:04:05Z'));
    expect(loaded.problem).toBe(
      `The settings file ${path} was unreadable (not a JSON object); it was moved to ${path}.corrupt-2026-01-02T03-04-05-000Z and replaced by default settings.`,
    );
    expect(readFileSync(`${path}.corrupt-2026-01-02T03-04-05-000Z`, 'utf8')).toBe('[1, 2]');
  });
});
