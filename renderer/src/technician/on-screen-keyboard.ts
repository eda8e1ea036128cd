// An on-screen keyboard for technician mode's typed fields (a gate's name, a
// path on the USB drive, a reference temperature, an override's own words):
// a kiosk has a touchscreen and usually no keyboard. It shows while a typed
// field of the overlay has the focus after a touch on it (not when the focus
// came from a keyboard's Tab, where the keyboard is at hand), digits only for
// a number field, and its keys never take the focus from the field. Many
// kiosk touchscreens report themselves as a mouse, so any pointer counts. A
// physical keyboard still works beside it. Chinese characters need an input method the kiosk does
// not have: typed fields take Latin letters, digits and punctuation here.
import { el } from './dom.js';
import type { TechnicianText } from './text.js';

export type OskKey = { insert: string } | 'back';

/** A key applied to a field's value and selection: the new value and where the caret goes. Pure. */
export function typeKey(value: string, start: number, end: number, key: OskKey): { value: string; caret: number } {
  const from = Math.max(0, Math.min(start, end, value.length));
  const to = Math.min(value.length, Math.max(start, end));
  if (key === 'back') {
    // A selection is deleted; otherwise the character before the caret.
    const cut = from === to ? Math.max(0, from - 1) : from;
    return { value: value.slice(0, cut) + value.slice(to), caret: cut };
  }
  return { value: value.slice(0, from) + key.insert + value.slice(to), caret: from + key.insert.length };
}

const TEXT_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '.-_/:@,'];
const NUMBER_ROWS = ['123', '456', '789', '.0-'];

type Field = HTMLInputElement | HTMLTextAreaElement;

function typedField(target: EventTarget | null): Field | null {
  if (target instanceof HTMLTextAreaElement) return target;
  if (target instanceof HTMLInputElement && ['text', 'number', 'search', ''].includes(target.type)) return target;
  return null;
}

/** Where the caret is; a number field has no selection API, so typing goes at its end. */
function selection(field: Field): [number, number] {
  try {
    if (field.selectionStart !== null && field.selectionEnd !== null) return [field.selectionStart, field.selectionEnd];
  } catch {
    // Number fields throw on selection access in some engines.
  }
  return [field.value.length, field.value.length];
}

export function installOnScreenKeyboard(overlay: HTMLElement, text: () => TechnicianText): void {
  const board = el('div', { class: 'osk', 'data-testid': 'osk', role: 'group', hidden: '' });
  document.body.append(board);
  let field: Field | null = null;
  let shifted = false;

  const hide = (): void => {
    field = null;
    board.hidden = true;
    overlay.style.paddingBottom = '';
  };

  const apply = (key: OskKey): void => {
    if (!field || !field.isConnected) return hide();
    const [start, end] = selection(field);
    const next = typeKey(field.value, start, end, key);
    field.value = next.value;
    try {
      field.setSelectionRange(next.caret, next.caret);
    } catch {
      // A number field keeps its own caret.
    }
    // The forms listen for input as for a keyboard's.
    field.dispatchEvent(new Event('input', { bubbles: true }));
  };

  const key = (label: string, testId: string, action: () => void, wide = false): HTMLButtonElement => {
    const b = el('button', { type: 'button', 'data-testid': testId, class: wide ? 'osk-key wide' : 'osk-key', tabindex: '-1' }, label);
    // Pressed without taking the focus from the field being typed in.
    b.addEventListener('pointerdown', (e) => e.preventDefault());
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', action);
    return b;
  };

  const render = (): void => {
    const T = text();
    board.replaceChildren();
    board.setAttribute('aria-label', T.oskLabel);
    const numeric = field instanceof HTMLInputElement && field.type === 'number';
    const rows = numeric ? NUMBER_ROWS : TEXT_ROWS;
    for (const chars of rows) {
      const row = el('div', { class: 'osk-row' });
      for (const c of chars) {
        const shown = shifted ? c.toUpperCase() : c;
        row.append(
          key(shown, `osk-key-${c}`, () => {
            apply({ insert: shown });
            if (shifted) {
              shifted = false;
              render();
            }
          }),
        );
      }
      board.append(row);
    }
    const last = el('div', { class: 'osk-row' });
    if (!numeric) {
      last.append(
        key(shifted ? '⇧ ABC' : '⇧ abc', 'osk-shift', () => {
          shifted = !shifted;
          render();
        }),
        key(T.oskSpace, 'osk-space', () => apply({ insert: ' ' }), true),
      );
    }
    last.append(
      key('⌫', 'osk-back', () => apply('back')),
      key(T.oskDone, 'osk-done', () => {
        const f = field;
        hide();
        f?.dispatchEvent(new Event('change', { bubbles: true }));
        f?.blur();
      }),
    );
    board.append(last);
  };

  // A field touched is focused by that touch: the keys show for the field the last pointerdown was on
  // (or its label), not for a focus a keyboard's Tab or a script gave.
  let touched: { target: EventTarget | null; atMs: number } = { target: null, atMs: -Infinity };
  overlay.addEventListener('pointerdown', (e) => (touched = { target: e.target, atMs: performance.now() }), { capture: true });
  const byTouch = (f: Field): boolean => performance.now() - touched.atMs < 1000 && (touched.target === f || (touched.target instanceof HTMLLabelElement && touched.target.control === f));
  overlay.addEventListener('focusin', (e) => {
    const f = typedField(e.target);
    if (!f || !byTouch(f)) return hide();
    field = f;
    shifted = false;
    render();
    board.hidden = false;
    // Room under the last field, and the field in the middle of what the keys leave in view.
    overlay.style.paddingBottom = `${board.offsetHeight + 16}px`;
    const visible = window.innerHeight - board.offsetHeight;
    const box = f.getBoundingClientRect();
    if (box.top < 0 || box.bottom > visible) overlay.scrollBy(0, box.top - (visible - box.height) / 2);
  });
  overlay.addEventListener('focusout', (e) => {
    if (!typedField(e.relatedTarget)) hide();
  });
  // The overlay closed or redrawn under the field: the keys go with it.
  new MutationObserver(() => {
    if (field && (!field.isConnected || overlay.hidden)) hide();
  }).observe(overlay, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
}
