// What a technician changes on the screen: settings, the policy, the trust
// bundle, the clock's floor and the clock; and a supervisor's override of a
// review. Each is validated, applied whole or not at all, and audited.
import { calculateJwkThumbprint } from 'jose';
import { ClockSetFailed, clockReportIn, FloorResetRefused, jsonView, resetFloorIn, setClockIn, type ClockRunner } from '../clock/clock-recovery.js';
import { ConfigValueError } from '../contract/kiosk-config.js';
import type { ClockView, FloorTarget, SettingUpdate, TechnicianRole } from '../contract/kiosk.js';
import { PolicyRefused } from '../policy/policy-store.js';
import { MAX_BUNDLE_FILE_BYTES, MAX_ROOT_FILE_BYTES, readSmallRegularFile, UnreadableFile } from '../trust/bundle-file.js';
import { readRootKeys } from '../trust/trust-store.js';
import { BundleRefused, type PinnedRoot } from '../verify/trust.js';
import { OVERRIDE_PRESET_LABELS, techMessage, type EnrollProblem, type OverrideReason, type TechnicianMessage } from '../contract/technician-messages.js';
import { parseEnrollmentText } from '../contract/enrollment.js';
import { enrollWith } from '../sync/enroll.js';
import type { TechnicianContext } from './context.js';
import { bundleRefusal, clockSetRefusal, fileRefusal, floorRefusal, policyRefusal, settingRefusal } from './relayed-refusals.js';
import { TechnicianRefusal } from './session.js';

export class TechnicianChanges {
  constructor(
    private readonly c: TechnicianContext,
    /** Runs timedatectl to set the system clock (tests inject a fake). */
    private readonly clockRunner?: ClockRunner,
  ) {}

  /**
   * A technician's form: every value is validated before any is saved, the
   * lot is one revision, each changed value is audited, and the running
   * kiosk applies them at once (screen, devices, sync).
   */
  updateConfig(changes: SettingUpdate[]): { revision: number; changed: { key: string; before: unknown; after: unknown }[] } {
    const role = this.c.session.require();
    const now = this.c.clock();
    try {
      const { changes: changed, stored } = this.c.config.update(changes, now);
      for (const ch of changed) this.c.audit.record('config/changed', role, { key: ch.key, before: ch.before, after: ch.after, revision: stored.revision }, now);
      if (changed.length > 0) this.c.changed(changed.map((ch) => ch.key));
      return { revision: stored.revision, changed };
    } catch (err) {
      if (err instanceof ConfigValueError) throw new TechnicianRefusal('REFUSED', settingRefusal(err), err.message);
      throw err;
    }
  }

  setPolicy(policy: Record<string, unknown>): { version: number } {
    const role = this.c.session.require();
    const before = this.c.policy.load().policy;
    try {
      const installed = this.c.policy.set(JSON.stringify(policy), this.c.clock());
      this.c.audit.record('policy/set', role, { version: installed.version, before, after: installed.policy }, this.c.clock());
      this.c.changed(['policy']);
      return { version: installed.version };
    } catch (err) {
      if (err instanceof PolicyRefused) {
        this.c.audit.record('policy/refused', role, { field: err.field, reason: err.message }, this.c.clock());
        throw new TechnicianRefusal('REFUSED', policyRefusal(err), err.message);
      }
      throw err;
    }
  }

  /**
   * Imports a bundle from a file (the USB stick) through the checks of
   * `sentinel trust install`. Pinning a new root needs its fingerprint typed
   * in: the first 12 characters of its RFC 7638 thumbprint, read off the
   * trust operator's letter — a stick alone cannot change whom the kiosk trusts.
   */
  /**
   * Enrolls this kiosk with a central service from the enrollment QR's text
   * (or "URL TOKEN" typed): the device key sent, the service's key pinned,
   * the sync endpoint set and applied at once — as `sentinel enroll` does.
   */
  async enroll(code: string): Promise<{ enrolled: boolean; says: TechnicianMessage }> {
    const role = this.c.session.require();
    const typed = code.trim().split(/\s+/);
    const e = parseEnrollmentText(code) ?? (typed.length === 2 && /^https?:\/\//.test(typed[0]!) ? { url: typed[0]!, token: typed[1]! } : null);
    const refused = (problem: EnrollProblem, detail = ''): { enrolled: false; says: TechnicianMessage } => ({ enrolled: false, says: techMessage('enrollRefused', { problem, detail }) });
    if (!e) return refused('notACode');
    let outcome;
    try {
      outcome = await enrollWith(this.c.dir, e.url, e.token, { clock: this.c.clock, audit: (detail) => this.c.audit.record('config/changed', role, detail, this.c.clock()) });
    } catch (err) {
      if ((err as Error).name === 'EndpointRefused' || err instanceof ConfigValueError) return refused('url', (err as Error).message);
      throw err;
    }
    this.c.session.touch();
    if (outcome.kind === 'refused') return refused('refused', outcome.reason);
    if (outcome.kind === 'unavailable') return refused('unreachable', outcome.reason);
    this.c.changed(['sync.endpoint']);
    return { enrolled: true, says: techMessage('enrolled', { endpoint: outcome.endpoint, receipts: outcome.serviceKey !== null }) };
  }

  async importTrust(bundlePath: string, rootPath?: string, fingerprint?: string): Promise<{ seq: number; pinnedRoots: string[] }> {
    const role = this.c.session.require();
    const now = this.c.clock();
    // A path typed on the screen may name a FIFO, a device or a huge file: only a bounded regular file is read.
    const read = async (file: string, what: 'bundle' | 'rootKey', maxBytes: number): Promise<string> => {
      try {
        return await readSmallRegularFile(file, what === 'bundle' ? 'bundle' : 'root key', maxBytes);
      } catch (err) {
        if (!(err instanceof UnreadableFile)) throw err;
        this.c.audit.record('trust/refused', role, { bundlePath, rootPath: rootPath ?? null, problem: err.problem, reason: err.message }, now);
        throw new TechnicianRefusal('REFUSED', fileRefusal(err, what), err.message);
      }
    };
    const jws = await read(bundlePath, 'bundle', MAX_BUNDLE_FILE_BYTES);
    let newRoots: PinnedRoot[] = [];
    if (rootPath) {
      try {
        newRoots = await readRootKeys(await read(rootPath, 'rootKey', MAX_ROOT_FILE_BYTES), rootPath);
      } catch (err) {
        if (err instanceof TechnicianRefusal) throw err;
        this.c.audit.record('trust/refused', role, { bundlePath, rootPath, problem: 'root-key', reason: (err as Error).message }, now);
        throw new TechnicianRefusal('REFUSED', techMessage('rootKeyUnusable', {}), (err as Error).message);
      }
      for (const root of newRoots) {
        const thumbprint = await calculateJwkThumbprint(root.jwk, 'sha256');
        if (!fingerprint || fingerprint.trim() !== thumbprint.slice(0, 12)) {
          this.c.audit.record('trust/refused', role, { bundlePath, rootPath, problem: 'fingerprint', reason: 'the typed fingerprint does not match the root key' }, now);
          throw new TechnicianRefusal('REFUSED', techMessage('rootFingerprintNeeded', { kid: root.kid }));
        }
      }
    }
    try {
      const snap = await this.c.trust.install(jws, { nowS: now / 1000, newRoots });
      this.c.audit.record('trust/installed', role, { bundlePath, seq: snap.info.seq, rootKid: snap.info.rootKid, pinnedRoots: newRoots.map((r) => r.kid) }, now);
      this.c.changed(['trust']);
      return { seq: snap.info.seq, pinnedRoots: newRoots.map((r) => r.kid) };
    } catch (err) {
      const reason = (err as Error).message;
      this.c.audit.record('trust/refused', role, { bundlePath, problem: err instanceof BundleRefused ? err.problem : 'unusable', reason }, now);
      throw new TechnicianRefusal('REFUSED', bundleRefusal(err instanceof BundleRefused ? err.problem : null), `bundle refused: ${reason}`);
    }
  }

  /**
   * A guard supervisor (or technician) overrides a review verdict to admit
   * or deny, with a reason: one of the presets, or "other" in the guard's
   * words. The decision record is never changed: the override is an audit
   * event of its own, pointing at the check. The audit keeps the reason as
   * a sentence (a preset in English, the log's language) and which preset.
   */
  override(checkId: string, verdict: 'admit' | 'deny', reason: OverrideReason): { checkId: string; verdict: 'admit' | 'deny'; role: TechnicianRole } {
    const role = this.c.session.require('supervisor');
    const check = this.c.log.findCheck(checkId);
    if (!check) throw new TechnicianRefusal('REFUSED', techMessage('checkNotFound', {}));
    if (check.verdict !== 'review') throw new TechnicianRefusal('REFUSED', techMessage('overrideOnlyReview', { verdict: check.verdict }));
    // One decision per traveller: a second override would leave two answers.
    if (this.c.log.overrideOf(checkId)) throw new TechnicianRefusal('REFUSED', techMessage('overrideAlreadyDecided', {}));
    const said = reason.preset === 'other' ? reason.text : OVERRIDE_PRESET_LABELS[reason.preset].en;
    this.c.audit.record('override', role, { checkId, originalVerdict: check.verdict, reasons: check.reasons, verdict, reason: said, reasonPreset: reason.preset }, this.c.clock());
    // An override is one act: the session ends with it.
    this.c.session.end();
    return { checkId, verdict, role };
  }

  /**
   * Lowers the time floor to one source's evidence, or to the clock as it
   * reads now (the technician vouches for it): the way back from a floor
   * poisoned before evidence was checked. Audited with before and after.
   */
  async resetClockFloor(to: FloorTarget): Promise<ClockView> {
    const role = this.c.session.require();
    try {
      return jsonView((await resetFloorIn(this.c.dir, this.c.log, to, this.c.clock(), role)).after);
    } catch (err) {
      if (err instanceof FloorResetRefused) throw new TechnicianRefusal('REFUSED', floorRefusal(err), err.message);
      throw err;
    }
  }

  /** Sets the system clock (a kiosk allowed to, through timedatectl), audited; with resetFloor the floor follows it. */
  async setClock(atIso: string, resetFloor: boolean): Promise<ClockView> {
    const role = this.c.session.require();
    const targetMs = Date.parse(atIso);
    try {
      await setClockIn(this.c.dir, targetMs, { log: this.c.log, fromMs: this.c.clock(), actor: role, resetFloor, ...(this.clockRunner ? { runner: this.clockRunner } : {}) });
    } catch (err) {
      if (err instanceof ClockSetFailed) throw new TechnicianRefusal('REFUSED', clockSetRefusal(err), err.message);
      throw err;
    }
    return jsonView(await clockReportIn(this.c.dir, this.c.log, targetMs));
  }
}
