// main.ts wired against a mocked `electron` and a fake service: the window gets the secure
// preferences and handlers, the session denies permissions, the contract is registered on IPC,
// the renderer is loaded from out/renderer, and the window's bounds go back to the settings.
import { describe, expect, it, vi } from 'vitest';
import { resolve } from 'node:path';
import { DEFAULT_SETTINGS } from '../shared/api.js';

const h = vi.hoisted(() => {
  const listeners: Record<string, ((...a: unknown[]) => unknown)[]> = {};
  const contentsHandlers: Record<string, (...a: unknown[]) => unknown> = {};
  const windowHandlers: Record<string, (...a: unknown[]) => unknown> = {};
  const state = {
    windowOptions: undefined as unknown,
    loaded: '' as string,
    windowOpenHandler: undefined as undefined | ((d: { url: string }) => unknown),
    permissionHandler: undefined as unknown,
    permissionCheck: undefined as unknown,
    ipcChannels: [] as string[],
    menuTemplate: undefined as unknown,
    settingsPatches: [] as unknown[],
    opened: [] as string[],
    sandboxEnabled: false,
    ready: undefined as undefined | (() => void),
    privilegedSchemes: undefined as unknown,
    schemeRegisteredBeforeReady: false,
    isReady: false,
    protocolHandlers: {} as Record<string, (request: Request) => Promise<Response>>,
    rendererDir: '' as string,
  };
  return { listeners, contentsHandlers, windowHandlers, state };
});

vi.mock('electron', () => {
  const { listeners, contentsHandlers, windowHandlers, state } = h;
  class BrowserWindow {
    webContents = {
      on: (name: string, fn: (...a: unknown[]) => unknown) => (contentsHandlers[name] = fn),
      setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (state.windowOpenHandler = fn),
      isDestroyed: () => false,
      send: vi.fn(),
    };
    constructor(options: unknown) {
      state.windowOptions = options;
    }
    static getAllWindows = () => [];
    once(name: string, fn: (...a: unknown[]) => unknown) {
      windowHandlers[name] = fn;
    }
    on(name: string, fn: (...a: unknown[]) => unknown) {
      windowHandlers[name] = fn;
    }
    maximize() {}
    show() {}
    isDestroyed() {
      return false;
    }
    isMaximized() {
      return false;
    }
    getNormalBounds() {
      return { x: 5, y: 6, width: 1300, height: 800 };
    }
    async loadURL(url: string) {
      state.loaded = url;
    }
  }
  return {
    app: {
      enableSandbox: () => (state.sandboxEnabled = true),
      on: (name: string, fn: (...a: unknown[]) => unknown) => (listeners[name] ??= []).push(fn),
      whenReady: () =>
        new Promise<void>((resolve) => {
          state.ready = () => {
            state.isReady = true;
            resolve();
          };
        }),
      isPackaged: false,
      getAppPath: () => '/app',
      getVersion: () => '0.0.0',
      quit: vi.fn(),
    },
    BrowserWindow,
    dialog: { showMessageBox: vi.fn(async () => ({})), showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })) },
    ipcMain: { handle: (channel: string) => state.ipcChannels.push(channel), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: (t: unknown) => (state.menuTemplate = t), setApplicationMenu: vi.fn() },
    nativeTheme: { shouldUseDarkColors: false },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown) => {
        state.privilegedSchemes = schemes;
        state.schemeRegisteredBeforeReady = !state.isReady;
      },
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => (state.protocolHandlers[scheme] = handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: unknown) => (state.permissionHandler = fn),
        setPermissionCheckHandler: (fn: unknown) => (state.permissionCheck = fn),
        webRequest: { onHeadersReceived: vi.fn() },
      },
    },
    shell: { openExternal: vi.fn(async (url: string) => void h.state.opened.push(url)) },
  };
});

vi.mock('./scheme.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./scheme.js')>();
  return {
    ...original,
    createAppProtocolHandler: (dir: string) => {
      h.state.rendererDir = dir;
      return original.createAppProtocolHandler(dir);
    },
  };
});

vi.mock('../services/app.js', () => ({
  createBootlabService: () => ({
    getSettings: async () => ({ ...DEFAULT_SETTINGS, windowBounds: { width: 1200, height: 700 } }),
    setSettings: async (patch: unknown) => {
      h.state.settingsPatches.push(patch);
      return DEFAULT_SETTINGS;
    },
    openSampleProject: async () => ({ dir: '/docs/Bootlab/sample-kernel', name: 'sample-kernel', manifestPath: '', features: [] }),
    openProject: vi.fn(),
    onEvent: () => () => {},
    dispose: async () => {},
  }),
}));

describe('Electron main process', () => {
  it('creates a sandboxed window with the security handlers and registers the contract', async () => {
    await import('./main.js');
    expect(h.state.sandboxEnabled).toBe(true);
    h.state.ready!();
    await vi.waitFor(() => expect(h.state.loaded).not.toBe(''));

    const options = h.state.windowOptions as { width: number; height: number; webPreferences: Record<string, unknown> };
    expect(options.width).toBe(1200);
    expect(options.height).toBe(700);
    expect(options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(options.webPreferences.preload)).toMatch(/preload\.cjs$/);
    expect(options.webPreferences.devTools).toBe(true); // not packaged here

    // The page comes from bootlab://app/, served from the renderer folder beside out/electron,
    // never from file://; the scheme was made privileged before the app was ready.
    expect(h.state.loaded).toBe('bootlab://app/index.html');
    expect(h.state.privilegedSchemes).toEqual([{ scheme: 'bootlab', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(h.state.schemeRegisteredBeforeReady).toBe(true);
    expect(Object.keys(h.state.protocolHandlers)).toEqual(['bootlab']);
    expect(h.state.rendererDir).toBe(resolve(import.meta.dirname, '..', 'renderer'));
    const outside = await h.state.protocolHandlers.bootlab(new Request('bootlab://app/%2e%2e/electron/main.ts'));
    expect(outside.status).toBe(404);
    const frame = { url: 'https://evil.example/', isMainFrame: false, preventDefault: vi.fn() };
    h.contentsHandlers['will-frame-navigate'](frame);
    expect(frame.preventDefault).toHaveBeenCalled();

    expect(h.state.ipcChannels).toEqual(['bootlab:invoke']);
    const deny = vi.fn();
    (h.state.permissionHandler as (w: unknown, p: string, cb: (ok: boolean) => void) => void)({}, 'media', deny);
    expect(deny).toHaveBeenCalledWith(false);
    expect((h.state.permissionCheck as () => boolean)()).toBe(false);

    expect(h.state.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(h.state.windowOpenHandler!({ url: 'https://rustup.rs/' })).toEqual({ action: 'deny' });
    expect(h.state.opened).toEqual(['https://rustup.rs/']);
    const navigation = { preventDefault: vi.fn() };
    h.contentsHandlers['will-navigate'](navigation, 'https://evil.example/');
    expect(navigation.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    h.contentsHandlers['will-attach-webview'](webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    const labels = (h.state.menuTemplate as { label?: string }[]).map((m) => m.label);
    expect(labels).toEqual(['File', 'Run', 'View', 'Help']);

    h.windowHandlers.close();
    await vi.waitFor(() => expect(h.state.settingsPatches).toEqual([{ windowBounds: { x: 5, y: 6, width: 1300, height: 800, maximized: false } }]));
  });
});
