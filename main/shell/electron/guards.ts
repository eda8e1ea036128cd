// What the kiosk window may do: stay on its own page, open nothing, use the
// camera of its own origin only, and — in production — offer no developer
// tools or reload shortcuts to a curious traveller with a keyboard.
import type { Input, PermissionCheckHandlerHandlerDetails, PermissionRequest, WebContents } from 'electron';

type PermissionRequestHandler = (webContents: WebContents, permission: string, callback: (granted: boolean) => void, details: PermissionRequest) => void;
type PermissionCheckHandler = (webContents: WebContents | null, permission: string, requestingOrigin: string, details: PermissionCheckHandlerHandlerDetails) => boolean;

/**
 * scheme://host of a URL. Not URL.origin: outside Electron's registry a
 * custom scheme such as app:// has the opaque origin "null".
 */
export function originOf(url: string | undefined): string | null {
  try {
    if (!url) return null;
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

/** Only the camera (video, no microphone), only for the app's own page. */
export function permissionRequestHandler(appOrigin: string): PermissionRequestHandler {
  return (_wc, permission, callback, details) => {
    const media = details as { mediaTypes?: string[]; requestingUrl?: string; isMainFrame?: boolean };
    const ownPage = originOf(media.requestingUrl) === appOrigin && media.isMainFrame !== false;
    const videoOnly = permission === 'media' && (media.mediaTypes ?? []).length > 0 && (media.mediaTypes ?? []).every((t) => t === 'video');
    callback(ownPage && videoOnly);
  };
}

export function permissionCheckHandler(appOrigin: string): PermissionCheckHandler {
  return (_wc, permission, requestingOrigin, details) => {
    const mediaType = (details as { mediaType?: string }).mediaType;
    return permission === 'media' && requestingOrigin === appOrigin && (mediaType === undefined || mediaType === 'video');
  };
}

/**
 * Navigation of any kind, new windows and webviews are refused: the screen
 * is one page that never navigates (its own reloads use loadURL from main).
 */
export function installNavigationGuards(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Keys that open developer tools or reload the page. */
export function isForbiddenShortcut(input: Pick<Input, 'key' | 'control' | 'meta' | 'shift' | 'alt' | 'type'>): boolean {
  if (input.type !== 'keyDown') return false;
  const key = input.key.toLowerCase();
  const mod = input.control || input.meta;
  if (key === 'f12' || key === 'f5') return true;
  if (mod && (key === 'r' || (input.shift && (key === 'i' || key === 'j' || key === 'c')))) return true;
  if (input.alt && input.meta && key === 'i') return true;
  return false;
}

export function installShortcutGuard(contents: WebContents): void {
  contents.on('before-input-event', (event, input) => {
    if (isForbiddenShortcut(input)) event.preventDefault();
  });
}
