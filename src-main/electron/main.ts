// The Electron main process: one window showing the built renderer (served from bootlab://app/,
// see scheme.ts), the Bootlab service behind
// one validated IPC registration, the menus, and the window's size and last project remembered
// through the settings service. Security settings and handlers live in window.ts (tested).
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootlabEvent } from '../shared/api.js';
import { createBootlabService, type BootlabService } from '../services/app.js';
import { sweepStaleTempDirs } from '../services/staleTemp.js';
import { EVENT_CHANNEL } from './channels.js';
import { forwardEvents, registerIpc } from './ipc.js';
import { menuTemplate, type MenuActions } from './menu.js';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, createAppProtocolHandler } from './scheme.js';
import {
  boundsToSave,
  frameNavigationHandler,
  isAllowedExternalUrl,
  isTrustedSender,
  navigationHandler,
  permissionCheckHandler,
  permissionRequestHandler,
  windowOpenHandler,
  windowOptions,
  withSecurityHeaders,
} from './window.js';

const here = dirname(fileURLToPath(import.meta.url)); // out/electron
const rendererDir = join(here, '..', 'renderer');
const appUrl = APP_URL;
const preloadPath = join(here, 'preload.cjs');
const DOCS_URL = 'https://github.com/bootlab/bootlab#readme';

/** resources/ beside the app: process.resourcesPath when packaged, the checkout otherwise. */
function resourcesDir(): string {
  if (app.isPackaged) return process.resourcesPath;
  return join(here, '..', '..', 'resources');
}

let service: BootlabService | undefined;
let mainWindow: BrowserWindow | undefined;

function send(event: BootlabEvent): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNEL, event);
}

async function showError(message: string): Promise<void> {
  await dialog.showMessageBox({ type: 'error', title: 'Bootlab', message });
}

async function refreshMenu(): Promise<void> {
  if (!service) return;
  const settings = await service.getSettings();
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(menuActions, settings.recentProjects, process.platform, !app.isPackaged)));
}

async function openProject(dir: string): Promise<void> {
  if (!service) return;
  try {
    const project = await service.openProject(dir);
    send({ type: 'project', project });
    await refreshMenu();
  } catch (error) {
    await showError((error as Error).message);
  }
}

const menuActions: MenuActions = {
  async openProject() {
    if (!mainWindow) return;
    const result = await dialog.showOpenDialog(mainWindow, { title: 'Open Kernel Project', properties: ['openDirectory'] });
    if (!result.canceled && result.filePaths[0]) await openProject(result.filePaths[0]);
  },
  openRecent: (dir) => void openProject(dir),
  async openSample() {
    if (!service) return;
    try {
      send({ type: 'project', project: await service.openSampleProject() });
      await refreshMenu();
    } catch (error) {
      await showError((error as Error).message);
    }
  },
  async run(action) {
    if (!service) return;
    try {
      const profile = (await service.getSettings()).profile;
      if (action === 'stop') await service.stop();
      else if (action === 'test' || action === 'testFailed') await service.runTests({ profile, ...(action === 'testFailed' ? { failedOnly: true } : {}) });
      else await service[action]({ profile });
    } catch (error) {
      await showError((error as Error).message);
    }
  },
  openDocs: () => openExternal(DOCS_URL),
  async installCli() {
    const cli = join(app.getAppPath(), 'bin', 'bootlab.js');
    await dialog.showMessageBox({
      type: 'info',
      title: "The 'bootlab' command",
      message: "Put the 'bootlab' command on PATH",
      detail: `Install it with npm (needs Node.js 20.19 or newer):\n\n  npm install -g bootlab\n\nor run it from this app's copy:\n\n  node "${cli}" --help`,
    });
  },
  async about() {
    const state = await service?.getState();
    await dialog.showMessageBox({ type: 'info', title: 'About Bootlab', message: `Bootlab ${state?.version ?? app.getVersion()}`, detail: `Electron ${process.versions.electron}` });
  },
};

/** Opens a page in the user's browser if it is on the allow-list (window.ts), else nothing. */
function openExternal(url: string): void {
  if (isAllowedExternalUrl(url)) void shell.openExternal(url);
}

function hardenSession(): void {
  const ses = session.defaultSession;
  // The renderer's files, and only those, under bootlab://app/ (registered as privileged below).
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
  ses.setPermissionRequestHandler(permissionRequestHandler);
  ses.setPermissionCheckHandler(permissionCheckHandler);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) });
  });
}

async function createWindow(svc: BootlabService): Promise<void> {
  const settings = await svc.getSettings();
  const win = new BrowserWindow(windowOptions(preloadPath, settings.windowBounds, nativeTheme.shouldUseDarkColors, !app.isPackaged));
  mainWindow = win;
  if (settings.windowBounds?.maximized) win.maximize();

  const contents = win.webContents;
  contents.on('will-navigate', navigationHandler(appUrl));
  contents.on('will-redirect', navigationHandler(appUrl));
  contents.on('will-frame-navigate', frameNavigationHandler(appUrl));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler(openExternal));

  const stopForwarding = forwardEvents(svc, {
    isDestroyed: () => contents.isDestroyed(),
    send: (channel, event, seq) => contents.send(channel, event, seq),
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    void svc.setSettings({ windowBounds: boundsToSave(win) }).catch(() => {});
  });
  win.on('closed', () => {
    stopForwarding();
    mainWindow = undefined;
  });
  await win.loadURL(appUrl);
}

async function start(): Promise<void> {
  hardenSession();
  // Temp folders of Bootlab processes that were killed (their QEMU runs, their images).
  void sweepStaleTempDirs();
  const svc = createBootlabService({ resourcesDir: resourcesDir() });
  service = svc;
  registerIpc(ipcMain, svc, (event) => isTrustedSender(event.senderFrame, appUrl));

  // The last project, else (first start) the sample kernel copied to the documents folder.
  const settings = await svc.getSettings();
  try {
    if (settings.lastProject && existsSync(join(settings.lastProject, 'Cargo.toml'))) await svc.openProject(settings.lastProject);
    else await svc.openSampleProject();
  } catch {
    // the window shows the toolchain and lets the user pick a project
  }
  await refreshMenu();
  await createWindow(svc);
  // A settings problem reaches the window as AppState.settingsWarning (one banner, no dialog).
}

// Before the app is ready: bootlab:// is a standard, secure scheme (a real origin for the page).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', navigationHandler(appUrl));
  contents.on('will-frame-navigate', frameNavigationHandler(appUrl));
});

app.whenReady().then(start, (error) => {
  void showError(`Bootlab could not start: ${(error as Error).message}`);
});

app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0 && service) void createWindow(service);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let disposing = false;
app.on('before-quit', (event) => {
  if (disposing || !service) return;
  disposing = true;
  event.preventDefault();
  void service.dispose().finally(() => app.quit());
});
