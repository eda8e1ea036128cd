// The systemd watchdog heartbeat (WatchdogSec= in the unit): while main is
// alive and its event loop turns, it says so at half the watchdog period.
// Uses systemd-notify (NotifyAccess=all), so no native module is needed.
import { execFile } from 'node:child_process';

export function startSystemdWatchdog(env: NodeJS.ProcessEnv = process.env, notify: (state: string) => void = (state) => void execFile('systemd-notify', [state], () => undefined)): () => void {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET) return () => undefined;
  notify('READY=1');
  if (!Number.isFinite(usec) || usec <= 0) return () => undefined;
  const timer = setInterval(() => notify('WATCHDOG=1'), Math.max(1000, usec / 2000));
  timer.unref();
  return () => clearInterval(timer);
}
