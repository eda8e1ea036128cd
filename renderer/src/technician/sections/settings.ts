// Settings: where the kiosk stands, what the screen shows, and the central
// service it syncs with (tested here before it is saved).
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import type { Lang } from '../../../../main/contract/messages.js';
import { el } from '../dom.js';
import { row, saveForm } from '../form.js';
import type { PanelContext } from '../panel-context.js';

/** Each language by its own name; typed by Lang, so a language added there is offered here or does not compile. */
const LANGUAGE_NAMES: Record<Lang, string> = { 'zh-CN': '中文', en: 'English' };
const LANGS = Object.keys(LANGUAGE_NAMES) as Lang[];

export function settingsSection(ctx: PanelContext, cfg: TechnicianState['config']): HTMLElement {
  const { kiosk, T, touch, say } = ctx;
  const textInput = (id: string, label: string, value: string, placeholder = ''): HTMLInputElement =>
    el('input', { type: 'text', value, 'data-testid': `set-${id}`, 'aria-label': label, placeholder, maxlength: '256' });
  const gate = textInput('gate', T.gate, cfg.identity.gate);
  const station = textInput('station', T.station, cfg.identity.station);
  const timeZone = textInput('timeZone', T.timeZone, cfg.identity.timeZone, 'Asia/Shanghai');
  const operatorLang = el('select', { 'data-testid': 'set-operatorLang', 'aria-label': T.operatorLang });
  for (const l of LANGS) operatorLang.append(el('option', { value: l }, LANGUAGE_NAMES[l]));
  operatorLang.value = cfg.screen.operatorLang;
  const holderBoxes = LANGS.map((l) => {
    const box = el('input', { type: 'checkbox', 'data-testid': `set-holderLang-${l}`, 'aria-label': `${T.holderLangs}: ${l}` });
    box.checked = cfg.screen.holderLangs.includes(l);
    return { l, box };
  });
  const seconds = el('input', { type: 'number', min: '1', max: '120', value: String(cfg.screen.resultSeconds), 'data-testid': 'set-resultSeconds', 'aria-label': T.resultSeconds });
  const sound = el('input', { type: 'checkbox', 'data-testid': 'set-sound', 'aria-label': T.sound });
  sound.checked = cfg.screen.sound;

  const endpoint = textInput('syncEndpoint', T.syncEndpoint, cfg.sync.endpoint ?? '', 'https://sync.example/');
  const testSync = el('button', { type: 'button', 'data-testid': 'tech-sync-test' }, T.testSync);
  testSync.addEventListener('click', async () => {
    touch();
    if (!endpoint.value) return;
    testSync.disabled = true;
    const r = await kiosk.technician.testSync(endpoint.value);
    testSync.disabled = false;
    say(r.ok ? `${T.syncEndpoint}: ${r.value.detail}` : r.error.message);
  });

  const save = el('button', { type: 'button', 'data-testid': 'tech-save-settings' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    await saveForm(ctx, [
      ['identity.gate', gate.value],
      ['identity.station', station.value],
      ['identity.timeZone', timeZone.value],
      ['screen.operatorLang', operatorLang.value],
      ['screen.holderLangs', holderBoxes.filter((h) => h.box.checked).map((h) => h.l)],
      ['screen.resultSeconds', Number(seconds.value)],
      ['screen.sound', sound.checked],
      ['sync.endpoint', endpoint.value === '' ? null : endpoint.value],
    ]);
  });

  const section = el('section');
  section.append(
    el('h3', {}, T.settings),
    row(T.gate, gate),
    row(T.station, station),
    row(T.timeZone, timeZone),
    row(T.operatorLang, operatorLang),
    row(T.holderLangs, ...holderBoxes.flatMap((h) => [h.box, el('span', {}, h.l)])),
    row(T.resultSeconds, seconds),
    row(T.sound, sound),
    row(T.syncEndpoint, endpoint, testSync),
    save,
  );
  return section;
}
