// Serving the built renderer from a folder, shared by browser mode's HTTP server and the
// Electron app's bootlab:// scheme: which file a URL path names (never one outside the folder)
// and the MIME type to send it with.
import { extname, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Type for a file; unknown kinds are plain bytes (with nosniff, never run). */
export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` that a URL's (still percent-encoded) path names, `/` meaning
 * index.html; undefined when the path is malformed or would leave `root` (`..`, encoded
 * slashes and backslashes, NUL bytes).
 */
export function staticFilePath(root: string, urlPathname: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(urlPathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const base = resolve(root);
  const relative = pathname === '/' || pathname === '' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
  const file = resolve(base, relative);
  if (file === base || !file.startsWith(base + sep)) return undefined;
  return file;
}
