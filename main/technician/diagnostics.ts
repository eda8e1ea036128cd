// What a technician looks at and tries without changing anything: the
// kiosk's state, the self-test, the devices plugged in, a test scan, the
// sync endpoint, the clock, and the diagnostics export.
import type { DeviceBindings } from '../../drivers/open-devices.js';
import { clockReportIn, jsonView } from '../clock/clock-recovery.js';
import type { ThermometerCounters } from '../contract/devices.js';
import { redacted } from '../contract/kiosk-config.js';
import type { DeviceList, RemovableDriveView } from '../contract/ipc.js';
import { TEST_CARD_TEXT, type CheckView, type ClockView, type CodeTest, type DeviceChoices, type ScannerTestResult, type TechnicianState } from '../contract/kiosk.js';
import { techMessage, type GateTestOutcome, type SelfTestLine, type TechnicianMessage } from '../contract/technician-messages.js';
import type { TrustedIssuerInfo } from '../contract/trust.js';
import type { TechnicianContext } from './context.js';
import type { ExportRefused } from './export.js';
import { bundleFilesOn, onRemovableDrive, removableDrives, SYSTEM_DRIVE_RULE, type DriveRule } from './removable-drives.js';
import { selfTestIn, syncProbeIn, type LiveThermometer, type SyncProbe } from './selftest.js';
import { TechnicianRefusal } from './session.js';

/** The kiosk's scans, for a technician's scanner and camera tests (nothing is logged). */
export interface TestScans {
  /** How many scanners main reads (serial, HID). */
  scanners(): number;
  capture(ms: number): Promise<{ text: string; symbology: string | null } | null>;
  tryCode(text: string, source: 'scanner' | 'camera'): Promise<CheckView>;
}

/** The kiosk's gate, for a technician's Test open (the kiosk audits it). */
export interface TestGate {
  testOpen(actor: string): Promise<{ outcome: GateTestOutcome; detail: string }>;
}

export interface DiagnosticsOptions {
  scans?: TestScans;
  gate?: TestGate;
  exportTo?: (dir: string) => Promise<{ folder: string; checks: number }>;
  /** What is plugged in (serial ports, HID devices), for the device pickers. */
  discoverDevices?: () => Promise<DeviceChoices>;
  /** The kiosk's own thermometer: its driver's counters are read rather than the port opened twice. */
  thermometer?: LiveThermometer | null;
  /** Where devices open in this process (the browser shell): the self-test may open a port the kiosk is not holding. */
  deviceBindings?: () => DeviceBindings;
  /** Which mounts are removable drives (an export goes only to one); the system's mount table unless tests give another. */
  drives?: DriveRule;
}

const isoOrNull = (t: number | null): string | null => (t === null ? null : new Date(t * 1000).toISOString().slice(0, 10));

/** Each issuer's keys with their validity, as the technician's trust view lists them. */
function trustKeys(issuers: TrustedIssuerInfo[]): NonNullable<TechnicianState['trust']>['keys'] {
  return issuers.flatMap((i) => [
    ...i.keys.map((k) => ({ issuer: i.id, format: i.format, kid: k.kid, alg: k.alg, validFrom: isoOrNull(k.nbf), validUntil: isoOrNull(k.exp), revoked: i.revoked.includes(k.kid) })),
    // A DCC country's keys are its signer certificates, valid as the certificate says.
    ...(i.certificates ?? []).map((c) => ({ issuer: i.id, format: i.format, kid: c.kid, alg: c.alg, validFrom: c.notBefore, validUntil: c.notAfter, revoked: i.revoked.includes(c.kid) })),
  ]);
}

export class TechnicianDiagnostics {
  constructor(
    private readonly c: TechnicianContext,
    private readonly opts: DiagnosticsOptions,
  ) {}

  async state(): Promise<TechnicianState> {
    const role = this.c.session.require('supervisor');
    const now = this.c.clock();
    const policy = this.c.policy.load();
    const trust = await this.c.trust.load(now / 1000).catch(() => null);
    return {
      role,
      config: redacted(this.c.config.load().config),
      policy: policy.policy as unknown as Record<string, unknown>,
      policyVersion: policy.version,
      trust: trust
        ? {
            seq: trust.info.seq,
            iss: trust.info.iss,
            ageDays: Math.round(((now / 1000 - trust.info.iat) / 86_400) * 10) / 10,
            expiresAt: new Date(trust.info.exp * 1000).toISOString(),
            issuers: trust.info.issuers.map((i) => i.id),
            keys: trustKeys(trust.info.issuers),
          }
        : null,
    };
  }

  /** Opens the gate once for no check, as the technician's Test open. */
  async testGate(): Promise<{ confirmed: boolean; says: TechnicianMessage }> {
    const role = this.c.session.require();
    const test = this.opts.gate ? await this.opts.gate.testOpen(role) : { outcome: 'noGate' as const };
    return { confirmed: test.outcome === 'opened', says: techMessage('gateTested', { outcome: test.outcome }) };
  }

  /** The self-test of the kiosk as it runs: its own thermometer and scanners, whatever started them. */
  async selftest(): Promise<SelfTestLine[]> {
    this.c.session.require();
    const scans = this.opts.scans;
    // The kiosk's own thermometer holds the port: its driver's counters are read instead.
    const items = await selfTestIn(this.c.dir, this.c.clock(), {
      thermometerSeconds: 1,
      ...(this.opts.thermometer ? { liveThermometer: this.opts.thermometer } : {}),
      ...(scans ? { liveScanners: () => scans.scanners() } : {}),
      ...(this.opts.deviceBindings ? { bindings: this.opts.deviceBindings } : {}),
    });
    return items.map(({ check, state, says }) => ({ check, state, says }));
  }

  /**
   * "Test scan": waits for the next code from a serial or HID scanner and
   * shows what the checkpoint would decide. The scan is not a check: it is
   * neither logged nor counted.
   */
  async scannerTest(seconds: number): Promise<ScannerTestResult> {
    this.c.session.require();
    const scans = this.opts.scans;
    if (seconds === 0) {
      await scans?.capture(0);
      return { received: false, scanners: scans?.scanners() ?? 0 };
    }
    if (!scans || scans.scanners() === 0) throw new TechnicianRefusal('REFUSED', techMessage('noMainScanner', {}));
    const scan = await scans.capture(seconds * 1000);
    this.c.session.touch();
    if (!scan) return { received: false, scanners: scans.scanners() };
    return { received: true, symbology: scan.symbology, ...(await this.codeTest(scan.text, 'scanner')) };
  }

  /** A scanner test left waiting would swallow the next traveller's scan: it stops when the session does. */
  stopScannerTest(): void {
    void this.opts.scans?.capture(0);
  }

  /** The camera test on the devices panel: the test card, or what the checkpoint would decide of the code read, unlogged. */
  async tryCode(text: string): Promise<CodeTest> {
    this.c.session.require();
    return this.codeTest(text, 'camera');
  }

  private async codeTest(text: string, source: 'scanner' | 'camera'): Promise<CodeTest> {
    if (text.trim() === TEST_CARD_TEXT) return { testCard: true, length: text.length };
    if (!this.opts.scans) throw new TechnicianRefusal('REFUSED', techMessage('checkpointUnavailable', {}));
    return { testCard: false, length: text.length, view: await this.opts.scans.tryCode(text, source) };
  }

  thermometerCounters(): ThermometerCounters | null {
    this.c.session.require();
    const counters = this.opts.thermometer?.counters;
    return counters ? { frames: counters.frames, checksumFailures: counters.checksumFailures, resyncs: counters.resyncs, droppedBytes: counters.droppedBytes } : null;
  }

  /** What is plugged in; what could not be listed is said (the drivers' own note kept for the English panel). */
  async devices(): Promise<DeviceList> {
    this.c.session.require();
    if (!this.opts.discoverDevices) return { serial: [], hid: [], notes: [techMessage('discoveryUnavailable', {})] };
    const found: DeviceChoices = await this.opts.discoverDevices();
    return { serial: found.serial, hid: found.hid, notes: found.notes.map((note) => techMessage('discoveryIncomplete', { note })) };
  }

  /** "Test connection": probes an endpoint before (or after) it is saved. */
  async testSync(endpoint: string): Promise<SyncProbe> {
    this.c.session.require();
    return syncProbeIn(this.c.dir, endpoint, this.c.log, this.c.clock());
  }

  private get driveRule(): DriveRule {
    return this.opts.drives ?? SYSTEM_DRIVE_RULE;
  }

  /** The removable drives mounted now, each with the trust bundle files on it. */
  drives(): RemovableDriveView[] {
    this.c.session.require();
    return removableDrives(this.driveRule).map((d) => ({ path: d.mountPoint, device: d.device, bundleFiles: bundleFilesOn(d) }));
  }

  /**
   * The diagnostics and the log to a folder on a removable drive: a folder
   * on the kiosk's own disk would fill it and leave with nobody.
   */
  async exportTo(dir: string): Promise<{ folder: string; checks: number }> {
    this.c.session.require();
    if (!this.opts.exportTo) throw new TechnicianRefusal('REFUSED', techMessage('exportUnavailable', {}));
    const target = onRemovableDrive(dir, this.driveRule);
    if (!target.ok) throw new TechnicianRefusal('REFUSED', target.problem === 'no-drive' ? techMessage('exportNoDrive', {}) : techMessage('exportNotRemovable', { dir }));
    try {
      return await this.opts.exportTo(dir);
    } catch (err) {
      // By name: the export's module is loaded when an export runs, not with the kiosk.
      if ((err as Error).name === 'ExportRefused') throw new TechnicianRefusal('REFUSED', techMessage('exportCannotWrite', { dir, code: (err as ExportRefused).code }));
      throw err;
    }
  }

  /** What the kiosk knows of the time: the clock, the floor, each source's evidence, what was refused. */
  async clock(): Promise<ClockView> {
    this.c.session.require();
    return jsonView(await clockReportIn(this.c.dir, this.c.log, this.c.clock()));
  }
}
