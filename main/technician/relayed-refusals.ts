// What the stores' refusals say on the technician's panel. The configuration,
// the policy, the trust store, the clock and the calibration arithmetic
// refuse in English sentences (for the CLI and the logs) and carry what
// they refuse (a setting's key, a policy field, a bundle's problem); here
// each becomes a message of the catalog. Where only the sentence tells the
// rule apart, it is matched, and test/technician/technician-messages.test.ts
// holds every sentence the stores write to a match.
import type { CalibrationRefused } from '../../drivers/thermometer/calibration.js';
import type { ConfigValueError } from '../contract/kiosk-config.js';
import { techMessage, type BundleRefusal, type SettingProblem, type TechnicianMessage } from '../contract/technician-messages.js';
import type { ClockSetFailed, FloorResetRefused } from '../clock/clock-recovery.js';
import type { PolicyRefused } from '../policy/policy-store.js';
import type { UnreadableFile } from '../trust/bundle-file.js';
import type { BundleProblem } from '../verify/trust.js';

/** A gate field's own rule, or (the sentence tells) a rule between the gate's settings (devices.ts gateSettingsOf). */
const gateRule =
  (own: SettingProblem, together: readonly [RegExp, SettingProblem][]) =>
  (m: string): SettingProblem =>
    together.find(([pattern]) => pattern.test(m))?.[1] ?? own;
const needsOsdp: [RegExp, SettingProblem] = [/needs the osdp driver/, 'needsOsdp'];

/** The rule each setting is held to; the sync address has three, told apart by the sentence, and so have some of the gate's. */
const SETTING_RULES: Record<string, SettingProblem | ((message: string) => SettingProblem)> = {
  'identity.gate': 'tooLong',
  'identity.station': 'tooLong',
  'identity.timeZone': 'timeZone',
  'screen.operatorLang': 'language',
  'screen.holderLangs': 'languages',
  'screen.resultSeconds': 'seconds',
  'screen.sound': 'yesNo',
  'camera.deviceId': 'tooLong',
  'thermometer.path': 'tooLong',
  'thermometer.protocol': 'protocol',
  'thermometer.baud': 'baud',
  'scanner.serialPath': 'tooLong',
  'scanner.terminator': 'terminator',
  'scanner.hid': 'hid',
  'sync.endpoint': (m) => (/user name or password/.test(m) ? 'credentials' : /https|http\(s\)/.test(m) ? 'https' : 'url'),
  'gate.driver': 'choice',
  'gate.path': gateRule('serialPort', [[/must name the serial port/, 'portNeeded']]),
  'gate.hid': 'relayHid',
  'gate.hidSerial': 'boardSerial',
  'gate.channel': 'relay',
  'gate.address': 'osdpAddress',
  'gate.output': 'inputNumber',
  'gate.baud': gateRule('gateBaud', [[/one OSDP allows/, 'osdpBaud']]),
  'gate.pulseMs': 'pulseMs',
  'gate.mode': 'choice',
  'gate.openSeconds': 'openSeconds',
  'gate.passSeconds': 'seconds',
  'gate.passageSensor': gateRule('choice', [needsOsdp]),
  'gate.passageInput': 'inputNumber',
  'gate.passageLine': 'choice',
  'gate.passagePath': gateRule('serialPort', [
    [/must name the serial port/, 'portNeeded'],
    [/must be another port/, 'samePort'],
  ]),
  'gate.passageNormallyClosed': 'yesNo',
  'gate.emergency': gateRule('choice', [needsOsdp]),
  'gate.emergencyInput': gateRule('inputNumber', [[/must be another input/, 'sameInput']]),
  'gate.emergencyNormallyClosed': 'yesNo',
  'gate.freePassage': 'yesNo',
};

export function settingRefusal(err: ConfigValueError): TechnicianMessage {
  const rule = Object.hasOwn(SETTING_RULES, err.key) ? SETTING_RULES[err.key] : undefined;
  const problem = rule === undefined || /set by its own command|is not a setting/.test(err.message) ? 'notSettable' : typeof rule === 'function' ? rule(err.message) : rule;
  return techMessage('settingRefused', { setting: err.key, problem });
}

export function policyRefusal(err: PolicyRefused): TechnicianMessage {
  const m = err.message;
  const field = err.field;
  const range = /must be between (-?[\d.]+) and (-?[\d.]+)/.exec(m);
  if (range) return techMessage('policyRefused', { field, problem: 'range', min: Number(range[1]), max: Number(range[2]) });
  if (/must be a whole number/.test(m)) return techMessage('policyRefused', { field, problem: 'wholeNumber' });
  if (/must be a number/.test(m)) return techMessage('policyRefused', { field, problem: 'number' });
  if (/"admit", "review" or "deny"/.test(m)) return techMessage('policyRefused', { field, problem: 'verdict' });
  if (/"required", "optional" or "off"/.test(m)) return techMessage('policyRefused', { field, problem: 'temperatureRule' });
  if (field.startsWith('acceptIssuers')) return techMessage('policyRefused', { field, problem: 'issuers' });
  if (field.startsWith('acceptFormats') || field.startsWith('dccAccept')) return techMessage('policyRefused', { field, problem: 'choices' });
  if (/is not a policy field/.test(m)) return techMessage('policyRefused', { field, problem: 'unknownField' });
  return techMessage('policyRefused', { field, problem: 'document' });
}

/** Every problem the trust store names, to the panel's words (a problem added there does not compile here until it is worded). */
const BUNDLE_REFUSALS: Record<BundleProblem, BundleRefusal> = {
  malformed: 'malformed',
  'forbidden-header': 'forbidden-header',
  'foreign-root': 'foreign-root',
  'bad-signature': 'bad-signature',
  'private-key': 'private-key',
  'bad-key': 'bad-key',
  expired: 'expired',
  rollback: 'rollback',
};

export function bundleRefusal(problem: BundleProblem | null): TechnicianMessage {
  return techMessage('bundleRefused', { problem: problem === null ? 'unusable' : BUNDLE_REFUSALS[problem] });
}

export function fileRefusal(err: UnreadableFile, what: 'bundle' | 'rootKey'): TechnicianMessage {
  return techMessage('fileUnreadable', { what, file: err.file, problem: err.problem });
}

export function floorRefusal(err: FloorResetRefused): TechnicianMessage {
  const source = /installed trust bundle/.test(err.message) ? 'bundle' : /server evidence/.test(err.message) ? 'server' : 'checks';
  return techMessage('floorNoEvidence', { source });
}

export function clockSetRefusal(err: ClockSetFailed): TechnicianMessage {
  const problem = err.permission ? 'permission' : /not installed/.test(err.message) ? 'notInstalled' : /automatic time synchronization/i.test(err.message) ? 'ntp' : 'other';
  return techMessage('clockSetFailed', { problem });
}

/** How long a screen calibration waits for its readings (the driver's "within N s" says the same). */
export const CALIBRATION_TIMEOUT_MS = 30_000;

/** The calibration arithmetic's refusal (drivers/thermometer/calibration.ts); one not matched is a refusal of the reference. */
export function calibrationRefusal(err: CalibrationRefused): TechnicianMessage {
  const m = err.message;
  const within = /^only (\d+) of (\d+) stable readings within (\d+) s/.exec(m);
  if (within) return techMessage('calibrationRefused', { problem: 'tooFew', got: Number(within[1]), wanted: Number(within[2]), seconds: Number(within[3]) });
  const needed = /at least (\d+) stable readings are needed, got (\d+)/.exec(m);
  if (needed) return techMessage('calibrationRefused', { problem: 'tooFew', got: Number(needed[2]), wanted: Number(needed[1]), seconds: CALIBRATION_TIMEOUT_MS / 1000 });
  const spread = /readings spread (-?[\d.]+) °C/.exec(m);
  if (spread) return techMessage('calibrationRefused', { problem: 'spread', spreadC: Number(spread[1]) });
  const off = /is (-?[\d.]+) °C off/.exec(m);
  if (off) return techMessage('calibrationRefused', { problem: 'offset', offsetC: Number(off[1]) });
  if (/who did it/.test(m)) return techMessage('calibrationRefused', { problem: 'by' });
  return techMessage('calibrationRefused', { problem: 'reference' });
}
