// Thermometer calibration: the reference's temperature is typed in while
// the module looks at it; main takes stable readings and sets the offset.
import { gateDay } from '../../../../main/contract/ipc.js';
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';

export function calibrationSection({ kiosk, T, timeZone, words, refusal, touch }: PanelContext, calibration: TechnicianState['config']['thermometer']['calibration']): HTMLElement {
  const { element, say } = panelSection('calibration', T.calibration);
  const day = (ms: number): string => gateDay(ms, timeZone());
  const info = el('p', { 'data-testid': 'tech-calibration' }, calibration ? T.calibrationDue(day(calibration.dueAtMs)) : T.calibrationNever);
  const reference = el('input', { type: 'number', min: '30', max: '43', step: '0.1', 'data-testid': 'tech-reference', 'aria-label': T.referenceC, placeholder: T.referenceC });
  const by = el('input', { type: 'text', 'data-testid': 'tech-calibrated-by', 'aria-label': T.calibratedBy, placeholder: T.calibratedBy, maxlength: '64' });
  const calibrate = el('button', { type: 'button', 'data-testid': 'tech-calibrate' }, T.calibrate);
  calibrate.addEventListener('click', async () => {
    touch();
    calibrate.disabled = true;
    say(T.calibrating);
    const r = await kiosk.technician.calibrate(Number(reference.value), by.value);
    calibrate.disabled = false;
    touch();
    if (!r.ok) return say(refusal(r.error));
    info.textContent = T.calibrationDue(day(r.value.dueAtMs));
    say(words({ key: 'calibrated', params: { offsetC: r.value.offsetC, dueAtMs: r.value.dueAtMs } }));
  });
  element.append(info, row(T.referenceC, reference), row(T.calibratedBy, by), calibrate);
  return element;
}
