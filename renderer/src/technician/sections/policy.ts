// The checkpoint policy: every field with its plain meaning beside it;
// main validates the whole policy and names a field it refuses.
import { POLICY_FIELDS, POLICY_TEXT, TEMPERATURE_RULE_LABELS, VERDICT_LABELS, type PolicyField } from '../../../../main/contract/ipc.js';
import type { Lang } from '../../../../main/contract/messages.js';
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';

/** A choice among the policy's values (stored as English words), each shown by its label. */
function select(value: string, labels: Readonly<Record<string, Readonly<Record<Lang, string>>>>, lang: Lang): HTMLSelectElement {
  const s = el('select');
  for (const [v, label] of Object.entries(labels)) s.append(el('option', { value: v }, label[lang]));
  s.value = value;
  return s;
}

function number(value: unknown, step = '1'): HTMLInputElement {
  return el('input', { type: 'number', step, value: value === null || value === undefined ? '' : String(value) });
}

export function policySection({ kiosk, T, lang, words, refusal, touch }: PanelContext, state: TechnicianState): HTMLElement {
  const { element, say } = panelSection('policy', T.policy);
  const l = lang();
  const p = state.policy;
  const onStatus = p.onStatus as { green: string; yellow: string; red: string };
  // In the form's order: the keys' order is the order shown.
  const inputs: Record<PolicyField, HTMLInputElement | HTMLSelectElement> = {
    temperature: select(String(p.temperature), TEMPERATURE_RULE_LABELS, l),
    feverThresholdC: number(p.feverThresholdC, '0.1'),
    onFever: select(String(p.onFever), VERDICT_LABELS, l),
    green: select(onStatus.green, VERDICT_LABELS, l),
    yellow: select(onStatus.yellow, VERDICT_LABELS, l),
    red: select(onStatus.red, VERDICT_LABELS, l),
    acceptIssuers: el('input', { type: 'text', value: (p.acceptIssuers as string[]).join(', ') }),
    acceptFormats: el('input', { type: 'text', value: (p.acceptFormats as string[]).join(', ') }),
    dccAccept: el('input', { type: 'text', value: (p.dccAccept as string[]).join(', ') }),
    maxCodeAgeSeconds: number(p.maxCodeAgeSeconds),
    clockSkewSeconds: number(p.clockSkewSeconds),
    natMaxAgeHours: number(p.natMaxAgeHours),
    trustMaxAgeDays: number(p.trustMaxAgeDays),
    antiPassbackSeconds: number(p.antiPassbackSeconds),
    unsyncedMaxAgeDays: number(p.unsyncedMaxAgeDays),
  };
  // An empty number box is no number: main refuses it by name (except the test's age and the unsynced bound, where empty means none).
  const num = (name: PolicyField): number | null => (inputs[name].value.trim() === '' ? null : Number(inputs[name].value));
  const list = (name: PolicyField): string[] =>
    inputs[name].value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);

  const version = el('p', { 'data-testid': 'tech-policy-version' }, T.policyVersion(state.policyVersion));
  const save = el('button', { type: 'button', 'data-testid': 'tech-save-policy' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    const next = {
      ...p,
      temperature: inputs.temperature.value,
      feverThresholdC: num('feverThresholdC'),
      onFever: inputs.onFever.value,
      onStatus: { ...onStatus, green: inputs.green.value, yellow: inputs.yellow.value, red: inputs.red.value },
      acceptIssuers: list('acceptIssuers'),
      acceptFormats: list('acceptFormats'),
      dccAccept: list('dccAccept'),
      maxCodeAgeSeconds: num('maxCodeAgeSeconds'),
      clockSkewSeconds: num('clockSkewSeconds'),
      natMaxAgeHours: num('natMaxAgeHours'),
      trustMaxAgeDays: num('trustMaxAgeDays'),
      antiPassbackSeconds: num('antiPassbackSeconds'),
      unsyncedMaxAgeDays: num('unsyncedMaxAgeDays'),
    };
    const r = await kiosk.technician.setPolicy(next);
    if (r.ok) version.textContent = T.policyVersion(r.value.version);
    say(r.ok ? words({ key: 'policySaved', params: r.value }) : refusal(r.error));
  });

  const text = POLICY_TEXT[l];
  element.append(
    version,
    ...POLICY_FIELDS.map((name) => {
      const input = inputs[name];
      const [label, meaning] = text[name];
      input.setAttribute('data-testid', `policy-${name}`);
      input.setAttribute('aria-label', label);
      input.setAttribute('aria-describedby', `policy-help-${name}`);
      const div = el('div', { class: 'field' });
      div.append(el('label', {}, label), input, el('small', { id: `policy-help-${name}`, class: 'help' }, meaning));
      return div;
    }),
    save,
  );
  return element;
}
