// The kiosk page's only door to main: one function per message, listeners
// that return their unsubscribe function; ipcRenderer itself is never
// exposed. CommonJS, as sandboxed preloads must be.
import type { ContextBridge, IpcRenderer } from 'electron';
import type { CheckView, KioskApi, KioskStatus, RendererChannels, ScanSource, ScreenConfig, SettingUpdate } from '../../contract/kiosk.js';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as { contextBridge: ContextBridge; ipcRenderer: IpcRenderer };

function listen<C extends keyof RendererChannels>(channel: C, listener: (payload: RendererChannels[C]) => void): () => void {
  const handler = (_event: unknown, payload: RendererChannels[C]): void => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

const api: KioskApi = {
  submitScan: (text: string, source: ScanSource) => ipcRenderer.invoke('scan/submit', { text, source }),
  getStatus: () => ipcRenderer.invoke('status/get', {}),
  getConfig: () => ipcRenderer.invoke('config/get', {}),
  technician: {
    unlock: (pin: string) => ipcRenderer.invoke('technician/unlock', { pin }),
    devices: () => ipcRenderer.invoke('technician/devices', {}),
    thermometerCounters: () => ipcRenderer.invoke('technician/thermometer-counters', {}),
    testSync: (endpoint: string) => ipcRenderer.invoke('technician/sync-test', { endpoint }),
    clock: () => ipcRenderer.invoke('technician/clock', {}),
    resetClockFloor: (to: string) => ipcRenderer.invoke('technician/clock-reset', { to }),
    setClock: (at: string, resetFloor: boolean) => ipcRenderer.invoke('technician/clock-set', { at, resetFloor }),
    calibrate: (referenceC: number, by: string) => ipcRenderer.invoke('technician/calibrate', { referenceC, by }),
    setFirstPin: (pin: string) => ipcRenderer.invoke('technician/set-first-pin', { pin }),
    lock: () => ipcRenderer.invoke('technician/lock', {}),
    state: () => ipcRenderer.invoke('technician/state', {}),
    selftest: () => ipcRenderer.invoke('technician/selftest', {}),
    setConfig: (key: string, value: unknown) => ipcRenderer.invoke('technician/config-set', { key, value }),
    updateConfig: (changes: SettingUpdate[]) => ipcRenderer.invoke('technician/config-update', { changes }),
    scannerTest: (seconds: number) => ipcRenderer.invoke('technician/scanner-test', { seconds }),
    tryCode: (text: string) => ipcRenderer.invoke('technician/try-code', { text }),
    setPolicy: (policy: Record<string, unknown>) => ipcRenderer.invoke('technician/policy-set', { policy }),
    exportTo: (dir: string) => ipcRenderer.invoke('technician/export', { dir }),
    importTrust: (bundlePath: string, rootPath?: string, fingerprint?: string) =>
      ipcRenderer.invoke('technician/trust-import', { bundlePath, ...(rootPath ? { rootPath } : {}), ...(fingerprint ? { fingerprint } : {}) }),
    override: (checkId: string, verdict: 'admit' | 'deny', reason: string) => ipcRenderer.invoke('supervisor/override', { checkId, verdict, reason }),
  },
  onDecided: (listener: (view: CheckView) => void) => listen('checkpoint/decided', listener),
  onStatus: (listener: (status: KioskStatus) => void) => listen('status/changed', listener),
  onThermometer: (listener) => listen('thermometer/reading', listener),
  onConfig: (listener: (config: ScreenConfig) => void) => listen('config/changed', listener),
};

contextBridge.exposeInMainWorld('kiosk', api);
