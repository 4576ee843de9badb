// The window's security posture as plain data and functions, so it is unit-tested without an
// Electron binary (main.ts wires these into BrowserWindow, webContents and session).
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import type { WindowBounds } from '../shared/api.js';

export const DEFAULT_BOUNDS: WindowBounds = { width: 1400, height: 900 };
export const MIN_SIZE = { width: 900, height: 600 };

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `devTools`: false in the packaged app (no inspector for whoever sits at the window). */
export function webPreferences(preloadPath: string, devTools = true): WebPreferences {
  return {
    preload: preloadPath,
    devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

export function windowOptions(preloadPath: string, bounds: WindowBounds | undefined, dark: boolean, devTools = true): BrowserWindowConstructorOptions {
  const b = bounds ?? DEFAULT_BOUNDS;
  return {
    ...(b.x !== undefined && b.y !== undefined ? { x: b.x, y: b.y } : {}),
    width: Math.max(MIN_SIZE.width, b.width),
    height: Math.max(MIN_SIZE.height, b.height),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Bootlab',
    show: false,
    backgroundColor: dark ? '#17191d' : '#ffffff',
    webPreferences: webPreferences(preloadPath, devTools),
  };
}

/**
 * Whether `url` is the app's own page: same scheme and host (bootlab://app; a custom scheme's
 * URL.origin is "null" in Node, so origins cannot be compared), or the same file:// path.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(url);
    b = new URL(appUrl);
  } catch {
    return false;
  }
  if (a.protocol !== b.protocol) return false;
  if (a.protocol === 'file:') return a.host === b.host && decodeURIComponent(a.pathname) === decodeURIComponent(b.pathname);
  return a.host === b.host && a.host !== '';
}

/** A frame we answer IPC from: the main frame showing the app's own page. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined, appUrl: string): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url, appUrl);
}

/** will-navigate / will-redirect: everything except reloading our own page is refused. */
export function navigationHandler(appUrl: string) {
  return (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  };
}

/**
 * will-frame-navigate (every frame, subframes included): the app has no frames, so only the
 * main frame may navigate, and only to the app's own page (a reload).
 */
export function frameNavigationHandler(appUrl: string) {
  return (event: { url: string; isMainFrame: boolean; preventDefault(): void }): void => {
    if (!event.isMainFrame || !isAppUrl(event.url, appUrl)) event.preventDefault();
  };
}

/**
 * The only pages the app opens in the user's browser: Bootlab's documentation and the download
 * pages of the tools the toolchain doctor names. Anything else (a link in a kernel's output,
 * say) is not opened.
 */
export const EXTERNAL_ALLOW_LIST: { host: string; pathPrefix: string }[] = [
  { host: 'github.com', pathPrefix: '/bootlab/bootlab' },
  { host: 'www.qemu.org', pathPrefix: '/download' },
  { host: 'rustup.rs', pathPrefix: '/' },
  { host: 'www.rust-lang.org', pathPrefix: '/tools/install' },
];

export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.port) return false;
  return EXTERNAL_ALLOW_LIST.some(
    (entry) => parsed.hostname === entry.host && (parsed.pathname === entry.pathPrefix || parsed.pathname.startsWith(entry.pathPrefix.endsWith('/') ? entry.pathPrefix : `${entry.pathPrefix}/`)),
  );
}

/** setWindowOpenHandler: no new windows, ever; allowed links open in the user's browser. */
export function windowOpenHandler(openExternal: (url: string) => void) {
  return ({ url }: { url: string }): { action: 'deny' } => {
    if (isAllowedExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  };
}

/** setPermissionRequestHandler: the app needs no camera, microphone, notifications... */
export function permissionRequestHandler(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

/** setPermissionCheckHandler: refuse every check too. */
export function permissionCheckHandler(): boolean {
  return false;
}

/** Response headers for the app's page (CSP as a header as well as the meta tag). */
export function withSecurityHeaders(headers: Record<string, string | string[]> | undefined): Record<string, string | string[]> {
  return {
    ...(headers ?? {}),
    'Content-Security-Policy': [CSP],
    'X-Content-Type-Options': ['nosniff'],
  };
}

/** What the window reports when it closes, saved through the settings service. */
export function boundsToSave(win: { getNormalBounds(): { x: number; y: number; width: number; height: number }; isMaximized(): boolean }): WindowBounds {
  const { x, y, width, height } = win.getNormalBounds();
  return { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height), maximized: win.isMaximized() };
}
