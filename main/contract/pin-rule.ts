// What makes a technician PIN acceptable, in one place: main refuses a weak
// PIN when it is set, and the PIN pad says so on the first entry (before the
// technician has typed it a second time). Pure: no crypto, no storage.

export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 12;

/** Why a PIN is refused: not 6–12 digits, one digit repeated, or a run like 123456 / 654321. */
export type PinWeakness = 'format' | 'repeated' | 'run';

export function pinWeakness(pin: string): PinWeakness | null {
  if (!new RegExp(`^\\d{${PIN_MIN_DIGITS},${PIN_MAX_DIGITS}}$`).test(pin)) return 'format';
  if (/^(\d)\1+$/.test(pin)) return 'repeated';
  // Runs wrap past 9 and 0 ("890123" is as guessable as "123456").
  if ('01234567890123'.includes(pin) || '98765432109876'.includes(pin)) return 'run';
  return null;
}
