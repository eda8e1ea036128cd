// The trust list: the one installed (its keys with their validity), and a
// newer one imported from a file on a USB drive (the bundle files found on
// the drives are offered), with a new root pinned only when its
// fingerprint is typed in.
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';

export function trustSection({ kiosk, T, words, refusal, touch }: PanelContext, installed: TechnicianState['trust']): HTMLElement {
  const { element, say } = panelSection('trust', T.trust);
  const info = el('p', { 'data-testid': 'tech-trust' });
  const keyList = el('ul', { 'data-testid': 'tech-trust-keys', class: 'trust-keys' });
  const show = (t: TechnicianState['trust']): void => {
    info.textContent = t ? T.trustInfo(t.seq, t.ageDays, t.expiresAt.slice(0, 10), t.issuers) : '—';
    keyList.replaceChildren(
      ...(t?.keys ?? []).map((k) =>
        el(
          'li',
          { 'data-revoked': String(k.revoked), 'data-format': k.format },
          `${k.issuer} [${k.format}] · ${k.kid} (${k.alg}) · ${k.validFrom ?? '…'} → ${k.validUntil ?? '…'}${k.revoked ? ` · ${T.revoked}` : ''}`,
        ),
      ),
    );
  };
  show(installed);

  const bundlePath = el('input', { type: 'text', 'data-testid': 'tech-bundle-path', 'aria-label': T.bundleFile, placeholder: '/media/usb/bundle.jws' });
  const rootPath = el('input', { type: 'text', 'data-testid': 'tech-root-path', 'aria-label': T.rootFile, placeholder: T.rootFile });
  const fingerprint = el('input', { type: 'text', 'data-testid': 'tech-root-fingerprint', 'aria-label': T.fingerprint, placeholder: T.fingerprint, maxlength: '12' });

  // The bundle files on the USB drives mounted now: one tap chooses one.
  const files = el('div', { class: 'tech-drives', 'data-testid': 'tech-bundle-files' });
  void kiosk.technician.drives().then((r) => {
    const found = r.ok ? r.value.flatMap((d) => d.bundleFiles) : [];
    files.replaceChildren(
      ...(found.length === 0
        ? [el('p', { class: 'note' }, words({ key: 'bundleFilesNone', params: {} }))]
        : found.map((file) => {
            const b = el('button', { type: 'button', 'data-testid': 'tech-bundle-file' }, file);
            b.addEventListener('click', () => {
              touch();
              bundlePath.value = file;
            });
            return b;
          })),
    );
  });

  const importButton = el('button', { type: 'button', 'data-testid': 'tech-trust-import' }, T.importBundle);
  importButton.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.importTrust(bundlePath.value, rootPath.value || undefined, fingerprint.value || undefined);
    if (!r.ok) return say(refusal(r.error));
    // The list as now installed: its seq, expiry, issuers and keys.
    const now = await kiosk.technician.state();
    if (now.ok) show(now.value.trust);
    say(words({ key: 'bundleInstalled', params: r.value }));
  });

  element.append(info, keyList, row(T.bundleFilesFound, files), row(T.bundleFile, bundlePath), row(T.rootFile, rootPath), row(T.fingerprint, fingerprint), importButton);
  return element;
}
