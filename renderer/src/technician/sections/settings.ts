// Settings: where the kiosk stands, what the screen shows, and the central
// service it syncs with (tested here before it is saved). Each field is
// labelled as main names it in a refusal or a "saved" line.
import { settingLabel, type SettingKey } from '../../../../main/contract/ipc.js';
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import type { Lang } from '../../../../main/contract/messages.js';
import { el } from '../dom.js';
import { row, saveForm } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';
import type { EnrollmentOffer } from '../enrollment-offer.js';

/** Each language by its own name; typed by Lang, so a language added there is offered here or does not compile. */
const LANGUAGE_NAMES: Record<Lang, string> = { 'zh-CN': '中文', en: 'English' };
const LANGS = Object.keys(LANGUAGE_NAMES) as Lang[];

export function settingsSection(ctx: PanelContext, cfg: TechnicianState['config'], enrollment: EnrollmentOffer): HTMLElement {
  const { kiosk, T, lang, words, refusal, touch } = ctx;
  const { element, say } = panelSection('settings', T.settings);
  const label = (key: SettingKey): string => settingLabel(key, lang());
  const textInput = (id: string, key: SettingKey, value: string, placeholder = ''): HTMLInputElement =>
    el('input', { type: 'text', value, 'data-testid': `set-${id}`, 'aria-label': label(key), placeholder, maxlength: '256' });
  const gate = textInput('gate', 'identity.gate', cfg.identity.gate);
  const station = textInput('station', 'identity.station', cfg.identity.station);
  const timeZone = textInput('timeZone', 'identity.timeZone', cfg.identity.timeZone, 'Asia/Shanghai');
  const operatorLang = el('select', { 'data-testid': 'set-operatorLang', 'aria-label': label('screen.operatorLang') });
  for (const l of LANGS) operatorLang.append(el('option', { value: l }, LANGUAGE_NAMES[l]));
  operatorLang.value = cfg.screen.operatorLang;
  const holderBoxes = LANGS.map((l) => {
    const box = el('input', { type: 'checkbox', 'data-testid': `set-holderLang-${l}`, 'aria-label': `${label('screen.holderLangs')}: ${LANGUAGE_NAMES[l]}` });
    box.checked = cfg.screen.holderLangs.includes(l);
    return { l, box };
  });
  // A refusal's time on screen: admit is fixed at 2 s and a review waits for a guard.
  const seconds = el('input', { type: 'number', min: '1', max: '120', value: String(cfg.screen.resultSeconds), 'data-testid': 'set-resultSeconds', 'aria-label': label('screen.resultSeconds') });
  const sound = el('input', { type: 'checkbox', 'data-testid': 'set-sound', 'aria-label': label('screen.sound') });
  sound.checked = cfg.screen.sound;

  const endpoint = textInput('syncEndpoint', 'sync.endpoint', cfg.sync.endpoint ?? '', 'https://sync.example/');
  const testSync = el('button', { type: 'button', 'data-testid': 'tech-sync-test' }, T.testSync);
  testSync.addEventListener('click', async () => {
    touch();
    testSync.disabled = true;
    const r = await kiosk.technician.testSync(endpoint.value);
    testSync.disabled = false;
    say(r.ok ? `${label('sync.endpoint')}${lang() === 'zh-CN' ? '：' : ': '}${words(r.value.says)}` : refusal(r.error));
  });

  // Enrolling with the central service: the QR from 'sentinel central enroll-token --png', read by a scanner
  // into this field or by the Devices section's camera, or "URL TOKEN" typed; it sets the sync address too.
  const enrollCode = el('input', { type: 'text', 'data-testid': 'set-enrollCode', 'aria-label': T.enrollCode, placeholder: T.enrollCodeHint, maxlength: '1024', autocomplete: 'off' });
  const enroll = el('button', { type: 'button', 'data-testid': 'tech-enroll' }, T.enroll);
  enroll.addEventListener('click', async () => {
    touch();
    enroll.disabled = true;
    const r = await kiosk.technician.enroll(enrollCode.value);
    enroll.disabled = false;
    say(r.ok ? words(r.value.says) : refusal(r.error));
    if (r.ok && r.value.enrolled) {
      enrollCode.value = '';
      const st = await kiosk.technician.state();
      if (st.ok) endpoint.value = st.value.config.sync.endpoint ?? '';
    }
  });
  enrollment.onOffer((code) => {
    enrollCode.value = code;
    say(T.enrollmentRead);
  });

  const save = el('button', { type: 'button', 'data-testid': 'tech-save-settings' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    await saveForm(
      ctx,
      [
        ['identity.gate', gate.value],
        ['identity.station', station.value],
        ['identity.timeZone', timeZone.value],
        ['screen.operatorLang', operatorLang.value],
        ['screen.holderLangs', holderBoxes.filter((h) => h.box.checked).map((h) => h.l)],
        ['screen.resultSeconds', Number(seconds.value)],
        ['screen.sound', sound.checked],
        ['sync.endpoint', endpoint.value === '' ? null : endpoint.value],
      ],
      say,
    );
  });

  element.append(
    row(label('identity.gate'), gate),
    row(label('identity.station'), station),
    row(label('identity.timeZone'), timeZone),
    row(label('screen.operatorLang'), operatorLang),
    row(label('screen.holderLangs'), ...holderBoxes.flatMap((h) => [h.box, el('span', {}, LANGUAGE_NAMES[h.l])])),
    row(label('screen.resultSeconds'), seconds),
    row(label('screen.sound'), sound),
    row(label('sync.endpoint'), endpoint, testSync),
    row(T.enrollCode, enrollCode, enroll),
    save,
  );
  return element;
}
