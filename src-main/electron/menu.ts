// The application menu as plain data: File, Run, View, Help. main.ts passes the actions and
// turns the template into a Menu. Type-only electron import, so it is unit-testable.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openProject(): void;
  openRecent(dir: string): void;
  openSample(): void;
  run(action: 'build' | 'boot' | 'buildAndBoot' | 'stop' | 'test' | 'testFailed'): void;
  openDocs(): void;
  installCli(): void;
  about(): void;
}

/** `devTools`: whether View offers the developer tools (not in the packaged app). */
export function menuTemplate(actions: MenuActions, recent: string[], platform: NodeJS.Platform, devTools = false): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const recentItems: MenuItemConstructorOptions[] =
    recent.length === 0 ? [{ label: 'No recent projects', enabled: false }] : recent.slice(0, 10).map((dir) => ({ label: dir, click: () => actions.openRecent(dir) }));
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Kernel Project...', accelerator: 'CmdOrCtrl+O', click: () => actions.openProject() },
        { label: 'Open Recent', submenu: recentItems },
        { label: 'Open Sample Kernel', click: () => actions.openSample() },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Run',
      submenu: [
        // The renderer handles F5, Shift+F5, F8, Shift+F8 and Ctrl/Cmd+B itself; the menu shows them and
        // registers them only as hints so a key press does not fire twice.
        { label: 'Build', accelerator: 'CmdOrCtrl+B', registerAccelerator: false, click: () => actions.run('build') },
        { label: 'Boot', click: () => actions.run('boot') },
        { label: 'Build and Boot', accelerator: 'F5', registerAccelerator: false, click: () => actions.run('buildAndBoot') },
        { label: 'Stop', accelerator: 'Shift+F5', registerAccelerator: false, click: () => actions.run('stop') },
        { type: 'separator' },
        { label: 'Test', accelerator: 'F8', registerAccelerator: false, click: () => actions.run('test') },
        { label: 'Run Failed Tests', accelerator: 'Shift+F8', registerAccelerator: false, click: () => actions.run('testFailed') },
      ],
    },
    {
      label: 'View',
      submenu: [
        // Reloading is safe: the window starts again from the session the service keeps.
        { role: 'reload' },
        ...(devTools ? [{ role: 'toggleDevTools' } as const] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Bootlab Documentation', click: () => actions.openDocs() },
        { label: "Put the 'bootlab' Command on PATH...", click: () => actions.installCli() },
        { type: 'separator' },
        { label: 'About Bootlab', click: () => actions.about() },
      ],
    },
  ];
  if (mac) template.unshift({ role: 'appMenu' });
  return template;
}
