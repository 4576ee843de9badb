// The per-user cache folder (assembled bootloaders, probe answers): only costs speed when lost.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BOOTLAB_CACHE_DIR) return env.BOOTLAB_CACHE_DIR;
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Bootlab', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'Bootlab');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bootlab');
}
