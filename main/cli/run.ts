// The sentinel command (spec §5), runnable in-process. Subcommands load
// their modules on demand so that `--help` and a single `verify` start quickly.
import { EXIT, ConfigError, UsageError } from './exit-codes.js';
import type { CommandIo } from './command-io.js';

const HELP = `usage: sentinel COMMAND [options]

Sentinel decides on scanned health codes offline: verify, decide, log.

commands:
  verify [TEXT | -] [--temp C] [--batch FILE] [--no-log]   decide on codes (exit 0 admit, 1 deny, 2 review)
  trust install FILE [--root JWK-FILE]…                     verify and install a trust bundle
  trust show                                                the installed bundle
  policy set FILE | policy show                             install or print the checkpoint policy
  log [--since ISO] [--format jsonl|csv] [--verify-chain]   print logged checks, check the hash chain
  device show                                               this kiosk's device id and public JWK
  kiosk [--browser] [--simulate] [--no-open] [--port N]     run the kiosk screen (browser shell on loopback)
  config show | set KEY VALUE | set-pin                     the kiosk's configuration (technician mode)
  calibrate --port PATH --protocol NAME --reference C --by NAME   calibrate the thermometer
  selftest                                                  check every part of the kiosk (exit 1 on a failure)
  export --out DIR                                          diagnostics and the check log (pseudonyms only) to a folder
  demo [--kiosk]                                            a demo data directory and demo codes decided (then the kiosk)
  demo-code [--format phc1|dcc|shc] [--parts N] [--test-card]  print a fresh code signed with a demo key (or the test card)
  decode IMAGE…                                             decode the QR code in image files with the kiosk's decoder
  thermo --port PATH --protocol NAME [--stable]             read a serial IR thermometer
  scanner --serial PATH | --hid VID:PID                     print scans from a serial or HID scanner
  devices                                                   serial ports and HID devices the kiosk can use
  gate test | watch --driver lcus|osdp --port PATH          open the gate once (69: no answer); watch its inputs
  sync --endpoint URL [--once]                              push unsynced checks, fetch a newer trust bundle (exit 75: still pending)
  enroll URL TOKEN                                          enroll this kiosk with a central service; keep URL as its sync endpoint
  central serve | enroll-token | devices | revoke | checks | bundle publish   the central service and its store (--db URL | --data DIR)
  central key [--json]                                      the service's receipt-signing public key and its thumbprint
  central user add NAME | list | remove NAME                operators of the fleet view (/fleet); add asks the password
  clock show | reset-floor --to SOURCE | set ISO-TIME       the clock, the time floor and its evidence; recover from a wrong one

options for every command (where they make sense):
  --data DIR     the kiosk's data directory (default: the platform's app-data folder, or $SENTINEL_DATA)
  --json         machine output, one JSON object per line
  --at ISO-8601  act as of that time instead of now
  --lang zh-CN|en  the operator's language (default from the locale)

exit status: 64 bad usage, 78 missing or unusable data directory, trust bundle or policy.
'sentinel COMMAND --help' for more.`;

type Command = (args: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  trust: async () => (await import('./commands/trust.js')).trustCommand,
  policy: async () => (await import('./commands/policy.js')).policyCommand,
  log: async () => (await import('./commands/log.js')).logCommand,
  device: async () => (await import('./commands/device.js')).deviceCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  decode: async () => (await import('./commands/decode.js')).decodeCommand,
  thermo: async () => (await import('./commands/devices.js')).thermoCommand,
  scanner: async () => (await import('./commands/devices.js')).scannerCommand,
  devices: async () => (await import('./commands/devices.js')).devicesCommand,
  gate: async () => (await import('./commands/gate.js')).gateCommand,
  config: async () => (await import('./commands/config.js')).configCommand,
  calibrate: async () => (await import('./commands/calibrate.js')).calibrateCommand,
  selftest: async () => (await import('./commands/selftest.js')).selftestCommand,
  export: async () => (await import('./commands/selftest.js')).exportCommand,
  sync: async () => (await import('./commands/sync.js')).syncCommand,
  enroll: async () => (await import('./commands/enroll.js')).enrollCommand,
  central: async () => (await import('./commands/central.js')).centralCommand,
  clock: async () => (await import('./commands/clock.js')).clockCommand,
  kiosk: async () => (await import('./commands/kiosk.js')).kioskCommand,
  'demo-code': async () => (await import('./commands/demo.js')).demoCodeCommand,
};

/** Errors that mean "this data directory, bundle or policy cannot be used". */
const CONFIG_ERRORS = new Set(['ConfigError', 'DataDirError', 'TrustUnusable', 'BundleRefused', 'PolicyUnusable', 'PolicyRefused', 'CheckLogUnusable', 'ConfigUnusable']);

export async function runSentinel(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(HELP + '\n');
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (name === '--version') {
      io.out('sentinel 0.1.0\n');
      return EXIT.OK;
    }
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command "${name}" (sentinel --help lists them)`);
    return await (
      await load()
    )(rest, io);
  } catch (err) {
    const e = err as Error;
    if (err instanceof UsageError) {
      io.err(`sentinel: ${e.message}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof ConfigError || CONFIG_ERRORS.has(e.name)) {
      const what = e.name === 'BundleRefused' ? 'trust bundle refused: ' : e.name === 'PolicyRefused' ? 'policy refused: ' : '';
      io.err(`sentinel: ${what}${e.message.replace(/\n/g, ' ')}\n`);
      return EXIT.CONFIG;
    }
    io.err(`sentinel: internal error: ${e.stack ?? e.message}\n`);
    return EXIT.SOFTWARE;
  }
}
