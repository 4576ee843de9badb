// Opens a source location (a diagnostic, a panic location, a backtrace frame) in the user's
// editor. Only files inside the open project that exist are opened, whatever the request says
// (in browser mode the request comes over the network). The editor is a command with
// `{file}`, `{line}` and `{column}` placeholders, run without a shell; by default VS Code
// (`code -g FILE:LINE:COL`) when it is on PATH, else the OS's own opener for the file.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';

export interface SourceLocationRequest {
  file: string;
  line: number;
  column?: number;
}

export class LocationError extends Error {}

/** A real file inside the project; throws a LocationError saying what is wrong otherwise. */
export function resolveProjectFile(projectDir: string, request: SourceLocationRequest): string {
  const { file, line, column } = request;
  if (typeof file !== 'string' || file.length === 0 || file.length > 4096 || file.includes('\0')) throw new LocationError('openLocation: a file path is required');
  if (!Number.isSafeInteger(line) || line < 1) throw new LocationError(`openLocation: line must be a positive whole number (got ${String(line)})`);
  if (column !== undefined && (!Number.isSafeInteger(column) || column < 1)) throw new LocationError(`openLocation: column must be a positive whole number (got ${String(column)})`);
  const root = realpathSync(projectDir);
  const wanted = resolve(root, file);
  if (!existsSync(wanted)) throw new LocationError(`openLocation: ${file} does not exist in the project ${projectDir}`);
  // Symbolic links are followed before the check: a link may not lead out of the project.
  const real = realpathSync(wanted);
  const inside = relative(root, real);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new LocationError(`openLocation: ${file} is outside the project ${projectDir}`);
  if (!statSync(real).isFile()) throw new LocationError(`openLocation: ${file} is not a file`);
  return real;
}

/** `program` on PATH (with Windows' extensions), or undefined. */
export function findOnPath(program: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = join(dir, program + ext.toLowerCase());
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export const VS_CODE_EDITOR = ['code', '-g', '{file}:{line}:{column}'];

/** The command line for a location: the configured editor, else VS Code when found, else the OS's opener. */
export function editorCommandLine(
  file: string,
  request: SourceLocationRequest,
  options: { editor?: string[]; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {},
): { program: string; args: string[] } {
  const platform = options.platform ?? process.platform;
  let template = options.editor && options.editor.length > 0 ? options.editor : undefined;
  if (!template && findOnPath('code', options.env, platform)) template = VS_CODE_EDITOR;
  if (!template) {
    // The OS's default application for the file (no line: openers do not take one).
    template = platform === 'darwin' ? ['open', '{file}'] : platform === 'win32' ? ['explorer.exe', '{file}'] : ['xdg-open', '{file}'];
  }
  const fill = (a: string) =>
    a
      .replace(/\{file\}/g, file)
      .replace(/\{line\}/g, String(request.line))
      .replace(/\{column\}/g, String(request.column ?? 1));
  const [program, ...args] = template.map(fill);
  return { program: program!, args };
}

/**
 * Validates the location and starts the editor on it (detached: the editor outlives nothing of
 * ours and we do not wait for it). Resolves with the command line once the editor has started.
 */
export async function openLocation(
  projectDir: string,
  request: SourceLocationRequest,
  options: { editor?: string[]; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {},
): Promise<{ program: string; args: string[] }> {
  const file = resolveProjectFile(projectDir, request);
  const command = editorCommandLine(file, request, options);
  await new Promise<void>((resolveStarted, reject) => {
    const child = spawn(command.program, command.args, { env: options.env ?? process.env, stdio: 'ignore', detached: true, shell: false });
    child.once('error', (e) => reject(new LocationError(`openLocation: could not start ${command.program}: ${e.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolveStarted();
    });
  });
  return command;
}
