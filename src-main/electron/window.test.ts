// The Electron window's security settings and handlers, as plain data and functions (no binary).
import { describe, expect, it, vi } from 'vitest';
import {
  CSP,
  boundsToSave,
  frameNavigationHandler,
  isAllowedExternalUrl,
  isAppUrl,
  isTrustedSender,
  navigationHandler,
  permissionCheckHandler,
  permissionRequestHandler,
  webPreferences,
  windowOpenHandler,
  windowOptions,
  withSecurityHeaders,
} from './window.js';
import { menuTemplate, type MenuActions } from './menu.js';

const APP = 'file:///opt/Bootlab/resources/app.asar/out/renderer/index.html';

describe('webPreferences', () => {
  it('isolates, sandboxes and gives the page no Node', () => {
    const prefs = webPreferences('/x/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs.devTools).toBe(true);
    expect(webPreferences('/x/preload.cjs', false).devTools).toBe(false);
    expect(windowOptions('/p', undefined, false, false).webPreferences?.devTools).toBe(false);
  });

  it('restores the remembered size and place, within the minimum', () => {
    expect(windowOptions('/p', { x: 10, y: 20, width: 1200, height: 800 }, false)).toMatchObject({ x: 10, y: 20, width: 1200, height: 800, show: false });
    expect(windowOptions('/p', { width: 200, height: 100 }, true)).toMatchObject({ width: 900, height: 600, backgroundColor: '#17191d' });
    expect(windowOptions('/p', undefined, false)).not.toHaveProperty('x');
    const win = { getNormalBounds: () => ({ x: 1.4, y: 2, width: 1000.6, height: 700 }), isMaximized: () => true };
    expect(boundsToSave(win)).toEqual({ x: 1, y: 2, width: 1001, height: 700, maximized: true });
  });

  it('has a CSP that allows only its own scripts', () => {
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("default-src 'self'");
    expect(CSP).not.toMatch(/script-src[^;]*unsafe/);
    expect(withSecurityHeaders({ A: ['b'] })).toEqual({ A: ['b'], 'Content-Security-Policy': [CSP], 'X-Content-Type-Options': ['nosniff'] });
  });
});

describe('navigation, new windows, permissions', () => {
  it('recognises only the app page', () => {
    expect(isAppUrl(APP, APP)).toBe(true);
    expect(isAppUrl(`${APP}#x`, APP)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', APP)).toBe(false);
    expect(isAppUrl('https://evil.example/', APP)).toBe(false);
    expect(isAppUrl('not a url', APP)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/x', 'http://127.0.0.1:5173/')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5174/', 'http://127.0.0.1:5173/')).toBe(false);
  });

  it('recognises the bootlab://app origin by scheme and host (its URL.origin is "null")', () => {
    const app = 'bootlab://app/index.html';
    expect(new URL(app).origin).toBe(new URL('bootlab://evil/').origin);
    expect(isAppUrl(app, app)).toBe(true);
    expect(isAppUrl('bootlab://app/', app)).toBe(true);
    expect(isAppUrl('bootlab://app/index.html?x#y', app)).toBe(true);
    expect(isAppUrl('bootlab://evil/index.html', app)).toBe(false);
    expect(isAppUrl('bootlab:index.html', app)).toBe(false);
    expect(isAppUrl('bootlabx://app/index.html', app)).toBe(false);
    expect(isAppUrl('https://app/index.html', app)).toBe(false);
    expect(isAppUrl('file:///app/index.html', app)).toBe(false);
    expect(isTrustedSender({ url: app, parent: null }, app)).toBe(true);
    expect(isTrustedSender({ url: 'bootlab://evil/index.html', parent: null }, app)).toBe(false);
  });

  it('lets no subframe navigate, and the main frame only within the app (will-frame-navigate)', () => {
    const app = 'bootlab://app/index.html';
    const handler = frameNavigationHandler(app);
    const cases: [string, boolean, boolean][] = [
      [app, true, false],
      [app, false, true],
      ['https://evil.example/', true, true],
      ['bootlab://evil/', true, true],
      ['file:///etc/passwd', false, true],
    ];
    for (const [url, isMainFrame, refused] of cases) {
      const event = { url, isMainFrame, preventDefault: vi.fn() };
      handler(event);
      expect(event.preventDefault.mock.calls.length > 0, `${url} main=${isMainFrame}`).toBe(refused);
    }
  });

  it('refuses navigation away from the app', () => {
    const handler = navigationHandler(APP);
    const away = { preventDefault: vi.fn() };
    handler(away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const reload = { preventDefault: vi.fn() };
    handler(reload, APP);
    expect(reload.preventDefault).not.toHaveBeenCalled();
  });

  it('denies every new window, handing https links to the OS', () => {
    const open = vi.fn();
    const handler = windowOpenHandler(open);
    expect(handler({ url: 'https://www.qemu.org/download/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(open.mock.calls).toEqual([['https://www.qemu.org/download/']]);
  });

  it('opens in the browser only the docs and the download pages the doctor names', () => {
    for (const url of [
      'https://github.com/bootlab/bootlab#readme',
      'https://github.com/bootlab/bootlab/blob/main/README.md',
      'https://www.qemu.org/download/#linux',
      'https://rustup.rs/',
      'https://www.rust-lang.org/tools/install',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(true);
    }
    for (const url of [
      'http://www.qemu.org/download/',
      'https://github.com/bootlab/bootlab-evil',
      'https://github.com/someone/else',
      'https://www.qemu.org.evil.example/download/',
      'https://user:pw@rustup.rs/',
      'https://rustup.rs:8443/',
      'https://www.rust-lang.org/tools/installer-evil',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('denies permission requests and checks', () => {
    const callback = vi.fn();
    permissionRequestHandler({}, 'media', callback);
    permissionRequestHandler({}, 'notifications', callback);
    expect(callback.mock.calls).toEqual([[false], [false]]);
    expect(permissionCheckHandler()).toBe(false);
  });

  it('trusts IPC only from the main frame showing the app page', () => {
    expect(isTrustedSender({ url: APP, parent: null }, APP)).toBe(true);
    expect(isTrustedSender({ url: APP, parent: {} }, APP)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, APP)).toBe(false);
    expect(isTrustedSender(null, APP)).toBe(false);
  });
});

describe('menuTemplate', () => {
  const actions: MenuActions = {
    openProject: vi.fn(),
    openRecent: vi.fn(),
    openSample: vi.fn(),
    run: vi.fn(),
    openDocs: vi.fn(),
    installCli: vi.fn(),
    about: vi.fn(),
  };
  type Item = { label?: string; role?: string; submenu?: Item[]; click?: () => void; enabled?: boolean };
  const labels = (items: Item[]) => items.map((i) => i.label ?? i.role);

  it('has File, Run, View and Help with the named items', () => {
    const menu = menuTemplate(actions, ['/k1', '/k2'], 'linux') as Item[];
    expect(labels(menu)).toEqual(['File', 'Run', 'View', 'Help']);
    const file = menu[0].submenu!;
    expect(labels(file).slice(0, 3)).toEqual(['Open Kernel Project...', 'Open Recent', 'Open Sample Kernel']);
    expect(labels(file[1].submenu!)).toEqual(['/k1', '/k2']);
    file[1].submenu![1].click!();
    expect(actions.openRecent).toHaveBeenCalledWith('/k2');
    const run = menu[1].submenu!;
    expect(labels(run)).toEqual(['Build', 'Boot', 'Build and Boot', 'Stop', undefined, 'Test', 'Run Failed Tests']);
    expect(labels(menu[2].submenu!)).not.toContain('toggleDevTools');
    expect(labels((menuTemplate(actions, [], 'linux', true) as Item[])[2].submenu!)).toContain('toggleDevTools');
    run[2].click!();
    run[3].click!();
    expect(actions.run).toHaveBeenNthCalledWith(1, 'buildAndBoot');
    expect(actions.run).toHaveBeenNthCalledWith(2, 'stop');
    run[5].click!();
    run[6].click!();
    expect(actions.run).toHaveBeenNthCalledWith(3, 'test');
    expect(actions.run).toHaveBeenNthCalledWith(4, 'testFailed');
  });

  it('says when there are no recent projects, and adds the app menu on macOS', () => {
    const menu = menuTemplate(actions, [], 'darwin') as Item[];
    expect(menu[0].role).toBe('appMenu');
    expect(menu[1].submenu![1].submenu).toEqual([{ label: 'No recent projects', enabled: false }]);
  });
});
