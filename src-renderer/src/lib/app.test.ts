// The whole window in jsdom with a stand-in for the preload: accessible names, ARIA tabs with
// arrow keys, keyboard shortcuts, service errors shown as messages.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { emptySession, type AppState } from '../../../src-main/shared/api.js';
import type { ClientApi } from './api.js';
import App from '../App.svelte';

const STATE: AppState = {
  project: { dir: '/k', name: 'kernel', manifestPath: '/k/Cargo.toml', features: [] },
  settings: { profile: 'debug', qemuArgs: [], recentProjects: [], bootTimeoutSeconds: 300 },
  toolchain: { ok: false, platform: 'linux', tools: [{ name: 'qemu', found: false, install: 'sudo apt-get install qemu-system-x86' }] },
  running: false,
  version: '9.9.9',
  session: emptySession(),
};

function installApi(overrides: Partial<ClientApi> = {}) {
  const api = {
    onEvent: () => () => {},
    getState: vi.fn(async () => STATE),
    openProject: vi.fn(),
    openSampleProject: vi.fn(),
    build: vi.fn(async () => {}),
    boot: vi.fn(async () => {}),
    buildAndBoot: vi.fn(async () => {}),
    stop: vi.fn(async () => {}),
    reset: vi.fn(),
    getSettings: vi.fn(),
    setSettings: vi.fn(async () => STATE.settings),
    checkToolchain: vi.fn(),
    readGuestMemory: vi.fn(),
    runTests: vi.fn(async () => {}),
    getTestsState: vi.fn(async () => ({ seq: 0, runId: 0, running: false, entries: [] })),
    ...overrides,
  };
  window.bootlab = api as unknown as ClientApi;
  return api;
}

afterEach(() => {
  delete window.bootlab;
});

async function renderApp() {
  render(App);
  await waitFor(() => expect(screen.getByRole('textbox', { name: 'Kernel project' })).toHaveProperty('value', '/k'));
}

describe('App', () => {
  it('has the named controls, tabs and regions', async () => {
    installApi();
    await renderApp();
    for (const name of ['Build', 'Boot', 'Build and Boot', 'Test', 'Stop']) expect(screen.getByRole('button', { name, exact: true } as never)).toBeTruthy();
    expect(screen.getByRole('combobox', { name: 'Profile' })).toBeTruthy();
    expect(screen.getAllByRole('tab').map((t) => t.textContent?.trim())).toEqual(['Build log', 'Boot console', 'Memory map', 'Tests', 'Inspector']);
    expect(screen.getByRole('region', { name: 'Diagnostics' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Toolchain' }).textContent).toContain('sudo apt-get install qemu-system-x86');
    // Regions of hidden panels exist too (named for screen readers once shown).
    for (const name of ['Serial console', 'VGA screen', 'Boot log', 'Run result', 'CPU', 'Page tables', 'Memory', 'Stack']) {
      expect(screen.getByRole('region', { name, hidden: true })).toBeTruthy();
    }
  });

  it('switches tabs with the arrow keys', async () => {
    installApi();
    await renderApp();
    const build = screen.getByRole('tab', { name: 'Build log' });
    expect(build.getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(build, { key: 'ArrowLeft' });
    const inspector = screen.getByRole('tab', { name: 'Inspector' });
    expect(inspector.getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(inspector, { key: 'ArrowLeft' });
    const tests = screen.getByRole('tab', { name: 'Tests' });
    expect(tests.getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(tests, { key: 'ArrowLeft' });
    const memory = screen.getByRole('tab', { name: 'Memory map' });
    expect(memory.getAttribute('aria-selected')).toBe('true');
    expect(document.getElementById('panel-memory')?.hidden).toBe(false);
    expect(document.getElementById('panel-build')?.hidden).toBe(true);
  });

  it('shows the Inspector on F6 and F7, and asks nothing of the service while no VM runs', async () => {
    const pause = vi.fn(async () => {});
    const step = vi.fn(async () => {});
    installApi({ pause, step });
    await renderApp();
    await fireEvent.keyDown(window, { key: 'F6' });
    expect(screen.getByRole('tab', { name: 'Inspector' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('status', { name: 'Inspector status' }).textContent).toContain('No virtual machine is running');
    await fireEvent.keyDown(window, { key: 'F7' });
    expect(pause).not.toHaveBeenCalled();
    expect(step).not.toHaveBeenCalled();
    expect((screen.getByRole('button', { name: 'Step' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('runs Build and Boot on F5 and Build on Ctrl+B', async () => {
    const api = installApi();
    await renderApp();
    await fireEvent.keyDown(window, { key: 'b', ctrlKey: true });
    await waitFor(() => expect(api.build).toHaveBeenCalledWith({ profile: 'debug', firmware: 'bios' }));
    await fireEvent.keyDown(window, { key: 'F5' });
    await waitFor(() => expect(api.buildAndBoot).toHaveBeenCalledWith({ profile: 'debug', firmware: 'bios' }));
  });

  it('runs the tests on F8 (showing the Tests tab) and says when Shift+F8 has no failed tests to run', async () => {
    const api = installApi();
    await renderApp();
    await fireEvent.keyDown(window, { key: 'F8' });
    await waitFor(() => expect(api.runTests).toHaveBeenCalledWith({ profile: 'debug' }));
    expect(screen.getByRole('tab', { name: 'Tests' }).getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(window, { key: 'F8', shiftKey: true });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('No failed tests to run again'));
    expect(api.runTests).toHaveBeenCalledTimes(1);
  });

  it('shows a failing service call as a message', async () => {
    installApi({ build: vi.fn(async () => Promise.reject(new Error('cargo is not installed'))) });
    await renderApp();
    await fireEvent.click(screen.getByRole('button', { name: 'Build', exact: true } as never));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('cargo is not installed'));
  });
});
