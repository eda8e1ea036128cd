// Self-test: main's items (storage, trust, clock, devices …), then this
// screen's own camera, which only the devices preview can test.
import type { SelfTestItemView } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import type { PanelContext } from '../panel-context.js';
import type { TestCardSightings } from '../test-read.js';

/** The camera item passes on a test card read this recently; otherwise it waits this long for one. */
const CAMERA_TEST_FRESH_MS = 60_000;
const CAMERA_TEST_WAIT_MS = 5000;

export function selfTestSection({ kiosk, T, touch, say }: PanelContext, testCard: TestCardSightings): HTMLElement {
  const section = el('section', { 'aria-labelledby': 'tech-selftest-title' });
  const list = el('ul', { class: 'selftest' });
  const show = (item: SelfTestItemView): void => {
    list.append(el('li', { 'data-testid': 'selftest-item', 'data-state': item.state }, `${item.state.toUpperCase()} · ${item.name}: ${item.detail}`));
  };
  const run = el('button', { type: 'button', 'data-testid': 'tech-selftest-run' }, T.run);
  run.addEventListener('click', async () => {
    touch();
    const r = await kiosk.technician.selftest();
    list.replaceChildren();
    if (!r.ok) return say(r.error.message);
    for (const item of r.value) show(item);
    // The devices preview decodes what the camera sees: the test card held up to it passes.
    const seen = await testCard.seenSince(Date.now() - CAMERA_TEST_FRESH_MS, CAMERA_TEST_WAIT_MS);
    show(seen ? { name: T.cameraItem, state: 'ok', detail: T.cameraItemOk } : { name: T.cameraItem, state: 'warn', detail: T.cameraItemHint });
  });
  section.append(el('h3', { id: 'tech-selftest-title' }, T.selftest), run, list);
  return section;
}
