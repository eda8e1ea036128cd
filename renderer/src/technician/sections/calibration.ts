// Thermometer calibration: the reference's temperature is typed in while
// the module looks at it; main takes stable readings and sets the offset.
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function calibrationSection({ kiosk, T, touch, say }: PanelContext, calibration: TechnicianState['config']['thermometer']['calibration']): HTMLElement {
  const info = el('p', { 'data-testid': 'tech-calibration' }, calibration ? T.calibrationDue(day(calibration.dueAtMs)) : '—');
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
    if (!r.ok) return say(r.error.message);
    const due = day(r.value.dueAtMs);
    info.textContent = T.calibrationDue(due);
    say(T.calibrated(`${r.value.offsetC >= 0 ? '+' : ''}${r.value.offsetC.toFixed(2)}`, due));
  });
  const section = el('section');
  section.append(el('h3', {}, T.calibration), info, row(T.referenceC, reference), row(T.calibratedBy, by), calibrate);
  return section;
}
