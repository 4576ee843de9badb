// The Electron window's security settings and handlers, as plain data and functions (no binary).
import { describe, expect, it, vi } from 'vitest';
import {
  CSP,
  boundsToSave,
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
    expect(handler({ url: 'https://doc.rust-lang.org/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith('https://doc.rust-lang.org/');
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
    expect(labels(run)).toEqual(['Build', 'Boot', 'Build and Boot', 'Stop']);
    run[2].click!();
    run[3].click!();
    expect(actions.run).toHaveBeenNthCalledWith(1, 'buildAndBoot');
    expect(actions.run).toHaveBeenNthCalledWith(2, 'stop');
  });

  it('says when there are no recent projects, and adds the app menu on macOS', () => {
    const menu = menuTemplate(actions, [], 'darwin') as Item[];
    expect(menu[0].role).toBe('appMenu');
    expect(menu[1].submenu![1].submenu).toEqual([{ label: 'No recent projects', enabled: false }]);
  });
});
