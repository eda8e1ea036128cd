// Export: the diagnostics and the check log to a USB drive. The drives
// mounted now are offered to choose from; main refuses a folder that is not
// on one (the kiosk's own disk is no place for an export).
import type { RemovableDriveView } from '../../../../main/contract/ipc.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';

export function exportSection({ kiosk, T, words, refusal, touch }: PanelContext): HTMLElement {
  const { element, say } = panelSection('export', T.exportTitle);
  const dir = el('input', { type: 'text', 'data-testid': 'tech-export-dir', 'aria-label': T.exportDir, placeholder: '/media/usb' });
  const drives = el('div', { class: 'tech-drives', 'data-testid': 'tech-export-drives' });
  const showDrives = (list: RemovableDriveView[]): void => {
    drives.replaceChildren(
      ...(list.length === 0
        ? [el('p', { class: 'note' }, T.drivesNone)]
        : list.map((d) => {
            const b = el('button', { type: 'button', 'data-testid': 'tech-export-drive', 'data-path': d.path }, T.drive(d.path, d.device));
            b.addEventListener('click', () => {
              touch();
              dir.value = d.path;
            });
            return b;
          })),
    );
  };
  const lookForDrives = async (): Promise<void> => {
    const r = await kiosk.technician.drives();
    if (r.ok) showDrives(r.value);
    else say(refusal(r.error));
  };
  const refresh = el('button', { type: 'button', 'data-testid': 'tech-export-refresh' }, T.drivesRefresh);
  refresh.addEventListener('click', () => {
    touch();
    void lookForDrives();
  });
  const doExport = el('button', { type: 'button', 'data-testid': 'tech-export' }, T.exportDo);
  doExport.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.exportTo(dir.value);
    say(r.ok ? words({ key: 'exported', params: r.value }) : refusal(r.error));
  });
  element.append(row(T.drives, drives, refresh), row(T.exportDir, dir), doExport);
  void lookForDrives();
  return element;
}
