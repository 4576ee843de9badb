// The inspector when QEMU does not answer a register read (a busy machine, QEMU going away): the
// caller gets the error and no promise is left failing unobserved (Node 20 ends the process on
// one: the browser-mode server, and with it every window's VM). A fake session: one module's unit test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QemuSession } from '../qemu.js';
import type { QmpClient } from '../qmp.js';
import { createAppInspector } from './appInspector.js';

const unobserved: unknown[] = [];
const record = (reason: unknown) => unobserved.push(reason);

beforeEach(() => {
  unobserved.length = 0;
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('unhandledRejection', record);
});

function sessionWhoseRegistersFail(): QemuSession {
  const qmp = {
    hmp: async (command: string) => {
      throw new Error(`QMP did not answer ${command}`);
    },
    execute: async () => ({}),
  } as unknown as QmpClient;
  return { qmpReady: Promise.resolve(qmp), readMemory: async () => new Uint8Array(0), exit: new Promise(() => {}) } as unknown as QemuSession;
}

describe('app inspector when the register read fails', () => {
  it('cpuState and pageTables reject with the reason, and nothing fails unobserved', async () => {
    const session = sessionWhoseRegistersFail();
    const inspector = createAppInspector({ session: () => session, project: () => undefined });
    await expect(inspector.api.cpuState()).rejects.toThrow('QMP did not answer info registers');
    await expect(inspector.api.pageTables()).rejects.toThrow('QMP did not answer info registers');
    // Unhandled rejections are reported after the microtask queue drains: give them a turn.
    await new Promise((r) => setTimeout(r, 50));
    expect(unobserved).toEqual([]);
  });
});
