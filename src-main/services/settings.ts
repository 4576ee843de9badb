// Settings: one JSON file in the per-OS application-data folder `Bootlab` (the same file for
// the app and the CLI), written atomically (temporary file + rename). The file may come from a
// newer Bootlab or a hand edit: keys this version does not know, and values it cannot use, stay
// in the file untouched (written back as they were); only the usable values are used. A file
// that is not JSON at all is moved aside as `settings.json.corrupt-<time>` and replaced by
// defaults. Every such problem becomes one message for the user (a banner in the app, a line
// on stderr in the CLI), and that message says what really happened to the file.
import { readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from './atomicWrite.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, type Settings } from '../shared/api.js';
import { settingsWithDefaults, sortSettingsFile, validateSettingsPatch } from '../shared/validate.js';

/** The per-OS application-data folder for Bootlab. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'Bootlab');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Bootlab');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'Bootlab');
}

export function defaultSettingsPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return env.BOOTLAB_SETTINGS || join(appDataDir(env, platform), 'settings.json');
}

/** The user's documents folder (XDG user-dirs on Linux). */
export function documentsDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'linux') {
    try {
      const dirs = readFileSync(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'user-dirs.dirs'), 'utf8');
      const m = /^XDG_DOCUMENTS_DIR="(.*)"$/m.exec(dirs);
      if (m) return m[1]!.replace(/^\$HOME/, home);
    } catch {
      // the default below
    }
  }
  if (platform === 'win32') return join(env.USERPROFILE || home, 'Documents');
  return join(home, 'Documents');
}

export interface LoadedSettings {
  settings: Settings;
  /**
   * What the file holds that this version does not use (unknown keys, unusable values of known
   * keys), written back untouched with the settings. No prototype: any key is plain data.
   */
  kept: Record<string, unknown>;
  /** Set when the file cannot be written without losing what is in it (unreadable, not moved aside). */
  readOnly?: string;
  /** One line for the user: what was wrong with the file and what Bootlab did about it. */
  problem?: string;
}

export class SettingsError extends Error {}

export class SettingsStore {
  private current: Settings;
  private kept: Record<string, unknown>;
  private readonly readOnly?: string;
  readonly problem?: string;

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
    /** Replaces the atomic file write in unit tests (a failing rename). */
    private readonly write: (path: string, data: string) => void = writeFileAtomic,
  ) {
    const loaded = loadSettings(path, now);
    this.current = loaded.settings;
    this.kept = loaded.kept;
    this.readOnly = loaded.readOnly;
    this.problem = loaded.problem;
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  /**
   * Validates and applies a patch, then writes the file atomically. A failed write changes
   * nothing and throws a SettingsError that says so.
   */
  set(patch: unknown): Settings {
    const clean = validateSettingsPatch(patch);
    const next = settingsWithDefaults({ ...this.current, ...clean });
    for (const [k, v] of Object.entries(clean)) {
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
    }
    // A key the user sets now replaces the unusable value the file had for it.
    const kept: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(this.kept)) if (!Object.hasOwn(clean, k)) kept[k] = v;
    if (this.readOnly === undefined) {
      try {
        writeSettings(this.path, next, kept, this.write);
      } catch (error) {
        throw new SettingsError(`The settings were not changed: ${writeFailure(this.path, error)}.`);
      }
    }
    // Memory only when the file must not be written over (the start-up message said so).
    this.current = next;
    this.kept = kept;
    return this.get();
  }
}

/** Writes the settings, then the kept keys: a known key's kept value is the one written. */
export function writeSettings(
  path: string,
  settings: Settings,
  kept: Record<string, unknown> = {},
  write: (path: string, data: string) => void = writeFileAtomic,
): void {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(settings)) out[k] = v;
  for (const [k, v] of Object.entries(kept)) out[k] = v;
  write(path, `${JSON.stringify(out, null, 2)}\n`);
}

/** What went wrong in writeFileAtomic, in the user's words: which step failed and why. */
function writeFailure(path: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  // Node's "EACCES: permission denied, rename 'a' -> 'b'" without the temporary file's name.
  const m = /^(\w+): ([^,]+)/.exec(e.message);
  const why = m ? `${m[1]}, ${m[2]}` : e.message;
  if (e.syscall === 'rename') return `the new settings file could not be renamed over ${path}: ${why}`;
  if (e.syscall === 'mkdir') return `the folder for ${path} could not be made: ${why}`;
  return `a new settings file could not be written beside ${path}: ${why}`;
}

function defaults(): Settings {
  return { ...DEFAULT_SETTINGS, qemuArgs: [], recentProjects: [] };
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

export function loadSettings(path: string, now: () => Date = () => new Date()): LoadedSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaults(), kept: Object.create(null) };
    const why = reason(error);
    return {
      settings: defaults(),
      kept: Object.create(null),
      readOnly: why,
      problem: `The settings file ${path} could not be read (${why}): Bootlab uses default settings and will not write over the file; changes last until Bootlab quits.`,
    };
  }
  // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse rejects it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  let unreadable: string | undefined;
  try {
    raw = JSON.parse(text) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) unreadable = 'not a JSON object';
  } catch (error) {
    unreadable = `not valid JSON: ${(error as Error).message}`;
  }
  if (unreadable === undefined) return usableParts(path, raw as Record<string, unknown>);
  return setAside(path, unreadable, now);
}

function usableParts(path: string, raw: Record<string, unknown>): LoadedSettings {
  const { valid, unknown, invalid } = sortSettingsFile(raw);
  const kept: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(unknown)) kept[k] = v;
  for (const { key, value } of invalid) kept[key] = value;
  const notes: string[] = [];
  if (invalid.length > 0) {
    notes.push(`${invalid.map((i) => i.reason).join('; ')}: the default${invalid.length === 1 ? ' is' : 's are'} used instead`);
  }
  const names = Object.keys(unknown);
  if (names.length > 0) {
    notes.push(`${names.map((n) => JSON.stringify(n)).join(', ')} ${names.length === 1 ? 'is not a setting' : 'are not settings'} of this Bootlab version (a newer one's?) and ${names.length === 1 ? 'is' : 'are'} not used`);
  }
  const problem =
    notes.length > 0 ? `The settings file ${path}: ${notes.join('; ')}. The file keeps these values as they are; every other setting is used.` : undefined;
  return { settings: settingsWithDefaults(valid), kept, problem };
}

/** A file that is not a JSON object: moved aside (never overwritten while it is still in place). */
function setAside(path: string, unreadable: string, now: () => Date): LoadedSettings {
  const stamp = now().toISOString().replace(/[:.]/g, '-');
  const aside = `${path}.corrupt-${stamp}`;
  const settings = defaults();
  try {
    renameSync(path, aside);
  } catch (error) {
    const why = reason(error);
    return {
      settings,
      kept: Object.create(null),
      readOnly: why,
      problem: `The settings file ${path} is unreadable (${unreadable}) and could not be moved aside (${why}): it is left as it is, Bootlab uses default settings and will not write over the file; changes last until Bootlab quits.`,
    };
  }
  try {
    writeSettings(path, settings);
  } catch (error) {
    return {
      settings,
      kept: Object.create(null),
      problem: `The settings file ${path} was unreadable (${unreadable}); it was moved to ${aside} and Bootlab uses default settings, but a new settings file could not be written yet (${writeFailure(path, error)}).`,
    };
  }
  return {
    settings,
    kept: Object.create(null),
    problem: `The settings file ${path} was unreadable (${unreadable}); it was moved to ${aside} and replaced by default settings.`,
  };
}
