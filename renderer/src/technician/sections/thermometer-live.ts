// The devices section's live thermometer line: its state, last reading and
// the reading's age (from the status and each reading main pushes), and the
// driver's frame and error counters (asked for: main pushes no event for them).
import type { ThermometerCounters } from '../../../../main/contract/devices.js';
import { DEVICE_STATE_LABELS } from '../../../../main/contract/ipc.js';
import type { KioskStatus } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import type { PanelContext } from '../panel-context.js';

/** While readings come, the counters are asked for at most this often. */
const COUNTERS_EVERY_MS = 1000;
/** The reading's age is redrawn this often. */
const AGE_EVERY_MS = 1000;

export function thermometerLive({ kiosk, T, lang, whileOpen }: PanelContext): HTMLElement {
  const live = el('p', { 'data-testid': 'dev-thermometer-live', 'aria-live': 'off' });
  let thermometer: KioskStatus['thermometer'] | null = null;
  let counters: ThermometerCounters | null = null;

  const show = (): void => {
    const t = thermometer;
    if (!t) return;
    const errors = counters ? ` · ${T.counters(counters.frames, counters.checksumFailures, counters.resyncs)}` : '';
    live.textContent = T.live(
      `${DEVICE_STATE_LABELS[t.state][lang()]}${t.lastC === null ? '' : ` · ${t.lastC.toFixed(1)} °C`}${t.atMs === null ? '' : ` · ${T.ageSeconds(Math.max(0, Math.round((Date.now() - t.atMs) / 1000)))}`}${errors}`,
    );
  };

  let asking = false;
  let askAgain = false;
  let askedAtMs = -Infinity;
  /** One request at a time; a status that comes meanwhile asks once more after it (a device change resets the counters). */
  const askCounters = async (): Promise<void> => {
    if (asking) {
      askAgain = true;
      return;
    }
    asking = true;
    do {
      askAgain = false;
      askedAtMs = Date.now();
      const c = await kiosk.technician.thermometerCounters();
      counters = c.ok ? c.value : null;
    } while (askAgain);
    asking = false;
    show();
  };

  // Main pushes the status on every device change and every 5 s: a silent or misconfigured module's errors show from it.
  const offStatus = kiosk.onStatus((s) => {
    thermometer = s.thermometer;
    show();
    void askCounters();
  });
  const offReading = kiosk.onThermometer((r) => {
    if (!thermometer) return;
    thermometer = { ...thermometer, lastC: r.celsius, atMs: r.atMs };
    show();
    if (!asking && Date.now() - askedAtMs >= COUNTERS_EVERY_MS) void askCounters();
  });
  // The age grows with time alone, which no event reports: the one timer here, redrawing without asking main.
  const ageTimer = setInterval(show, AGE_EVERY_MS);
  whileOpen(() => {
    offStatus();
    offReading();
    clearInterval(ageTimer);
  });

  void kiosk.getStatus().then(async (s) => {
    if (!s.ok) return;
    // A status pushed while this was asked is newer.
    thermometer ??= s.value.thermometer;
    await askCounters();
  });
  return live;
}
