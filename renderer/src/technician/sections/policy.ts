// The checkpoint policy: every field with its plain meaning beside it;
// main validates the whole policy and names a field it refuses.
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import type { PanelContext } from '../panel-context.js';
import { POLICY_TEXT, type PolicyField } from '../text.js';

const VERDICTS = ['admit', 'review', 'deny'];

function select(value: string, options: string[]): HTMLSelectElement {
  const s = el('select');
  for (const o of options) s.append(el('option', { value: o }, o));
  s.value = value;
  return s;
}

function number(value: unknown, step = '1'): HTMLInputElement {
  return el('input', { type: 'number', step, value: value === null || value === undefined ? '' : String(value) });
}

export function policySection({ kiosk, T, lang, touch, say }: PanelContext, state: TechnicianState): HTMLElement {
  const p = state.policy;
  const onStatus = p.onStatus as { green: string; yellow: string; red: string };
  // In the form's order: the keys' order is the order shown.
  const inputs: Record<PolicyField, HTMLInputElement | HTMLSelectElement> = {
    temperature: select(String(p.temperature), ['required', 'optional', 'off']),
    feverThresholdC: number(p.feverThresholdC, '0.1'),
    onFever: select(String(p.onFever), VERDICTS),
    green: select(onStatus.green, VERDICTS),
    yellow: select(onStatus.yellow, VERDICTS),
    red: select(onStatus.red, VERDICTS),
    acceptIssuers: el('input', { type: 'text', value: (p.acceptIssuers as string[]).join(', ') }),
    maxCodeAgeSeconds: number(p.maxCodeAgeSeconds),
    clockSkewSeconds: number(p.clockSkewSeconds),
    natMaxAgeHours: number(p.natMaxAgeHours),
    trustMaxAgeDays: number(p.trustMaxAgeDays),
    antiPassbackSeconds: number(p.antiPassbackSeconds),
    unsyncedMaxAgeDays: number(p.unsyncedMaxAgeDays),
  };
  // An empty number box is no number: main refuses it by name (except the test's age and the unsynced bound, where empty means none).
  const num = (name: PolicyField): number | null => (inputs[name].value.trim() === '' ? null : Number(inputs[name].value));

  const title = el('h3', {}, `${T.policy} (v${state.policyVersion})`);
  const save = el('button', { type: 'button', 'data-testid': 'tech-save-policy' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    const next = {
      ...p,
      temperature: inputs.temperature.value,
      feverThresholdC: num('feverThresholdC'),
      onFever: inputs.onFever.value,
      onStatus: { ...onStatus, green: inputs.green.value, yellow: inputs.yellow.value, red: inputs.red.value },
      acceptIssuers: inputs.acceptIssuers.value
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      maxCodeAgeSeconds: num('maxCodeAgeSeconds'),
      clockSkewSeconds: num('clockSkewSeconds'),
      natMaxAgeHours: num('natMaxAgeHours'),
      trustMaxAgeDays: num('trustMaxAgeDays'),
      antiPassbackSeconds: num('antiPassbackSeconds'),
      unsyncedMaxAgeDays: num('unsyncedMaxAgeDays'),
    };
    const r = await kiosk.technician.setPolicy(next);
    if (r.ok) title.textContent = `${T.policy} (v${r.value.version})`;
    say(r.ok ? `${T.saved}: policy version ${r.value.version}` : r.error.message);
  });

  const words = POLICY_TEXT[lang()];
  const section = el('section');
  section.append(
    title,
    ...(Object.keys(inputs) as PolicyField[]).map((name) => {
      const input = inputs[name];
      const [label, meaning] = words[name];
      input.setAttribute('data-testid', `policy-${name}`);
      input.setAttribute('aria-label', label);
      input.setAttribute('aria-describedby', `policy-help-${name}`);
      const div = el('div', { class: 'field' });
      div.append(el('label', {}, label), input, el('small', { id: `policy-help-${name}`, class: 'help' }, meaning));
      return div;
    }),
    save,
  );
  return section;
}
