// Settings: one JSON file in the per-OS application-data folder `Bootlab` (the same file for
// the app and the CLI), written atomically (temporary file + rename). A corrupt file is
// reported, kept beside the new one as `settings.json.corrupt-<time>`, and replaced by defaults.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from './atomicWrite.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, type Settings } from '../shared/api.js';
import { settingsWithDefaults, validateSettingsPatch } from '../shared/validate.js';

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
  /** Set when the file was corrupt: what was wrong and where the bad copy went. */
  problem?: string;
}

export class SettingsStore {
  private current: Settings;
  readonly problem?: string;

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const loaded = loadSettings(path, now);
    this.current = loaded.settings;
    this.problem = loaded.problem;
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  /** Validates and applies a patch, then writes the file atomically. */
  set(patch: unknown): Settings {
    const clean = validateSettingsPatch(patch);
    const next = settingsWithDefaults({ ...this.current, ...clean });
    for (const [k, v] of Object.entries(clean)) {
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
    }
    writeSettings(this.path, next);
    this.current = next;
    return this.get();
  }
}

export function writeSettings(path: string, settings: Settings): void {
  writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
}

export function loadSettings(path: string, now: () => Date = () => new Date()): LoadedSettings {
  if (!existsSync(path)) return { settings: { ...DEFAULT_SETTINGS, qemuArgs: [], recentProjects: [] } };
  let problem: string | undefined;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return { settings: settingsWithDefaults(validateSettingsPatch(raw)) };
  } catch (error) {
    problem = error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message;
  }
  const stamp = now().toISOString().replace(/[:.]/g, '-');
  const kept = `${path}.corrupt-${stamp}`;
  try {
    renameSync(path, kept);
  } catch {
    // keep going with defaults even if the bad file cannot be moved
  }
  const settings: Settings = { ...DEFAULT_SETTINGS, qemuArgs: [], recentProjects: [] };
  try {
    writeSettings(path, settings);
  } catch {
    // a read-only folder: defaults in memory only
  }
  return { settings, problem: `The settings file ${path} was unreadable (${problem}); it was kept as ${kept} and replaced by defaults.` };
}
