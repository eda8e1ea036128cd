// Self-test: main's checks (storage, trust, clock, the devices the kiosk
// runs …), each line in the operator's language, then this screen's own
// camera, which only the devices preview can test.
import { CHECK_STATE_LABELS, SELF_TEST_LABELS, type CheckState } from '../../../../main/contract/ipc.js';
import { el } from '../dom.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';
import type { TestCardSightings } from '../test-read.js';

/** The camera item passes on a test card read this recently; otherwise it waits this long for one. */
const CAMERA_TEST_FRESH_MS = 60_000;
const CAMERA_TEST_WAIT_MS = 5000;

export function selfTestSection({ kiosk, T, lang, words, refusal, touch }: PanelContext, testCard: TestCardSightings): HTMLElement {
  const { element, say } = panelSection('selftest', T.selftest);
  const list = el('ul', { class: 'selftest' });
  const show = (state: CheckState, name: string, detail: string): void => {
    const l = lang();
    const colon = l === 'zh-CN' ? '：' : ': ';
    list.append(el('li', { 'data-testid': 'selftest-item', 'data-state': state }, `${CHECK_STATE_LABELS[state][l]} · ${name}${colon}${detail}`));
  };
  const run = el('button', { type: 'button', 'data-testid': 'tech-selftest-run' }, T.run);
  run.addEventListener('click', async () => {
    touch();
    say('');
    const r = await kiosk.technician.selftest();
    list.replaceChildren();
    if (!r.ok) return say(refusal(r.error));
    for (const line of r.value) show(line.state, SELF_TEST_LABELS[line.check][lang()], words(line.says));
    // The devices preview decodes what the camera sees: the test card held up to it passes.
    const seen = await testCard.seenSince(Date.now() - CAMERA_TEST_FRESH_MS, CAMERA_TEST_WAIT_MS);
    if (seen) show('ok', T.cameraItem, T.cameraItemOk);
    else show('warn', T.cameraItem, T.cameraItemHint);
  });
  element.append(run, list);
  return element;
}
