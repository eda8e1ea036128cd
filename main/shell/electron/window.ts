// The kiosk window: full screen, frameless, no menu, its background set so
// nothing flashes white at start; and when the screen's process dies or
// hangs, it is reloaded, with backoff so a crash loop cannot spin.
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { installNavigationGuards, installShortcutGuard } from './guards.js';
import { kioskWindowOptions } from './web-preferences.js';

export interface WindowDeps {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  setTimeout?: (fn: () => void, ms: number) => unknown;
}

export interface KioskWindowOptions {
  preload: string;
  url: string;
  appOrigin: string;
  production: boolean;
  hideCursor: boolean;
  onEvent?: (e: { type: 'render-process-gone' | 'unresponsive' | 'reload'; detail: string; delayMs?: number }) => void;
}

const RELOAD_BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];

export function createKioskWindow(deps: WindowDeps, opts: KioskWindowOptions): BrowserWindow {
  const win = new deps.BrowserWindow(kioskWindowOptions({ preload: opts.preload, production: opts.production }));
  win.setMenu(null);
  const contents = win.webContents;
  installNavigationGuards(contents);
  if (opts.production) installShortcutGuard(contents);
  if (opts.hideCursor) {
    contents.on('did-finish-load', () => void contents.insertCSS('* { cursor: none !important; }'));
  }
  const later = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  let failures = 0;
  let lastFailureAt = 0;
  const reload = (why: string): void => {
    // Failures far apart start the backoff again.
    if (Date.now() - lastFailureAt > 5 * 60_000) failures = 0;
    lastFailureAt = Date.now();
    const delayMs = RELOAD_BACKOFF_MS[Math.min(failures++, RELOAD_BACKOFF_MS.length - 1)]!;
    opts.onEvent?.({ type: 'reload', detail: why, delayMs });
    later(() => {
      if (!win.isDestroyed()) void win.loadURL(opts.url);
    }, delayMs);
  };
  contents.on('render-process-gone', (_event, details) => {
    opts.onEvent?.({ type: 'render-process-gone', detail: details.reason });
    reload(`screen process ${details.reason}`);
  });
  win.on('unresponsive', () => {
    opts.onEvent?.({ type: 'unresponsive', detail: 'the screen stopped responding' });
    // A hung renderer would not obey a reload: end it; render-process-gone then reloads.
    contents.forcefullyCrashRenderer();
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.url);
  return win;
}
