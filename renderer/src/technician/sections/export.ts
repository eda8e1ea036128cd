// Export: the diagnostics and the check log to a folder (a USB stick).
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';

export function exportSection({ kiosk, T, touch, say }: PanelContext): HTMLElement {
  const dir = el('input', { type: 'text', 'data-testid': 'tech-export-dir', 'aria-label': T.exportDir, placeholder: '/media/usb' });
  const doExport = el('button', { type: 'button', 'data-testid': 'tech-export' }, T.exportDo);
  doExport.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.exportTo(dir.value);
    say(r.ok ? T.exported(r.value.checks, r.value.folder) : r.error.message);
  });
  const section = el('section');
  section.append(el('h3', {}, T.exportTitle), row(T.exportDir, dir), doExport);
  return section;
}
