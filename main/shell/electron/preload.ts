// The kiosk page's only door to main: `window.kiosk`, made by the same
// makeKioskApi as the browser bridge's, over ipcRenderer — one function per
// message, listeners that return their unsubscribe function; ipcRenderer
// itself is never exposed. A sandboxed preload cannot load local files, so
// this is bundled with the contract into one CommonJS file (npm run build:
// dist/main/shell/electron/preload.cjs); only `electron` is left to require.
import { contextBridge, ipcRenderer } from 'electron';
import { makeKioskApi, type KioskTransport } from '../../contract/ipc.js';

const transport: KioskTransport = {
  invoke: (channel, request) => ipcRenderer.invoke(channel, request),
  on: (event, listener) => {
    const handler = (_event: unknown, payload: Parameters<typeof listener>[0]): void => listener(payload);
    ipcRenderer.on(event, handler);
    return () => {
      ipcRenderer.removeListener(event, handler);
    };
  },
};

const api = makeKioskApi(transport);

contextBridge.exposeInMainWorld('kiosk', api);
