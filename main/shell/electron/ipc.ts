// The kiosk contract over Electron IPC: one ipcMain handler per channel of
// the contract's table; the sender must be the app's own main frame, the
// payload a bounded size, then the service parses it for its channel and
// hands it to that channel's handler (KioskService.invoke), as the caller
// `window:<id>`. A technician or supervisor session belongs to that caller
// and ends with the page that opened it, as the browser shell's ends with
// its socket.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { originOf } from './guards.js';
import { INVOKE_CHANNELS, type InvokeChannel, type KioskEndpoint } from '../../contract/ipc.js';

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

/** Who a window's requests are made as. Its id outlives the page: a reload or a new screen process keeps it. */
export function windowCaller(contents: Pick<WebContents, 'id'>): string {
  return `window:${contents.id}`;
}

/** The window events that end the page a session was opened on. */
type PageEvents = Pick<WebContents, 'on'>;

/**
 * Registers the handlers; returns a function that removes them and the event
 * forwarding. `onError`: a session that could not be locked (the service failed).
 */
export function registerKioskIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: KioskEndpoint,
  target: () => WebContents | null,
  appOrigin: string,
  onError: (err: Error) => void = (err) => console.error(`sentinel: could not end a technician session: ${err.message}`),
): () => void {
  // Each page of a window that made a request: how many times its page has ended (see watchPage).
  const pagesEnded = new WeakMap<PageEvents, { ended: number }>();
  const lock = (caller: string): void => {
    handlers.invoke('technician/lock' satisfies InvokeChannel, {}, caller).catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  };
  /**
   * A technician or supervisor session ends with the page that opened it:
   * when the screen's process is gone, when the page reloads or navigates
   * (its main frame starts a new document — main's own reload after a crash
   * too), and when the window closes. The window keeps its id through all
   * of these: without this the next page would find the session unlocked
   * until its idle timeout. A window is watched from its first request (no
   * session is opened before one).
   */
  const watchPage = (contents: PageEvents, caller: string): { ended: number } => {
    const known = pagesEnded.get(contents);
    if (known) return known;
    const page = { ended: 0 };
    pagesEnded.set(contents, page);
    const end = (): void => {
      page.ended++;
      lock(caller);
    };
    contents.on('render-process-gone', end);
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) end();
    });
    contents.on('destroyed', end);
    return page;
  };
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      if (!isTrustedSender(event, appOrigin)) return { ok: false, error: { code: 'BAD_REQUEST', message: 'requests come from the kiosk page only' } };
      if (payloadTooLarge(payload)) return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `a request is at most ${MAX_IPC_PAYLOAD_BYTES} bytes` } };
      const caller = windowCaller(event.sender);
      const page = watchPage(event.sender, caller);
      const ended = page.ended;
      const result = await handlers.invoke(channel, payload, caller);
      // The page ended while this request ran (an unlock still hashing the PIN): what it opened ends too.
      if (page.ended !== ended) lock(caller);
      return result;
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
