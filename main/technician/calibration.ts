// Guided calibration on the screen, against the running module: the
// technician holds it on a reference; the offset comes from its stable raw
// readings (drivers/thermometer/calibration.ts bounds it), is saved,
// audited, and applied to the live thermometer at once.
import { collectRawReadings, computeCalibration, CalibrationRefused } from '../../drivers/thermometer/calibration.js';
import type { Calibration } from '../contract/devices.js';
import { techMessage } from '../contract/technician-messages.js';
import { calibrationRefusal, CALIBRATION_TIMEOUT_MS } from './relayed-refusals.js';
import type { TechnicianContext } from './context.js';
import type { LiveThermometer } from './selftest.js';
import { TechnicianRefusal } from './session.js';

/** The live module as calibration needs it. */
export interface CalibratableThermometer extends LiveThermometer {
  /** False while what is there cannot be calibrated (a simulator, no module). */
  readonly calibratable?: boolean;
  onReading(listener: (r: { celsius: number; rawC?: number }) => void): () => void;
  /** The new offset takes effect on the next reading, without a restart. */
  setCalibration(c: Calibration): void;
}

/** Stable readings a screen calibration takes. */
const CALIBRATION_READINGS = 3;

export class ScreenCalibration {
  private running = false;

  constructor(
    private readonly c: TechnicianContext,
    private readonly thermometer: CalibratableThermometer | null | undefined,
  ) {}

  async calibrate(referenceC: number, by: string): Promise<{ offsetC: number; previousOffsetC: number | null; readingsC: number[]; dueAtMs: number }> {
    const role = this.c.session.require();
    const thermo = this.thermometer;
    if (!thermo || thermo.calibratable === false) throw new TechnicianRefusal('REFUSED', techMessage('calibrationNoModule', {}));
    if (this.running) throw new TechnicianRefusal('REFUSED', techMessage('calibrationRunning', {}));
    this.running = true;
    let readingsC: number[] = [];
    try {
      readingsC = await collectRawReadings(thermo, CALIBRATION_READINGS, CALIBRATION_TIMEOUT_MS);
      const now = this.c.clock();
      const result = computeCalibration({ referenceC, readingsC, by, atMs: now });
      const config = this.c.config.load().config;
      const previousOffsetC = config.thermometer.calibration?.offsetC ?? null;
      this.c.config.save({ ...config, thermometer: { ...config.thermometer, calibration: result } }, now);
      this.c.audit.record('calibration/done', role, { by, offsetC: result.offsetC, previousOffsetC, referenceC, readingsC: result.readingsC, dueAtMs: result.dueAtMs, on: 'screen' }, now);
      thermo.setCalibration({ offsetC: result.offsetC, by, atMs: now });
      this.c.changed(['thermometer.calibration']);
      return { offsetC: result.offsetC, previousOffsetC, readingsC: result.readingsC, dueAtMs: result.dueAtMs };
    } catch (err) {
      if (!(err instanceof CalibrationRefused)) throw err;
      this.c.audit.record('calibration/refused', role, { by, referenceC, readingsC, reason: err.message, on: 'screen' }, this.c.clock());
      throw new TechnicianRefusal('REFUSED', calibrationRefusal(err), `calibration refused: ${err.message}`);
    } finally {
      this.running = false;
      // Holding the module steady is activity: the session does not idle out under it.
      this.c.session.touch();
    }
  }
}
