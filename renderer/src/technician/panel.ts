// Technician mode's overlay: the PIN pad, then the panel (an index of its
// sections, then the sections in order, each with its own message line) or
// a guard's decision. While it is unlocked an idle exit runs; when it goes
// away, everything the panel started stops and main locks the session.
import { technicianText, type KioskApi } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import { el } from './dom.js';
import { showGuardDecision, type GuardVerdict } from './guard-decision.js';
import type { PanelContext } from './panel-context.js';
import { refusalText } from './section.js';
import { showPinPad, type PinPadMode } from './pin-pad.js';
import { calibrationSection } from './sections/calibration.js';
import { clockSection } from './sections/clock.js';
import { devicesSection } from './sections/devices.js';
import { exportSection } from './sections/export.js';
import { gateSection } from './sections/gate.js';
import { policySection } from './sections/policy.js';
import { selfTestSection } from './sections/self-test.js';
import { settingsSection } from './sections/settings.js';
import { trustSection } from './sections/trust.js';
import { TestCardSightings } from './test-read.js';
import { EnrollmentOffer } from './enrollment-offer.js';
import { TEXT } from './text.js';

export class TechnicianOverlay {
  readonly element = el('div', { id: 'technician', 'data-testid': 'technician', role: 'dialog', 'aria-modal': 'true', hidden: '' });
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Main's idle limit, given with each unlock; this one until the first. */
  private idleMs = 120_000;
  /** What the open panel started (a camera, listeners, a test scan); null while none is open. */
  private releases: (() => void)[] | null = null;
  private watchingActivity = false;
  private readonly testCard = new TestCardSightings();

  constructor(
    private readonly kiosk: KioskApi,
    private readonly lang: () => Lang,
    /** The gate's time zone (a lockout's end is said in it). */
    private readonly timeZone: () => string,
  ) {}

  isOpen(): boolean {
    return !this.element.hidden;
  }

  /** The PIN pad; once main takes the PIN, `then` (the panel unless told otherwise). */
  askPin(then: () => Promise<void> | void = () => this.showPanel(), mode: PinPadMode = 'unlock'): void {
    showPinPad(this.element, {
      kiosk: this.kiosk,
      T: TEXT[this.lang()],
      mode,
      lang: this.lang(),
      timeZone: this.timeZone(),
      unlocked: async (idleMs) => {
        this.idleMs = idleMs;
        await then();
      },
      exit: this.close,
    });
  }

  /** A supervisor's PIN, then admit or deny the review with a reason. */
  override(checkId: string, decided: (verdict: GuardVerdict, role: string) => void): void {
    this.askPin(async () => {
      this.touch();
      // The gate's zone for any time a refusal names; the screen's settings carry it.
      const config = await this.kiosk.getConfig();
      const zone = config.ok ? config.value.timeZone : 'UTC';
      const lang = this.lang();
      showGuardDecision(this.element, { kiosk: this.kiosk, T: TEXT[lang], lang, refusal: (e) => refusalText(e, lang, zone), checkId, decided, exit: this.close });
    });
  }

  readonly close = (): void => {
    this.release();
    this.element.hidden = true;
    this.element.replaceChildren();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    void this.kiosk.technician.lock();
  };

  /** The idle exit is a countdown: time itself is what ends the session, so a timer it is. */
  private readonly touch = (): void => {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(this.close, this.idleMs);
  };

  private release(): void {
    const releases = this.releases;
    this.releases = null;
    for (const release of releases ?? []) release();
  }

  private async showPanel(): Promise<void> {
    const T = TEXT[this.lang()];
    const got = await this.kiosk.technician.state();
    // The session is gone (main's idle exit, or another screen's): the PIN again.
    if (!got.ok) return this.askPin();
    const state = got.value;
    this.release();
    const releases: (() => void)[] = [];
    this.releases = releases;
    this.element.replaceChildren();
    this.touch();
    // Any touch or key on the overlay is the technician still there; watched from the first panel on.
    if (!this.watchingActivity) {
      this.watchingActivity = true;
      this.element.addEventListener('pointerdown', this.touch);
      this.element.addEventListener('keydown', this.touch);
    }
    const timeZone = (): string => state.config.identity.timeZone;
    const ctx: PanelContext = {
      kiosk: this.kiosk,
      T,
      lang: this.lang,
      timeZone,
      words: (m) => technicianText(m, this.lang(), timeZone()),
      refusal: (e) => refusalText(e, this.lang(), timeZone()),
      touch: this.touch,
      whileOpen: (release) => {
        if (this.releases === releases) releases.push(release);
        else release();
      },
    };
    const enrollment = new EnrollmentOffer();
    const sections = [
      selfTestSection(ctx, this.testCard),
      settingsSection(ctx, state.config, enrollment),
      await devicesSection(ctx, state.config, this.testCard, enrollment),
      gateSection(ctx, state.config),
      calibrationSection(ctx, state.config.thermometer.calibration),
      policySection(ctx, state),
      trustSection(ctx, state.trust),
      clockSection(ctx),
      exportSection(ctx),
    ];
    const exit = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
    exit.addEventListener('click', this.close);
    const panel = el('div', { 'data-testid': 'tech-panel', class: 'tech-panel' });
    panel.append(el('h2', {}, `${T.title} · ${T.roles[state.role]}`), sectionIndex(T.index, sections), ...sections, exit);
    this.element.append(panel);
  }
}

/** The panel's index: one button per section, in order, that brings it into view (the panel is one long page on a touchscreen). */
function sectionIndex(title: string, sections: HTMLElement[]): HTMLElement {
  const nav = el('nav', { class: 'tech-index', 'data-testid': 'tech-index', 'aria-label': title });
  for (const section of sections) {
    const heading = section.dataset.title ?? section.id;
    const link = el('button', { type: 'button', 'data-testid': `tech-index-${section.id.replace(/^tech-sec-/, '')}` }, heading);
    link.addEventListener('click', () => section.scrollIntoView({ block: 'start' }));
    nav.append(link);
  }
  return nav;
}
