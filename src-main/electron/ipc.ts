// The one registration of the contract on Electron IPC: a single invoke channel whose messages
// are checked for their sender (the main frame showing the app's page) and validated against
// the contract before they reach the services; replies travel in the Envelope. Events go the
// other way on one channel. No `electron` value import: ipcMain is passed in (testable).
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { BootlabApi, BootlabEvent, Envelope } from '../shared/api.js';
import { validateRequest } from '../shared/validate.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.js';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;
export type SenderCheck = (event: Pick<IpcMainInvokeEvent, 'senderFrame'>) => boolean;

export async function handleInvoke(
  service: BootlabApi,
  isTrusted: SenderCheck,
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  method: unknown,
  args: unknown,
): Promise<Envelope<unknown>> {
  if (!isTrusted(event)) return { ok: false, error: 'request refused: it did not come from the Bootlab window' };
  let request: ReturnType<typeof validateRequest>;
  try {
    request = validateRequest(method, args);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  try {
    const fn = service[request.method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(service, request.args);
    return { ok: true, value: value ?? null };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Registers the contract; returns the function that removes it. */
export function registerIpc(ipcMain: IpcMainLike, service: BootlabApi, isTrusted: SenderCheck): () => void {
  ipcMain.handle(INVOKE_CHANNEL, (event, method: unknown, args: unknown) => handleInvoke(service, isTrusted, event, method, args));
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}

/**
 * Forwards the services' events to a window while it lives, each with its sequence number, so
 * a reloaded page that starts from the session snapshot can drop the ones it already has.
 */
export function forwardEvents(
  service: { onEvent(listener: (event: BootlabEvent, seq: number) => void): () => void },
  target: { isDestroyed(): boolean; send(channel: string, event: BootlabEvent, seq: number): void },
): () => void {
  return service.onEvent((event, seq) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event, seq);
  });
}
