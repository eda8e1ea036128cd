// window.kiosk for the browser shell: the kiosk contract over one WebSocket
// to the loopback server that served this page. The API is the contract's
// makeKioskApi, the same the Electron preload exposes over ipcRenderer; the
// screen cannot tell them apart.
import { makeKioskApi, type InvokeChannel, type InvokeResult, type KioskApi, type KioskTransport, type RendererChannel } from '../../main/contract/ipc.js';

type Listener = (payload: unknown) => void;

/** Where this tab keeps the socket's token across reloads (per tab, gone with it). */
const TOKEN_KEY = 'sentinel.socket-token';
/** The fragment's key and the socket's query parameter (main/shell/browser-shell.ts: TOKEN_PARAM). */
const TOKEN_PARAM = 'k';

/**
 * The socket's per-launch token. The shell hands it to the page in the
 * address's fragment (`/#k=…`), which browsers never send to a server; the
 * page keeps it in this tab's sessionStorage so a reload still connects,
 * and takes it out of the address bar so it is not left on show (or in the
 * history). Empty when this tab was never given one: the socket refuses it.
 */
export function takeSocketToken(): string {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get(TOKEN_PARAM);
  if (fromFragment) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromFragment);
    } catch {
      // Storage refused (a locked-down profile): this load still connects, a reload will not.
    }
    history.replaceState(history.state, '', location.pathname + location.search);
    return fromFragment;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/**
 * The socket's address: the token goes in its query, checked by the shell
 * before the upgrade, so a client without it never holds a socket at all
 * (no events, not even for a moment). The query of a loopback WebSocket
 * request reaches nothing but the shell: no proxy, no Referer, no log.
 */
export function socketUrl(token = takeSocketToken()): string {
  return `${location.origin.replace(/^http/, 'ws')}/kiosk?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

export function connectBrowserBridge(url = socketUrl()): KioskApi & { onConnection(listener: (up: boolean) => void): () => void } {
  let socket: WebSocket | null = null;
  let nextId = 1;
  const pending = new Map<number, (result: InvokeResult<InvokeChannel>) => void>();
  const listeners = new Map<RendererChannel, Set<Listener>>();
  const connectionListeners = new Set<(up: boolean) => void>();
  let opened: Promise<WebSocket>;

  const connect = (): void => {
    opened = new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        for (const l of connectionListeners) l(true);
        resolve(ws);
      };
      ws.onmessage = (e: MessageEvent<string>) => {
        const msg = JSON.parse(e.data) as { t: string; id?: number; result?: InvokeResult<InvokeChannel>; channel?: RendererChannel; payload?: unknown };
        if (msg.t === 'result' && msg.id !== undefined) {
          pending.get(msg.id)?.(msg.result!);
          pending.delete(msg.id);
        } else if (msg.t === 'event' && msg.channel) {
          for (const l of listeners.get(msg.channel) ?? []) l(msg.payload);
        }
      };
      ws.onclose = () => {
        socket = null;
        for (const l of connectionListeners) l(false);
        // Requests in flight will not be answered: say so rather than hang.
        for (const [id, settle] of pending) {
          settle({ ok: false, error: { code: 'UNAVAILABLE', message: 'the kiosk service went away' } });
          pending.delete(id);
        }
        setTimeout(connect, 1000);
      };
    });
  };
  connect();

  const transport: KioskTransport = {
    async invoke(channel, request) {
      const ws = socket ?? (await opened);
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (r: InvokeResult<InvokeChannel>) => void);
        ws.send(JSON.stringify({ t: 'invoke', id, channel, payload: request }));
      });
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set<Listener>();
      listeners.set(channel, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
  };

  return {
    ...makeKioskApi(transport),
    onConnection: (l) => {
      connectionListeners.add(l);
      return () => connectionListeners.delete(l);
    },
  };
}
