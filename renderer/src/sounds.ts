// Distinct sounds for admit, review and deny, made with WebAudio (no files).
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
