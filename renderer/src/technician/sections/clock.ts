// The clock: what the kiosk knows of the time (its clock, the time floor
// and each source of evidence), and the way back from a wrong floor or
// clock. Main audits each change. Times are shown in the gate's zone.
import { gateDay, gateTime } from '../../../../main/contract/ipc.js';
import type { ClockView, FloorTarget } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';
import type { TechnicianText } from '../text.js';

/** Where the floor may be lowered to, in the buttons' order, with each button's words. */
const FLOOR_BUTTONS: Record<FloorTarget, (T: TechnicianText) => string> = {
  bundle: (T) => T.evidenceBundle,
  checks: (T) => T.evidenceChecks,
  server: (T) => T.evidenceServer,
  now: (T) => T.floorNow,
};

export function clockSection({ kiosk, T, lang, timeZone, words, refusal, touch }: PanelContext): HTMLElement {
  const { element, say } = panelSection('clock', T.clockTitle);
  const info = el('ul', { 'data-testid': 'tech-clock' });
  const at = (iso: string | null | undefined): string => {
    if (!iso) return '—';
    const ms = Date.parse(iso);
    return Number.isFinite(ms) ? `${gateDay(ms, timeZone())} ${gateTime(ms, timeZone())}` : iso;
  };
  const show = (c: ClockView): void => {
    const colon = lang() === 'zh-CN' ? '：' : ': ';
    const line = (label: string, value: string, testid: string): HTMLLIElement => el('li', { 'data-testid': testid }, `${label}${colon}${value}`);
    info.replaceChildren(
      line(T.clockNow, `${at(c.clock)} · ${c.trusted ? T.clockTrusted : T.clockBehind(c.behindSeconds)}`, 'clock-now'),
      line(T.clockFloor, `${at(c.floor)}${c.floorSource ? T.floorFrom(FLOOR_BUTTONS[c.floorSource](T)) : ''}`, 'clock-floor'),
      line(T.evidenceBundle, c.evidence.bundle ? `${at(c.evidence.bundle.at)} · #${c.evidence.bundle.seq}` : '—', 'clock-bundle'),
      line(T.evidenceChecks, at(c.evidence.checks?.at), 'clock-checks'),
      line(T.evidenceServer, at(c.evidence.server?.at), 'clock-server'),
      ...(['checks', 'server'] as const).flatMap((k) => {
        const refused = c.refused[k];
        return refused ? [el('li', { 'data-testid': `clock-refused-${k}` }, T.evidenceRefused(FLOOR_BUTTONS[k](T), at(refused.at), refused.count))] : [];
      }),
    );
  };

  const lowerButtons = (Object.keys(FLOOR_BUTTONS) as FloorTarget[]).map((to) => {
    const b = el('button', { type: 'button', 'data-testid': `clock-reset-${to}` }, FLOOR_BUTTONS[to](T));
    b.addEventListener('click', async () => {
      touch();
      const r = await kiosk.technician.resetClockFloor(to);
      if (!r.ok) return say(refusal(r.error));
      show(r.value);
      say(words({ key: 'floorLowered', params: { floorMs: r.value.floor === null ? null : Date.parse(r.value.floor) } }));
    });
    return b;
  });

  const time = el('input', { type: 'text', 'data-testid': 'clock-at', 'aria-label': T.clockAt, placeholder: T.clockAt, maxlength: '40' });
  const resetToo = el('input', { type: 'checkbox', 'data-testid': 'clock-reset-too', 'aria-label': T.resetFloorToo });
  const setClock = el('button', { type: 'button', 'data-testid': 'clock-set' }, T.setClock);
  setClock.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.setClock(time.value.trim(), resetToo.checked);
    if (!r.ok) return say(refusal(r.error));
    show(r.value);
    say(words({ key: 'clockSet', params: { clockMs: Date.parse(r.value.clock) } }));
  });

  element.append(info, el('p', {}, T.lowerFloorTo), ...lowerButtons, row(T.setClock, time), row(T.resetFloorToo, resetToo), setClock);
  void kiosk.technician.clock().then((r) => (r.ok ? show(r.value) : info.replaceChildren(el('li', {}, refusal(r.error)))));
  return element;
}
