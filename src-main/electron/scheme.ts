// The app's own origin, bootlab://app/: the renderer is served by a privileged custom scheme
// rather than file://. The Vite build loads its bundle as `<script type="module" crossorigin>`,
// which Chromium refuses from file:// (origin null) once the grantFileProtocolExtraPrivileges
// fuse is off; a standard, secure scheme gives the page a real origin, so 'self' in the CSP,
// module scripts and the IPC sender check all mean "this app". The handler serves only files
// under the renderer folder, with their MIME type and the CSP as a response header.
// No `electron` value import: main.ts registers the scheme and passes this handler to
// protocol.handle, so it is unit-tested in plain Node (Request and Response are Node's own).
import type { CustomScheme } from 'electron';
import { readFile, stat } from 'node:fs/promises';
import { mimeType, staticFilePath } from '../services/staticFiles.js';
import { CSP } from './window.js';

export const APP_SCHEME = 'bootlab';
export const APP_HOST = 'app';
/** The page the window loads. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Registered before the app is ready: a standard (real origin), secure (like https) scheme. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

/** Headers of every answer from the scheme: the CSP travels as a header, not only as a meta tag. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
  };
}

export interface FileAccess {
  isFile(path: string): Promise<boolean>;
  read(path: string): Promise<Uint8Array>;
}

const nodeFiles: FileAccess = {
  isFile: async (path) => (await stat(path)).isFile(),
  read: (path) => readFile(path),
};

function refusal(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: appResponseHeaders('text/plain; charset=utf-8') });
}

/** protocol.handle's handler for bootlab://: files of `rendererDir`, and nothing else. */
export function createAppProtocolHandler(rendererDir: string, files: FileAccess = nodeFiles): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'Method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refusal(400, 'Bad request');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refusal(404, 'Not found');
    const file = staticFilePath(rendererDir, url.pathname);
    if (file === undefined) return refusal(404, 'Not found');
    try {
      if (!(await files.isFile(file))) return refusal(404, 'Not found');
      const body = await files.read(file);
      return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers: appResponseHeaders(mimeType(file)) });
    } catch {
      return refusal(404, 'Not found');
    }
  };
}
