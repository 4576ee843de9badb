// Checks a folder the user typed before it becomes the open project, so each wrong kind of
// path gets its own message: missing, a file, no Cargo.toml, or a workspace root whose members
// are the crates to pick from. cargo stays the judge of everything inside the manifest.
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { getPath, parseToml, type TomlTable } from './toml.js';

export interface CheckedProject {
  dir: string;
  manifestPath: string;
}

export class ProjectPathError extends Error {}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Resolves `input` and checks that it is a folder holding a package's Cargo.toml. */
export function checkProjectDir(input: string): CheckedProject {
  const dir = resolve(input);
  const stats = statOrUndefined(dir);
  if (!stats) throw new ProjectPathError(`${dir} does not exist`);
  if (!stats.isDirectory()) throw new ProjectPathError(`${dir} is a file, not a folder: open the folder that holds the kernel's Cargo.toml`);
  const manifestPath = join(dir, 'Cargo.toml');
  if (!statOrUndefined(manifestPath)?.isFile()) throw new ProjectPathError(`${dir} has no Cargo.toml: open the folder of a kernel crate`);
  let manifest: TomlTable;
  try {
    manifest = parseToml(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new ProjectPathError(`cannot read ${manifestPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (getPath(manifest, 'package') === undefined && getPath(manifest, 'workspace') !== undefined) {
    const members = workspacePackages(dir, manifest);
    const choice = members.length > 0 ? `pick one: ${members.join(', ')}` : 'it lists no member crates';
    throw new ProjectPathError(`${dir} is a workspace without a kernel package (${choice})`);
  }
  return { dir, manifestPath };
}

/** The member folders of a workspace that hold a package, relative to the workspace root. */
export function workspacePackages(root: string, manifest: TomlTable): string[] {
  const patterns = getPath(manifest, 'workspace', 'members');
  const excluded = new Set(
    (Array.isArray(getPath(manifest, 'workspace', 'exclude')) ? (getPath(manifest, 'workspace', 'exclude') as unknown[]) : [])
      .filter((x): x is string => typeof x === 'string')
      .map((p) => resolve(root, p)),
  );
  if (!Array.isArray(patterns)) return [];
  const found = new Set<string>();
  for (const pattern of patterns) {
    if (typeof pattern !== 'string') continue;
    for (const dir of expandMember(root, pattern)) {
      if (!excluded.has(dir) && hasPackage(dir)) found.add(relative(root, dir).split(sep).join('/'));
    }
  }
  return [...found].sort();
}

/** Expands a member entry: a plain path, or one whose segments use `*` (cargo's common case). */
function expandMember(root: string, pattern: string): string[] {
  let dirs = [resolve(root)];
  for (const segment of pattern.split(/[\\/]/).filter((s) => s !== '' && s !== '.')) {
    if (!segment.includes('*') && !segment.includes('?')) {
      dirs = dirs.map((d) => join(d, segment));
      continue;
    }
    const matcher = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    dirs = dirs.flatMap((d) => {
      try {
        return readdirSync(d, { withFileTypes: true })
          .filter((e) => e.isDirectory() && matcher.test(e.name))
          .map((e) => join(d, e.name));
      } catch {
        return [];
      }
    });
  }
  return dirs;
}

function hasPackage(dir: string): boolean {
  try {
    return getPath(parseToml(readFileSync(join(dir, 'Cargo.toml'), 'utf8')), 'package', 'name') !== undefined;
  } catch {
    return false;
  }
}
