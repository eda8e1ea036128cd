// What "Chinese" means for a message on the technician's panel: it has CJK
// in it, and no sentence of Latin letters only. Identifiers a Chinese
// technician reads as they are stay allowed: PIN, USB, HID, °C, error codes,
// file paths, addresses, protocol names, and the sentinel commands to run.

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/** What is left of a segment once identifiers are taken out. */
function withoutIdentifiers(segment: string): string {
  return (
    segment
      // Commands a technician types on the console: "sentinel config set-pin", "sentinel demo-code --test-card --png".
      .replace(/sentinel(\s+-{0,2}[a-z][a-z-]*)+/g, ' ')
      .replace(/https?:\/\/\S+/g, ' ')
      // Paths and zones (/media/usb, Asia/Shanghai), and anything with a digit (gy-mcu90614, 0c2e:0b61, ISO times).
      .replace(/\S*[/\\]\S*/g, ' ')
      .replace(/\S*\d\S*/g, ' ')
      // Upper-case identifiers: PIN, USB, HID, CRLF, ENOENT, NOT_PHC, VID:PID.
      .replace(/\b[A-Z][A-Z_:]+\b/g, ' ')
      .replace(/\b(timedatectl|jws|https?|localhost|Ctrl|Alt|English)\b/g, ' ')
  );
}

/** The segments of `text` that are Latin-only sentences (two or more Latin words and no CJK). */
export function latinOnlySentences(text: string): string[] {
  return text
    .split(/[。！？；：，、\n]|[.!?;:](?=\s|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !hasCjk(s) && (withoutIdentifiers(s).match(/[A-Za-z]{2,}/g) ?? []).length >= 2);
}

/** Why `text` is not a Chinese message, or null when it is. */
export function notChinese(text: string): string | null {
  if (!hasCjk(text)) return `no CJK: ${text}`;
  const latin = latinOnlySentences(text);
  return latin.length > 0 ? `Latin-only sentence ${JSON.stringify(latin)} in: ${text}` : null;
}
