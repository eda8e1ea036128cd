// The trust list: the one installed (its keys with their validity), and a
// newer one imported from a file, with a new root pinned only when its
// fingerprint is typed in.
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { row } from '../form.js';
import type { PanelContext } from '../panel-context.js';

export function trustSection({ kiosk, T, touch, say }: PanelContext, installed: TechnicianState['trust']): HTMLElement {
  const info = el('p', { 'data-testid': 'tech-trust' });
  const keyList = el('ul', { 'data-testid': 'tech-trust-keys', class: 'trust-keys' });
  const show = (t: TechnicianState['trust']): void => {
    info.textContent = t ? `#${t.seq} · ${t.ageDays} d · ${T.validUntil} ${t.expiresAt.slice(0, 10)} · ${t.issuers.join(', ')}` : '—';
    keyList.replaceChildren(
      ...(t?.keys ?? []).map((k) =>
        el('li', { 'data-revoked': String(k.revoked) }, `${k.issuer} · ${k.kid} (${k.alg}) · ${k.validFrom ?? '…'} → ${k.validUntil ?? '…'}${k.revoked ? ` · ${T.revoked}` : ''}`),
      ),
    );
  };
  show(installed);

  const bundlePath = el('input', { type: 'text', 'data-testid': 'tech-bundle-path', 'aria-label': T.bundleFile, placeholder: '/media/usb/bundle.jws' });
  const rootPath = el('input', { type: 'text', 'data-testid': 'tech-root-path', 'aria-label': T.rootFile, placeholder: T.rootFile });
  const fingerprint = el('input', { type: 'text', 'data-testid': 'tech-root-fingerprint', 'aria-label': T.fingerprint, placeholder: T.fingerprint, maxlength: '12' });
  const importButton = el('button', { type: 'button', 'data-testid': 'tech-trust-import' }, T.importBundle);
  importButton.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.importTrust(bundlePath.value, rootPath.value || undefined, fingerprint.value || undefined);
    if (!r.ok) return say(r.error.message);
    // The list as now installed: its seq, expiry, issuers and keys.
    const now = await kiosk.technician.state();
    if (now.ok) show(now.value.trust);
    say(`${T.saved}: trust list #${r.value.seq}${r.value.pinnedRoots.length ? ` (+ root ${r.value.pinnedRoots.join(', ')})` : ''}`);
  });

  const section = el('section');
  section.append(el('h3', {}, T.trust), info, keyList, row(T.bundleFile, bundlePath), row(T.rootFile, rootPath), row(T.fingerprint, fingerprint), importButton);
  return section;
}
