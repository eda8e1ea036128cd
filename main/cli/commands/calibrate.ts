// sentinel calibrate: a guided thermometer calibration from the command line.
import { REAL_BINDINGS } from '../../../drivers/bindings.js';
import { openSerialThermometer } from '../../../drivers/open-devices.js';
import { collectRawReadings, computeCalibration, CalibrationRefused } from '../../../drivers/thermometer/calibration.js';
import { PROTOCOLS } from '../../../drivers/thermometer/protocols/index.js';
import { recordIn } from '../../audit/audit.js';
import { ConfigStore } from '../../config/config-store.js';
import { DataDir } from '../../data-dir.js';
import type { CommandIo } from '../command-io.js';
import { ConfigError, EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';
import { PROTOCOL_NAMES, isProtocolName } from '../../contract/devices.js';

export const CALIBRATE_HELP = `usage: sentinel calibrate --port PATH --protocol ${PROTOCOL_NAMES.join('|')} --reference C --by NAME
                         [--baud N] [--readings N] [--timeout S] [--json] [--data DIR]

Aim the module at a reference (a blackbody, or a person just measured with a
clinical thermometer) whose temperature is --reference. Sentinel takes
--readings stable readings (default 3), computes the offset, refuses one
beyond ±1.5 °C (exit 1), and records who, when, the reference and the
readings in the kiosk configuration, due again in 30 days.`;

export async function calibrateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(
    args,
    {
      port: { type: 'string' },
      protocol: { type: 'string' },
      reference: { type: 'string' },
      by: { type: 'string' },
      baud: { type: 'string' },
      readings: { type: 'string' },
      timeout: { type: 'string' },
    },
    0,
  );
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(CALIBRATE_HELP + '\n');
    return EXIT.OK;
  }
  if (!values.port) throw new UsageError('calibrate needs --port PATH');
  if (!isProtocolName(values.protocol)) throw new UsageError(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}`);
  const referenceC = Number(values.reference);
  if (values.reference === undefined || !Number.isFinite(referenceC)) throw new UsageError('calibrate needs --reference C, the reference temperature');
  if (!values.by || values.by.trim() === '') throw new UsageError('calibrate needs --by NAME: who calibrates');
  const wanted = values.readings === undefined ? 3 : Number(values.readings);
  if (!Number.isInteger(wanted) || wanted < 3 || wanted > 50) throw new UsageError('--readings must be 3 to 50');
  const timeoutMs = (values.timeout === undefined ? 60 : Number(values.timeout)) * 1000;
  const dir = DataDir.open(common.dataDir, { create: true });
  const protocol = values.protocol;
  const baud = values.baud === undefined ? PROTOCOLS[protocol].defaultBaud : Number(values.baud);
  const thermo = openSerialThermometer({ path: values.port, protocol, baud, calibration: null }, REAL_BINDINGS, { clock: io.clock, remeasureAtC: null });
  let readings: number[];
  try {
    readings = await collectRawReadings(thermo, wanted, timeoutMs, (c, n) => {
      if (!common.json) io.err(`reading ${n}/${wanted}: ${c.toFixed(2)} °C\n`);
    }).catch((err: unknown) => {
      // Too few readings is the device's setup, not a refused calibration.
      throw err instanceof CalibrationRefused ? new ConfigError(err.message) : err;
    });
  } finally {
    thermo.close();
  }
  let result;
  try {
    result = computeCalibration({ referenceC, readingsC: readings, by: values.by, atMs: common.nowMs });
  } catch (err) {
    if (err instanceof CalibrationRefused) {
      recordIn(dir, 'calibration/refused', values.by, { port: values.port, referenceC, readingsC: readings, reason: err.message }, common.nowMs);
      io.err(`sentinel: calibration refused: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const store = new ConfigStore(dir);
  const config = store.load().config;
  const stored = store.save({ ...config, thermometer: { ...config.thermometer, path: values.port, protocol, calibration: result } }, common.nowMs);
  recordIn(
    dir,
    'calibration/done',
    values.by,
    { port: values.port, protocol, offsetC: result.offsetC, previousOffsetC: config.thermometer.calibration?.offsetC ?? null, referenceC, readingsC: result.readingsC, dueAtMs: result.dueAtMs },
    common.nowMs,
  );
  const summary = {
    offsetC: result.offsetC,
    referenceC,
    readingsC: result.readingsC,
    by: result.by,
    at: new Date(result.atMs).toISOString(),
    due: new Date(result.dueAtMs).toISOString(),
    revision: stored.revision,
  };
  io.out(
    common.json
      ? JSON.stringify(summary) + '\n'
      : `calibrated: offset ${result.offsetC >= 0 ? '+' : ''}${result.offsetC.toFixed(2)} °C (reference ${referenceC} °C), due again ${summary.due.slice(0, 10)}\n`,
  );
  return EXIT.OK;
}
