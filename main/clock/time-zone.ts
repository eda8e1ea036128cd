// The gate's own day: "today" on the screen starts at midnight where the
// kiosk stands, not where its machine's TZ variable happens to point.

function wallClockMs(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(atMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return ((get('hour') * 60 + get('minute')) * 60 + get('second')) * 1000 + (((atMs % 1000) + 1000) % 1000);
}

/** The instant the day containing `nowMs` began in `timeZone` (an IANA name). */
export function startOfDayMs(nowMs: number, timeZone: string): number {
  try {
    const guess = nowMs - wallClockMs(nowMs, timeZone);
    // A clock change (DST) between midnight and now leaves the guess off by
    // the change; one correction lands on midnight.
    const off = wallClockMs(guess, timeZone);
    return off === 0 ? guess : off > 12 * 3_600_000 ? guess + (86_400_000 - off) : guess - off;
  } catch {
    // Not a zone this runtime knows (the config validated it; a runtime without ICU data might not): the machine's own.
    const d = new Date(nowMs);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  }
}
