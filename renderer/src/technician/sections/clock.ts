// The clock: what the kiosk knows of the time (its clock, the time floor
// and each source of evidence), and the way back from a wrong floor or
// clock. Main audits each change.
import type { ClockView, FloorTarget } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import type { TechnicianText } from '../text.js';

/** Where the floor may be lowered to, in the buttons' order, with each button's words. */
const FLOOR_BUTTONS: Record<FloorTarget, (T: TechnicianText) => string> = {
  bundle: (T) => T.evidenceBundle,
  checks: (T) => T.evidenceChecks,
  server: (T) => T.evidenceServer,
  now: (T) => T.floorNow,
};

export function clockSection({ kiosk, T, touch, say }: PanelContext): HTMLElement {
  const info = el('ul', { 'data-testid': 'tech-clock' });
  const show = (c: ClockView): void => {
    const line = (label: string, value: string, testid: string): HTMLLIElement => el('li', { 'data-testid': testid }, `${label}: ${value}`);
    info.replaceChildren(
      line(T.clockNow, `${c.clock} · ${c.trusted ? T.clockTrusted : `${T.clockBehind} ${c.behindSeconds} s`}`, 'clock-now'),
      line(T.clockFloor, `${c.floor ?? '—'}${c.floorSource ? ` (${c.floorSource})` : ''}`, 'clock-floor'),
      line(T.evidenceBundle, c.evidence.bundle ? `${c.evidence.bundle.at} · #${c.evidence.bundle.seq}` : '—', 'clock-bundle'),
      line(T.evidenceChecks, c.evidence.checks?.at ?? '—', 'clock-checks'),
      line(T.evidenceServer, c.evidence.server?.at ?? '—', 'clock-server'),
      ...(['checks', 'server'] as const).flatMap((k) => {
        const refused = c.refused[k];
        return refused ? [line(T.evidenceRefused, `${k} ${refused.at} ×${refused.count}`, `clock-refused-${k}`)] : [];
      }),
    );
  };

  const lowerButtons = (Object.keys(FLOOR_BUTTONS) as FloorTarget[]).map((to) => {
    const b = el('button', { type: 'button', 'data-testid': `clock-reset-${to}` }, FLOOR_BUTTONS[to](T));
    b.addEventListener('click', async () => {
      touch();
      const r = await kiosk.technician.resetClockFloor(to);
      if (!r.ok) return say(r.error.message);
      show(r.value);
      say(`${T.saved}: ${T.clockFloor} ${r.value.floor ?? '—'}`);
    });
    return b;
  });

  const at = el('input', { type: 'text', 'data-testid': 'clock-at', 'aria-label': T.clockAt, placeholder: T.clockAt, maxlength: '40' });
  const resetToo = el('input', { type: 'checkbox', 'data-testid': 'clock-reset-too', 'aria-label': T.resetFloorToo });
  const setClock = el('button', { type: 'button', 'data-testid': 'clock-set' }, T.setClock);
  setClock.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.setClock(at.value.trim(), resetToo.checked);
    if (!r.ok) return say(r.error.message);
    show(r.value);
    say(`${T.saved}: ${T.clockNow} ${r.value.clock}`);
  });

  const section = el('section');
  section.append(el('h3', {}, T.clockTitle), info, el('p', {}, T.lowerFloorTo), ...lowerButtons, row(T.setClock, at), row(T.resetFloorToo, resetToo), setClock);
  void kiosk.technician.clock().then((r) => (r.ok ? show(r.value) : info.replaceChildren(el('li', {}, r.error.message))));
  return section;
}
