// sentinel clock show | reset-floor --to SOURCE | set ISO-TIME [--reset-floor]
import { cliActor } from '../../audit/audit.js';
import {
  ClockSetFailed,
  FloorResetRefused,
  FLOOR_TARGETS,
  auditView,
  clockReportIn,
  isFloorTarget,
  jsonView,
  resetFloorIn,
  setClockIn,
  type ClockReport,
  type ClockRunner,
  type FloorReset,
  withClockLog,
} from '../../clock/clock-recovery.js';
import { RECORDED_SOURCES } from '../../clock/time-evidence.js';
import { DataDir } from '../../data-dir.js';
import type { CommandIo } from '../command-io.js';
import { ConfigError, EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand, parseIsoTime } from '../options.js';

export const CLOCK_HELP = `usage: sentinel clock show [--json] [--data DIR] [--at ISO]
       sentinel clock reset-floor --to bundle|checks|server|now [--json] [--data DIR] [--at ISO]
       sentinel clock set ISO-TIME [--reset-floor] [--json] [--data DIR]

show prints the kiosk's clock, the time floor (spec §4) and the source it
comes from, each source's evidence and when it was recorded (the installed
bundle's issue time; the central service's time from its last good answer;
the newest check logged at the kiosk's trusted clock within a day of those
two), whether the clock is trusted, and evidence refused as far ahead.
reset-floor lowers the floor to one source's evidence, discarding the other
sources' evidence above it, or to the kiosk's clock (--to now); audited with
before and after. The floor never goes below the installed bundle's issue time.
set sets the system clock (timedatectl set-time; ISO-TIME must name its zone,
e.g. 2026-11-29T08:00:00Z), audited; with --reset-floor the floor is then
lowered to the new time. Exit 78 when the clock may not be set here, or a
source has no evidence to lower to.`;

const ISO_WITH_ZONE = /([Zz]|[+-]\d{2}:?\d{2})$/;

function iso(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? 'none' : new Date(ms).toISOString();
}

function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

function describe(r: ClockReport): string {
  const lines = [
    `kiosk clock   ${iso(r.nowMs)}  ${r.trusted ? 'trusted' : `UNTRUSTED: ${span(r.behindMs)} behind the floor`} (skew ${r.skewSeconds} s)`,
    `time floor    ${iso(r.floorMs)}${r.floorSource ? `  from ${r.floorSource}` : ''}${r.floorSource === 'checks' ? ' (the kiosk\'s own clock: "too late" is judged at the bundle or server evidence)' : ''}`,
    'evidence',
    `  bundle      ${r.evidence.bundle ? `${iso(r.evidence.bundle.ms)}  the installed bundle's issue time (seq ${r.evidence.bundle.seq})` : 'none (no trust bundle installed)'}`,
    `  checks      ${r.evidence.checks ? `${iso(r.evidence.checks.ms)}  recorded ${iso(r.evidence.checks.recordedAtMs)}` : 'none'}`,
    `  server      ${r.evidence.server ? `${iso(r.evidence.server.ms)}  recorded ${iso(r.evidence.server.recordedAtMs)}` : 'none'}`,
  ];
  const refused = RECORDED_SOURCES.filter((s) => r.refused[s]);
  if (refused.length > 0) {
    lines.push('refused (far ahead; not counted)');
    for (const s of refused) {
      const x = r.refused[s]!;
      lines.push(`  ${s.padEnd(10)}  ${iso(x.ms)}  last refused ${iso(x.atMs)}, ${x.count} time${x.count === 1 ? '' : 's'}`);
    }
  }
  if (r.legacyMs !== null) lines.push(`legacy floor  ${iso(r.legacyMs)}  (kept by an older version from any answer's Date; not counted)`);
  if (!r.trusted) lines.push('the clock is behind the floor: set it (sentinel clock set ISO-TIME), or if the floor is wrong, lower it (sentinel clock reset-floor --to …)');
  return lines.join('\n') + '\n';
}

function describeReset(r: FloorReset): string {
  return `time floor ${iso(r.before.floorMs)} (${r.before.floorSource ?? 'none'}) → ${iso(r.after.floorMs)} (${r.after.floorSource ?? 'none'}); clock ${r.after.trusted ? 'trusted' : `still UNTRUSTED: ${span(r.after.behindMs)} behind the floor`}\n`;
}

function resetJson(r: FloorReset): Record<string, unknown> {
  return { to: r.to, target: new Date(r.targetMs).toISOString(), before: auditView(r.before), after: auditView(r.after) };
}

export async function clockCommand(args: string[], io: CommandIo, deps: { runner?: ClockRunner } = {}): Promise<number> {
  const { values, positionals } = parseCommand(args, { to: { type: 'string' }, 'reset-floor': { type: 'boolean' } }, 2);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(CLOCK_HELP + '\n');
    return EXIT.OK;
  }
  const [verb, arg] = positionals;
  if (verb !== 'set' && arg !== undefined) throw new UsageError(`unexpected argument "${arg}"`);
  if (verb !== 'reset-floor' && values.to !== undefined) throw new UsageError('--to goes with reset-floor');
  if (verb !== 'set' && values['reset-floor']) throw new UsageError('--reset-floor goes with set');

  if (verb === 'show') {
    const report = await withClockLog(common.dataDir, (dir, log) => clockReportIn(dir, log, common.nowMs));
    io.out(common.json ? JSON.stringify(jsonView(report)) + '\n' : describe(report));
    return EXIT.OK;
  }
  if (verb === 'reset-floor') {
    if (!isFloorTarget(values.to)) throw new UsageError(`reset-floor needs --to ${FLOOR_TARGETS.join('|')}`);
    let reset: FloorReset;
    try {
      const to = values.to;
      reset = await withClockLog(common.dataDir, (dir, log) => resetFloorIn(dir, log, to, common.nowMs, cliActor()));
    } catch (err) {
      if (err instanceof FloorResetRefused) throw new ConfigError(err.message);
      throw err;
    }
    io.out(common.json ? JSON.stringify(resetJson(reset)) + '\n' : describeReset(reset));
    return EXIT.OK;
  }
  if (verb === 'set') {
    if (arg === undefined) throw new UsageError('clock set needs ISO-TIME, e.g. 2026-11-29T08:00:00Z');
    if (values.at !== undefined) throw new UsageError('clock set takes no --at: it sets the clock itself');
    const targetMs = parseIsoTime(arg, 'ISO-TIME');
    // A time without its zone would be read in this machine's zone: the very clock in doubt.
    if (!ISO_WITH_ZONE.test(arg)) throw new UsageError(`ISO-TIME must name its zone (Z or +08:00), not "${arg}"`);
    let set;
    try {
      set = await setClockIn(DataDir.open(common.dataDir, { create: false }), targetMs, {
        fromMs: io.clock(),
        actor: cliActor(),
        resetFloor: values['reset-floor'] ?? false,
        ...(deps.runner ? { runner: deps.runner } : {}),
      });
    } catch (err) {
      if (err instanceof ClockSetFailed) throw new ConfigError(err.message);
      throw err;
    }
    if (common.json)
      io.out(JSON.stringify({ set: true, from: new Date(set.fromMs).toISOString(), to: new Date(set.toMs).toISOString(), ...(set.reset ? { reset: resetJson(set.reset) } : {}) }) + '\n');
    else io.out(`system clock set to ${iso(set.toMs)} (was ${iso(set.fromMs)})\n${set.reset ? describeReset(set.reset) : ''}`);
    return EXIT.OK;
  }
  throw new UsageError(verb === undefined ? 'clock needs show, reset-floor or set' : `unknown clock command "${verb}"`);
}
