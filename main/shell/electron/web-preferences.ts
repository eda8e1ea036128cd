// The kiosk window's security settings, in one place: the static security
// test checks that every BrowserWindow is made from these.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export const KIOSK_WEB_PREFERENCES: Readonly<WebPreferences> = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  spellcheck: false,
  // webSecurity and allowRunningInsecureContent keep Electron's safe defaults: never set here.
});

export const KIOSK_BACKGROUND = '#10151c';

export function kioskWindowOptions(opts: { preload: string; production: boolean }): BrowserWindowConstructorOptions {
  return {
    kiosk: true,
    fullscreen: true,
    frame: false,
    autoHideMenuBar: true,
    backgroundColor: KIOSK_BACKGROUND,
    show: false,
    width: 1280,
    height: 800,
    webPreferences: { ...KIOSK_WEB_PREFERENCES, preload: opts.preload, devTools: !opts.production },
  };
}
