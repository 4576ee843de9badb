// What the user's own cargo configuration already says about package sources. Cargo reads
// `.cargo/config.toml` (or `.cargo/config`) in the folder it runs in and every parent folder,
// then `$CARGO_HOME/config.toml`; a nearer file wins for a single value, and every `[source.NAME]`
// of every file is defined. Cargo refuses two sources with the same directory ("source `A`
// defines source dir D, but that source is already defined by `B`"), so Bootlab must not add
// its own source for the Rust library's vendor folder when the user's config already has one.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { getPath, parseToml, type TomlTable } from './toml.js';

/** A cargo config file and the folder its relative paths are taken from. */
export interface CargoConfigFile {
  path: string;
  /** The parent of the folder holding the file (cargo's base for relative `directory` paths). */
  base: string;
  table: TomlTable;
}

/**
 * The cargo config files that apply to a cargo run in `cwd`, nearest first, as cargo finds
 * them. A file that cannot be read or parsed is left out (cargo itself will say what is wrong).
 */
export function cargoConfigFiles(cwd: string, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): CargoConfigFile[] {
  const cargoHome = resolve(env.CARGO_HOME || join(home, '.cargo'));
  const folders: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    folders.push(join(dir, '.cargo'));
    if (dirname(dir) === dir) break;
  }
  if (!folders.includes(cargoHome)) folders.push(cargoHome);
  const files: CargoConfigFile[] = [];
  for (const folder of folders) {
    // Cargo prefers the old name when both exist (and warns).
    const path = [join(folder, 'config'), join(folder, 'config.toml')].find((p) => existsSync(p));
    if (!path) continue;
    try {
      files.push({ path, base: dirname(folder), table: parseToml(readFileSync(path, 'utf8')) });
    } catch {
      // unreadable or not TOML: cargo reports it when it runs
    }
  }
  return files;
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

export interface ExistingDirectorySource {
  /** The source's name in the user's config. */
  name: string;
  /** The config file that defines it. */
  definedIn: string;
  /** The user's config already replaces crates-io with it. */
  replacesCratesIo: boolean;
}

/**
 * The source the user's cargo config defines for `directory` (e.g. the Rust library's vendor
 * folder), and whether crates-io is already replaced with it. Undefined when there is none.
 */
export function findDirectorySource(files: CargoConfigFile[], directory: string): ExistingDirectorySource | undefined {
  let replaceWith: string | undefined;
  for (const file of files) {
    const r = getPath(file.table, 'source', 'crates-io', 'replace-with');
    if (typeof r === 'string') {
      replaceWith = r;
      break; // the nearest file wins
    }
  }
  let found: ExistingDirectorySource | undefined;
  for (const file of files) {
    const sources = getPath(file.table, 'source');
    if (!sources || typeof sources !== 'object' || Array.isArray(sources)) continue;
    for (const [name, def] of Object.entries(sources as TomlTable)) {
      if (!def || typeof def !== 'object' || Array.isArray(def)) continue;
      const dir = (def as TomlTable).directory;
      if (typeof dir !== 'string') continue;
      const absolute = isAbsolute(dir) ? dir : join(file.base, dir);
      if (!samePath(absolute, directory)) continue;
      const candidate = { name, definedIn: file.path, replacesCratesIo: name === replaceWith };
      // Prefer the one crates-io already points at; otherwise the nearest.
      if (!found || (candidate.replacesCratesIo && !found.replacesCratesIo)) found = candidate;
    }
  }
  return found;
}

/** The name Bootlab gives its own source for the library's vendor folder. */
export const BOOTLAB_VENDORED_STD = 'bootlab-vendored-std';

/**
 * The `--config` arguments that make cargo take the standard library's dependencies from
 * `vendorDir`: none when the user's config already does, a `replace-with` naming the user's
 * own source when it defines one for that folder, else Bootlab's own source.
 */
export function vendoredStdConfigArgs(cwd: string, vendorDir: string, env: NodeJS.ProcessEnv = process.env, home?: string): string[] {
  const existing = findDirectorySource(cargoConfigFiles(cwd, env, home), vendorDir);
  if (existing?.replacesCratesIo) return [];
  if (existing) return ['--config', `source.crates-io.replace-with=${JSON.stringify(existing.name)}`];
  return [
    '--config',
    `source.crates-io.replace-with=${JSON.stringify(BOOTLAB_VENDORED_STD)}`,
    '--config',
    `source.${BOOTLAB_VENDORED_STD}.directory=${JSON.stringify(vendorDir)}`,
  ];
}
