// The panel's forms: a labelled row, a picker, and a form saved as one change.
import type { SettingUpdate } from '../../../main/contract/kiosk.js';
import { el } from './dom.js';
import type { PanelContext } from './panel-context.js';

export function row(label: string, ...inputs: HTMLElement[]): HTMLElement {
  const div = el('div', { class: 'field' });
  div.append(el('label', {}, label), ...inputs);
  return div;
}

/** A device picker: `options` as [value, shown], `value` chosen. */
export function pick(id: string, label: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = el('select', { 'data-testid': `dev-${id}`, 'aria-label': label });
  for (const [v, text] of options) s.append(el('option', { value: v }, text));
  s.value = value;
  return s;
}

/**
 * A form saved as one change: main validates it all (naming the setting it
 * refuses), then it is in force at once; the answer names the settings
 * changed by their labels.
 */
export async function saveForm({ kiosk, words, refusal }: PanelContext, changes: [string, unknown][], say: (text: string) => void): Promise<void> {
  const r = await kiosk.technician.updateConfig(changes.map(([key, value]): SettingUpdate => ({ key, value })));
  if (!r.ok) return say(refusal(r.error));
  say(r.value.changed.length === 0 ? words({ key: 'settingsUnchanged', params: {} }) : words({ key: 'settingsSaved', params: { settings: r.value.changed.map((c) => c.key) } }));
}
