// The kiosk contract over Electron IPC: one ipcMain handler per channel of
// the contract's table; the sender must be the app's own main frame, the
// payload a bounded size, then the service parses it for its channel and
// hands it to that channel's handler (KioskService.invoke).
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { originOf } from './guards.js';
import { INVOKE_CHANNELS, type KioskEndpoint } from '../../contract/ipc.js';

export const MAX_IPC_PAYLOAD_BYTES = 64 * 1024;

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, appOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  return originOf(frame.url) === appOrigin;
}

function payloadTooLarge(payload: unknown): boolean {
  try {
    return Buffer.byteLength(JSON.stringify(payload ?? null), 'utf8') > MAX_IPC_PAYLOAD_BYTES;
  } catch {
    return true;
  }
}

/** Registers the handlers; returns a function that removes them and the event forwarding. */
export function registerKioskIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: KioskEndpoint, target: () => WebContents | null, appOrigin: string): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      if (!isTrustedSender(event, appOrigin)) return { ok: false, error: { code: 'BAD_REQUEST', message: 'requests come from the kiosk page only' } };
      if (payloadTooLarge(payload)) return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `a request is at most ${MAX_IPC_PAYLOAD_BYTES} bytes` } };
      return handlers.invoke(channel, payload, `window:${event.sender.id}`);
    });
  }
  const unsubscribe = handlers.subscribe((channel, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(channel, payload);
  });
  return () => {
    unsubscribe();
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
