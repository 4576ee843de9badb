// The Screen in the window's model: display events pick what the Boot console shows, frames are
// checked and painted, a reload gets the whole picture back, a bad frame is one message.
import { describe, expect, it } from 'vitest';
import { emptySession } from '../../../src-main/shared/api.js';
import type { ClientApi } from './api.js';
import { immediate } from './schedule.js';
import { rgbToRgba, ScreenModel } from './screen.svelte.js';
import { SessionModel } from './session.svelte.js';

const b64 = (...bytes: number[]) => btoa(String.fromCharCode(...bytes));

function session(): SessionModel {
  // handle() never calls the API.
  return new SessionModel({} as ClientApi, { schedule: immediate, now: () => 0 });
}

describe('ScreenModel', () => {
  it('paints frames onto the picture and loads a whole picture', () => {
    const screen = new ScreenModel();
    screen.apply({ width: 2, height: 1, x: 0, y: 0, w: 2, h: 1, base64: b64(1, 2, 3, 4, 5, 6) });
    screen.apply({ width: 2, height: 1, x: 1, y: 0, w: 1, h: 1, base64: b64(7, 8, 9) });
    expect(Array.from(screen.picture!.rgb)).toEqual([1, 2, 3, 7, 8, 9]);
    expect([screen.width, screen.height]).toEqual([2, 1]);
    screen.load({ width: 1, height: 1, base64: b64(200, 100, 50) });
    expect(Array.from(rgbToRgba(screen.picture!.rgb))).toEqual([200, 100, 50, 255]);
    screen.clear();
    expect(screen.picture).toBeUndefined();
  });
});

describe('SessionModel and the Screen', () => {
  it('shows the Screen or the UEFI note as the display events say, and the VGA rows again on the next boot', () => {
    const model = session();
    model.handle({ type: 'run-start', runId: 1, action: 'build-and-boot' });
    expect(model.display).toBe('vga-text');
    model.handle({ type: 'display', runId: 1, display: 'screen' });
    model.handle({ type: 'screen', runId: 1, frame: { width: 1, height: 1, x: 0, y: 0, w: 1, h: 1, base64: b64(255, 0, 0) } });
    expect(model.display).toBe('screen');
    expect(Array.from(model.screen.picture!.rgb)).toEqual([255, 0, 0]);
    model.handle({ type: 'run-start', runId: 2, action: 'boot' });
    expect(model.display).toBe('vga-text');
    expect(model.screen.picture).toBeUndefined();
    model.handle({ type: 'display', runId: 2, display: 'no-vga-text' });
    expect(model.display).toBe('no-vga-text');
  });

  it('refuses a frame that breaks the contract with one message naming the field, and keeps the picture', () => {
    const model = session();
    model.handle({ type: 'run-start', runId: 1, action: 'boot' });
    model.handle({ type: 'screen', runId: 1, frame: { width: 1, height: 1, x: 0, y: 0, w: 1, h: 1, base64: b64(1, 2, 3) } });
    const bad = { width: 99999, height: 1, x: 0, y: 0, w: 1, h: 1, base64: b64(1, 2, 3) };
    model.handle({ type: 'screen', runId: 1, frame: bad });
    model.handle({ type: 'screen', runId: 1, frame: { ...bad, x: 5 } });
    expect(model.messages.map((m) => m.text)).toEqual(['screen frame: width must be 1..2560, got 99999']);
    expect(Array.from(model.screen.picture!.rgb)).toEqual([1, 2, 3]);
  });

  it("restores the display and the Screen's picture from a session snapshot", async () => {
    const snapshot = { ...emptySession(), runId: 3, display: 'screen' as const, screen: { width: 1, height: 1, base64: b64(0, 0, 255) } };
    const api = { getState: async () => ({ settings: { profile: 'debug', qemuArgs: [], recentProjects: [] }, toolchain: { ok: true, platform: 'linux', tools: [] }, running: false, version: '1', session: snapshot }) };
    const model = new SessionModel(api as unknown as ClientApi, { schedule: immediate });
    await model.load();
    expect(model.display).toBe('screen');
    expect(Array.from(model.screen.picture!.rgb)).toEqual([0, 0, 255]);
  });
});
