// Compiler diagnostics as the Diagnostics region lists them.
import type { Diagnostic } from '../../../src-main/shared/api.js';

/** `src/main.rs:12:5`, or undefined when the compiler named no place. */
export function location(d: Diagnostic): string | undefined {
  if (!d.file) return undefined;
  if (d.line === undefined) return d.file;
  return d.column === undefined ? `${d.file}:${d.line}` : `${d.file}:${d.line}:${d.column}`;
}

export function countByLevel(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if (d.level === 'error') errors++;
    else if (d.level === 'warning') warnings++;
  }
  return { errors, warnings };
}

/** A path as shown: relative to the project folder when inside it (the full path is copied). */
export function shortPath(place: string, projectDir: string | undefined): string {
  if (!projectDir) return place;
  const dir = projectDir.replace(/[\\/]+$/, '');
  for (const sep of ['/', '\\']) {
    if (place.startsWith(dir + sep)) return place.slice(dir.length + 1);
  }
  return place;
}
