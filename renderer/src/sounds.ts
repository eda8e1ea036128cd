// Each verdict heard as well as seen: a short spoken prompt in the
// traveller's language where the platform has a voice for it (as
// face-temperature terminals say "请通行"), otherwise distinct tones made
// with WebAudio (no files). Muted by the screen's sound setting.
import type { Lang } from '../../main/contract/messages.js';
import type { Verdict } from '../../main/contract/reasons.js';

const PATTERNS: Record<Verdict, { freq: number; ms: number }[]> = {
  admit: [{ freq: 1320, ms: 120 }],
  review: [
    { freq: 880, ms: 140 },
    { freq: 880, ms: 140 },
  ],
  deny: [{ freq: 330, ms: 600 }],
};

let ctx: AudioContext | null = null;

export function playVerdict(verdict: Verdict): void {
  try {
    ctx ??= new AudioContext();
    let at = ctx.currentTime;
    for (const { freq, ms } of PATTERNS[verdict]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = verdict === 'deny' ? 'square' : 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + ms / 1000);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + ms / 1000);
      at += ms / 1000 + 0.08;
    }
  } catch {
    // No audio device: the screen still says everything.
  }
}

/** A voice for `lang` if the platform has one (matched on the language, "zh" for "zh-CN"). */
function voiceFor(lang: Lang): SpeechSynthesisVoice | null {
  if (typeof speechSynthesis === 'undefined') return null;
  const base = lang.split('-')[0]!;
  const voices = speechSynthesis.getVoices();
  return voices.find((v) => v.lang.replace('_', '-') === lang) ?? voices.find((v) => v.lang.toLowerCase().startsWith(base)) ?? null;
}

/** Says the verdict's words (the tone first, so the queue hears it at once), or only the tone without a voice. */
export function announce(verdict: Verdict, words: Record<Lang, string>, lang: Lang): void {
  playVerdict(verdict);
  const voice = voiceFor(lang);
  if (!voice) return;
  try {
    // A new traveller's verdict replaces the last one's words, never queues behind them.
    speechSynthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(words[lang]);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = 1.1;
    speechSynthesis.speak(utterance);
  } catch {
    // Speech failed: the tone has played.
  }
}
