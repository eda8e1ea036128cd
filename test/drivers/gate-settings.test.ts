// The gate's settings (issue 15): the configuration section's rules and
// defaults, the kiosk's --gate flags over the configuration, the gate CLI's
// flags, and the gate opened from settings (a USB HID relay on a fake board,
// so no device is needed).
import { describe, expect, it } from 'vitest';
import type { HidFeatureApi, HidFeatureDevice } from '../../drivers/contract.js';
import { emergencyChange, openGate } from '../../drivers/open-devices.js';
import { gateFlags, gateSettingsFor, kioskFlags, readKioskCommandLine } from '../../main/app/kiosk-flags.js';
import { SettingsRefused } from '../../main/app/kiosk-settings.js';
import { gateSettingsFromFlags } from '../../main/cli/commands/gate.js';
import { UsageError } from '../../main/cli/exit-codes.js';
import { runSentinel } from '../../main/cli/run.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { DEFAULT_GATE_CONFIG, gateSettingsOf, GateSettingsRefused, type GateConfig, type GateSettings } from '../../main/contract/devices.js';
import { ConfigValueError, DEFAULT_KIOSK_CONFIG, GATE_VALIDATORS, SETTABLE_KEYS, withSetting, type KioskConfig } from '../../main/contract/kiosk-config.js';
import { DataDir } from '../../main/data-dir.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../fixtures/tmp.js';
import { until } from '../fixtures/until.js';

const gate = (over: Partial<GateConfig>): GateConfig => ({ ...DEFAULT_GATE_CONFIG, ...over });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('the gate section of the configuration', () => {
  it('defaults: no gate; a 500 ms pulse, 5 s to pass, no sensor, no emergency input', () => {
    expect(DEFAULT_KIOSK_CONFIG.gate).toMatchObject({ driver: 'none', pulseMs: 500, mode: 'pulse', passSeconds: 5, passageSensor: 'none', emergency: 'none' });
    expect(gateSettingsOf(DEFAULT_GATE_CONFIG)).toBeNull();
  });

  it('an old configuration file without a gate section loads, with no gate', () => {
    const dir = tempDir();
    const old = { ...structuredClone(DEFAULT_KIOSK_CONFIG) } as Record<string, unknown>;
    delete old.gate;
    fs.writeFileSync(path.join(dir, 'kiosk-config.json'), JSON.stringify({ version: 1, revision: 3, updatedAtMs: 1, config: old }));
    const loaded = new ConfigStore(DataDir.open(dir, { create: false })).load();
    expect(loaded.config.gate).toEqual(DEFAULT_GATE_CONFIG);
    expect(gateSettingsOf(loaded.config.gate)).toBeNull();
  });

  it('each driver, complete', () => {
    expect(gateSettingsOf(gate({ driver: 'lcus', path: '/dev/ttyUSB0', channel: 2 }))).toEqual({
      driver: 'lcus',
      path: '/dev/ttyUSB0',
      channel: 2,
      baud: 9600,
      pulseMs: 500,
      mode: 'pulse',
      openSeconds: 5,
      passSeconds: 5,
      passage: { kind: 'none' },
      emergency: { kind: 'none' },
      freePassage: false,
    });
    // Free passage a technician switched on is part of the gate's settings (it outlasts a restart).
    expect(gateSettingsOf(gate({ driver: 'lcus', path: '/dev/ttyUSB0', freePassage: true }))?.freePassage).toBe(true);
    expect(refusal(() => gateSettingsOf(gate({ driver: 'lcus', path: '/dev/ttyUSB0', freePassage: 'yes' as never })))).toBe('gate.freePassage must be true or false, not "yes"');
    expect(gateSettingsOf(gate({ driver: 'hid', hidSerial: 'ABCDE' }))).toMatchObject({ driver: 'hid', hid: { vendorId: 0x16c0, productId: 0x05df }, serial: 'ABCDE', channel: 1 });
    expect(
      gateSettingsOf(
        gate({
          driver: 'osdp',
          path: '/dev/ttyUSB1',
          address: 3,
          output: 1,
          baud: 38_400,
          mode: 'potential',
          openSeconds: 8,
          passageSensor: 'osdp-input',
          passageInput: 0,
          emergency: 'osdp-input',
          emergencyInput: 2,
        }),
      ),
    ).toMatchObject({
      driver: 'osdp',
      address: 3,
      output: 1,
      baud: 38_400,
      mode: 'potential',
      openSeconds: 8,
      passage: { kind: 'osdp-input', input: 0 },
      emergency: { kind: 'osdp-input', input: 2, normallyClosed: true },
    });
    expect(gateSettingsOf(gate({ driver: 'lcus', path: '/dev/ttyUSB0', passageSensor: 'modem-line', passagePath: '/dev/ttyUSB3', passageLine: 'dcd', passageNormallyClosed: true }))?.passage).toEqual({
      kind: 'modem-line',
      path: '/dev/ttyUSB3',
      line: 'dcd',
      normallyClosed: true,
    });
  });

  it('refuses with one sentence naming the setting and its rule', () => {
    const says = (over: Partial<GateConfig>): string => refusal(() => gateSettingsOf(gate(over)));
    expect(says({ driver: 'relay' as never })).toBe('gate.driver must be lcus, hid, osdp or none, not "relay"');
    expect(says({ driver: 'lcus' })).toBe('gate.path must name the serial port of the LCUS relay board (such as /dev/ttyUSB0)');
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', channel: 9 })).toBe('gate.channel must be a relay number from 1 to 8, not 9');
    expect(says({ driver: 'osdp', path: '/dev/ttyUSB0', address: 127 })).toBe("gate.address must be the module's OSDP address from 0 to 126, not 127");
    expect(says({ driver: 'osdp', path: '/dev/ttyUSB0', baud: 14_400 })).toBe('gate.baud must be one OSDP allows (9600, 19200, 38400, 57600, 115200, 230400), not 14400');
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', pulseMs: 20 })).toBe('gate.pulseMs must be a whole number of milliseconds from 50 to 10000, not 20');
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', mode: 'latch' as never })).toBe('gate.mode must be pulse or potential, not "latch"');
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', passSeconds: 0 })).toBe('gate.passSeconds must be a whole number of seconds from 1 to 120, not 0');
    expect(says({ driver: 'hid', hid: 'relay' })).toBe('gate.hid must be VID:PID in hex such as 16c0:05df, or null, not "relay"');
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', passageSensor: 'osdp-input' })).toBe("gate.passageSensor osdp-input needs the osdp driver (the input is the OSDP module's), not lcus");
    expect(says({ driver: 'hid', emergency: 'osdp-input' })).toBe("gate.emergency osdp-input needs the osdp driver (the input is the OSDP module's), not hid");
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', passageSensor: 'modem-line' })).toBe('gate.passagePath must name the serial port whose CTS line the passage sensor is wired to');
    expect(says({ driver: 'lcus', path: '/dev/ttyUSB0', passageSensor: 'modem-line', passagePath: '/dev/ttyUSB0' })).toBe(
      "gate.passagePath must be another port than the gate's own /dev/ttyUSB0 (each port is opened by one driver)",
    );
    expect(says({ driver: 'osdp', path: '/dev/ttyUSB0', passageSensor: 'osdp-input', passageInput: 1, emergency: 'osdp-input', emergencyInput: 1 })).toBe(
      "gate.emergencyInput must be another input than the passage sensor's (gate.passageInput is 1 too)",
    );
    // No gate: the other fields are not used, and do not stop a kiosk.
    expect(gateSettingsOf(gate({ channel: 99 }))).toBeNull();
  });

  it('a refusal carries the field it refuses', () => {
    let err: unknown;
    try {
      gateSettingsOf(gate({ driver: 'lcus' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GateSettingsRefused);
    expect((err as GateSettingsRefused).field).toBe('path');
  });

  it('each field checked on its own, as the configuration will set it (ConfigValueError naming the key)', () => {
    expect(Object.keys(GATE_VALIDATORS).sort()).toEqual(
      Object.keys(DEFAULT_GATE_CONFIG)
        .map((f) => `gate.${f}`)
        .sort(),
    );
    expect(GATE_VALIDATORS['gate.driver']!('gate.driver', 'osdp')).toBe('osdp');
    expect(GATE_VALIDATORS['gate.baud']!('gate.baud', null)).toBeNull();
    let err: unknown;
    try {
      GATE_VALIDATORS['gate.passageLine']!('gate.passageLine', 'rts');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigValueError);
    expect(err).toMatchObject({ key: 'gate.passageLine', message: 'gate.passageLine must be cts, dsr or dcd, not "rts"' });
  });
});

describe('the gate section set key by key (config set gate.*, a technician form)', () => {
  const fresh = (): KioskConfig => structuredClone(DEFAULT_KIOSK_CONFIG) as KioskConfig;
  const setAll = (changes: [string, unknown][], from: KioskConfig = fresh()): KioskConfig => changes.reduce((c, [k, v]) => withSetting(c, k, v), from);
  const refused = (fn: () => unknown): ConfigValueError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigValueError);
      return err as ConfigValueError;
    }
    throw new Error('accepted');
  };

  it('every gate field is a setting', () => {
    for (const key of Object.keys(GATE_VALIDATORS)) expect(SETTABLE_KEYS, key).toContain(key);
  });

  it('a gate set up field by field, the driver last, is the gate the kiosk opens', () => {
    const c = setAll([
      ['gate.path', '/dev/ttyUSB0'],
      ['gate.channel', 2],
      ['gate.pulseMs', 800],
      ['gate.passSeconds', 8],
      ['gate.driver', 'lcus'],
      ['gate.passagePath', '/dev/ttyUSB1'],
      ['gate.passageLine', 'dsr'],
      ['gate.passageSensor', 'modem-line'],
    ]);
    expect(gateSettingsOf(c.gate)).toMatchObject({
      driver: 'lcus',
      path: '/dev/ttyUSB0',
      channel: 2,
      pulseMs: 800,
      passSeconds: 8,
      passage: { kind: 'modem-line', path: '/dev/ttyUSB1', line: 'dsr', normallyClosed: false },
    });
    expect(
      setAll([
        ['gate.hid', '16c0:05df'],
        ['gate.hidSerial', 'ABCDE'],
        ['gate.driver', 'hid'],
        ['gate.mode', 'potential'],
        ['gate.openSeconds', 30],
      ]).gate,
    ).toMatchObject({
      driver: 'hid',
      hid: '16c0:05df',
      hidSerial: 'ABCDE',
      mode: 'potential',
      openSeconds: 30,
    });
  });

  it('a bad value is refused in one sentence naming the key, and nothing changes', () => {
    const before = fresh();
    expect(refused(() => withSetting(before, 'gate.channel', 9))).toMatchObject({ key: 'gate.channel', message: 'gate.channel must be a relay number from 1 to 8, not 9' });
    expect(refused(() => withSetting(before, 'gate.pulseMs', '800'))).toMatchObject({
      key: 'gate.pulseMs',
      message: 'gate.pulseMs must be a whole number of milliseconds from 50 to 10000, not "800"',
    });
    expect(refused(() => withSetting(before, 'gate.driver', 'relay')).message).toBe('gate.driver must be lcus, hid, osdp or none, not "relay"');
    expect(before).toEqual(DEFAULT_KIOSK_CONFIG);
  });

  it('a gate setting that leaves the section inconsistent is refused, naming the setting at fault', () => {
    // lcus without a port: the field to correct is the path; the sentence says which key was not set.
    expect(refused(() => withSetting(fresh(), 'gate.driver', 'lcus'))).toMatchObject({
      key: 'gate.path',
      message: 'gate.driver not set: gate.path must name the serial port of the LCUS relay board (such as /dev/ttyUSB0)',
    });
    const lcus = setAll([
      ['gate.path', '/dev/ttyUSB0'],
      ['gate.driver', 'lcus'],
    ]);
    expect(refused(() => withSetting(lcus, 'gate.path', null))).toMatchObject({
      key: 'gate.path',
      message: 'gate.path must name the serial port of the LCUS relay board (such as /dev/ttyUSB0)',
    });
    expect(refused(() => withSetting(lcus, 'gate.emergency', 'osdp-input')).message).toBe("gate.emergency osdp-input needs the osdp driver (the input is the OSDP module's), not lcus");
    const osdp = setAll([['gate.driver', 'osdp']], lcus);
    expect(refused(() => withSetting(osdp, 'gate.baud', 4800))).toMatchObject({ key: 'gate.baud' });
    expect(refused(() => withSetting(setAll([['gate.passageSensor', 'osdp-input']], osdp), 'gate.driver', 'lcus'))).toMatchObject({
      key: 'gate.passageSensor',
      message: "gate.driver not set: gate.passageSensor osdp-input needs the osdp driver (the input is the OSDP module's), not lcus",
    });
    // Driver none: the other fields are not used, so anything valid on its own is kept for later.
    expect(setAll([['gate.driver', 'none']], lcus).gate.path).toBe('/dev/ttyUSB0');
    expect(setAll([['gate.passageSensor', 'osdp-input']]).gate.passageSensor).toBe('osdp-input');
  });

  it('a form of several settings is one revision or none: ConfigStore refuses the lot', () => {
    const store = new ConfigStore(DataDir.open(tempDir(), { create: true }));
    expect(() =>
      store.update(
        [
          { key: 'gate.channel', value: 3 },
          { key: 'gate.driver', value: 'lcus' },
        ],
        1,
      ),
    ).toThrow(/gate\.path must name the serial port/);
    expect(store.load().config.gate).toEqual(DEFAULT_GATE_CONFIG);
    store.update(
      [
        { key: 'gate.path', value: '/dev/ttyUSB0' },
        { key: 'gate.channel', value: 3 },
        { key: 'gate.driver', value: 'lcus' },
      ],
      2,
    );
    expect(gateSettingsOf(store.load().config.gate)).toMatchObject({ driver: 'lcus', path: '/dev/ttyUSB0', channel: 3 });
  });

  it('other settings are not held up by a gate section made inconsistent by hand (the kiosk refuses it at start)', () => {
    const hand = { ...fresh(), gate: gate({ driver: 'lcus' }) };
    expect(withSetting(hand, 'identity.station', 'North').identity.station).toBe('North');
    expect(refused(() => withSetting(hand, 'gate.channel', 2)).key).toBe('gate.path');
  });
});

describe('the kiosk flags: --gate, --gate-driver, --gate-channel, --gate-address, --gate-pulse-ms, --gate-hid', () => {
  const flagsOf = (args: string[]) => readKioskCommandLine(args).flags;

  it('parses them typed, beside the other devices', () => {
    expect(flagsOf(['--gate', '/dev/ttyUSB2', '--gate-driver', 'lcus', '--gate-channel', '2', '--gate-pulse-ms', '800', '--simulate'])).toEqual({
      gatePath: '/dev/ttyUSB2',
      gateDriver: 'lcus',
      gateChannel: 2,
      gatePulseMs: 800,
      simulate: true,
    });
    expect(flagsOf(['--gate-hid', '16C0:05DF'])).toEqual({ gateHid: { vendorId: 0x16c0, productId: 0x05df } });
    expect(kioskFlags({})).toEqual({});
  });

  it.each([
    [{ gate: '/dev/ttyUSB0' }, '--gate needs --gate-driver lcus or osdp'],
    [{ gate: '/dev/ttyUSB0', 'gate-driver': 'hid' }, '--gate-driver must be lcus or osdp (a USB HID relay board is --gate-hid VID:PID), not "hid"'],
    [{ 'gate-driver': 'osdp' }, '--gate-driver goes with --gate PATH'],
    [{ gate: '/dev/ttyUSB0', 'gate-driver': 'lcus', 'gate-hid': '16c0:05df' }, '--gate and --gate-hid exclude each other (a serial gate or a USB HID relay board)'],
    [{ 'gate-hid': 'usbrelay' }, '--gate-hid must be VID:PID in hex such as 16c0:05df, not "usbrelay"'],
    [{ 'gate-channel': 'two' }, '--gate-channel must be a relay number from 1 to 8, not "two"'],
    [{ 'gate-address': '300' }, "--gate-address must be the module's OSDP address from 0 to 126, not 300"],
    [{ 'gate-pulse-ms': '0.5' }, '--gate-pulse-ms must be a whole number of milliseconds from 50 to 10000, not "0.5"'],
  ])('%j is refused: %s', (values, sentence) => {
    expect(() => gateFlags(values)).toThrow(SettingsRefused);
    expect(refusal(() => gateFlags(values))).toBe(sentence);
  });

  const osdpConfigured = gate({ driver: 'osdp', path: '/dev/rs485', address: 2, output: 1, pulseMs: 700, passSeconds: 7, passageSensor: 'osdp-input', passageInput: 0 });

  it('override the configuration as for the other devices', () => {
    // No flags: the configured gate; none configured: none.
    expect(gateSettingsFor({}, null)).toBeNull();
    expect(gateSettingsFor({}, osdpConfigured)).toMatchObject({ driver: 'osdp', path: '/dev/rs485', address: 2, output: 1, pulseMs: 700 });
    // Adjusting the configured gate.
    expect(gateSettingsFor({ gateAddress: 5, gatePulseMs: 300 }, osdpConfigured)).toMatchObject({ driver: 'osdp', path: '/dev/rs485', address: 5, output: 1, pulseMs: 300, passSeconds: 7 });
    // A gate the flags name: its device from the flags, what the checkpoint does with it from the configuration.
    expect(gateSettingsFor({ gatePath: '/dev/ttyUSB9', gateDriver: 'osdp' }, osdpConfigured)).toMatchObject({
      driver: 'osdp',
      path: '/dev/ttyUSB9',
      address: 0,
      output: 0,
      pulseMs: 700,
      passSeconds: 7,
      passage: { kind: 'osdp-input', input: 0 },
    });
    expect(gateSettingsFor({ gateHid: { vendorId: 0x16c0, productId: 0x05df }, gateChannel: 2 }, null)).toMatchObject({ driver: 'hid', channel: 2, serial: null, passage: { kind: 'none' } });
  });

  it('refuse what does not fit the gate, naming flags and configuration keys', () => {
    expect(refusal(() => gateSettingsFor({ gateChannel: 2 }, null))).toBe('--gate-channel needs a gate: --gate PATH --gate-driver lcus|osdp, --gate-hid VID:PID, or one configured');
    expect(refusal(() => gateSettingsFor({ gateChannel: 2 }, osdpConfigured))).toBe("--gate-channel is a relay board's relay; an OSDP module is chosen by --gate-address");
    expect(refusal(() => gateSettingsFor({ gatePath: '/dev/ttyUSB0', gateDriver: 'lcus', gateAddress: 1 }, null))).toBe(
      "--gate-address is an OSDP module's address; the LCUS relay board takes --gate-channel",
    );
    // The configured OSDP passage input cannot follow a relay board named on the command line.
    expect(refusal(() => gateSettingsFor({ gatePath: '/dev/ttyUSB0', gateDriver: 'lcus' }, osdpConfigured))).toBe(
      "gate.passageSensor osdp-input needs the osdp driver (the input is the OSDP module's), not lcus",
    );
    expect(() => gateSettingsFor({ gatePath: '/dev/ttyUSB0', gateDriver: 'lcus' }, osdpConfigured)).toThrow(SettingsRefused);
  });
});

describe('sentinel gate: its flags', () => {
  it('make the same settings', () => {
    expect(gateSettingsFromFlags({ driver: 'lcus', port: '/dev/ttyUSB0', channel: '3', 'pulse-ms': '250' }, 'test').settings).toMatchObject({
      driver: 'lcus',
      path: '/dev/ttyUSB0',
      channel: 3,
      pulseMs: 250,
    });
    expect(gateSettingsFromFlags({ hid: '16c0:05df', serial: 'QWERT' }, 'test').settings).toMatchObject({ driver: 'hid', serial: 'QWERT', channel: 1 });
    expect(gateSettingsFromFlags({ driver: 'osdp', port: '/dev/x', address: '1', 'passage-input': '0', 'emergency-input': '3' }, 'watch').settings).toMatchObject({
      driver: 'osdp',
      address: 1,
      passage: { kind: 'osdp-input', input: 0 },
      emergency: { kind: 'osdp-input', input: 3 },
    });
    expect(gateSettingsFromFlags({ 'passage-port': '/dev/ttyUSB4', 'passage-line': 'DSR', 'normally-closed': true }, 'watch')).toEqual({
      settings: null,
      passage: { kind: 'modem-line', path: '/dev/ttyUSB4', line: 'dsr', normallyClosed: true },
    });
  });

  it.each([
    [{}, 'test', 'gate test needs --driver lcus|osdp --port PATH, or --hid VID:PID'],
    [{ driver: 'lcus' }, 'test', 'gate test --driver lcus needs --port PATH'],
    [{ driver: 'relay', port: '/dev/x' }, 'test', '--driver must be lcus, osdp or hid, not "relay"'],
    [{ driver: 'lcus', port: '/dev/x', channel: '0' }, 'test', '--channel must be a relay number from 1 to 8, not 0'],
    [{ driver: 'osdp', port: '/dev/x', baud: '1200' }, 'test', '--baud must be one OSDP allows (9600, 19200, 38400, 57600, 115200, 230400), not 1200'],
    [{ driver: 'lcus', port: '/dev/x', address: '1' }, 'test', '--address is for an OSDP module, not the lcus driver'],
    [{ hid: '16c0:05df', port: '/dev/x' }, 'test', '--port and --hid exclude each other (a serial gate or a USB HID relay board)'],
    [{ driver: 'osdp', port: '/dev/x', 'passage-input': '0' }, 'test', 'gate test opens the gate once; the passage sensor and the emergency input are for gate watch'],
    [{ 'passage-port': '/dev/x' }, 'watch', '--passage-port needs --passage-line cts|dsr|dcd'],
    [{ 'passage-port': '/dev/x', 'passage-line': 'ri' }, 'watch', '--passage-line must be cts, dsr or dcd, not "ri"'],
    [
      { driver: 'lcus', port: '/dev/x', 'passage-input': '0' },
      'watch',
      "--passage-input is an input of an OSDP module; a relay board's passage sensor is --passage-port PATH --passage-line cts|dsr|dcd",
    ],
  ] as const)('%j (%s) is a usage error: %s', (values, sub, sentence) => {
    expect(() => gateSettingsFromFlags(values, sub)).toThrow(UsageError);
    expect(refusal(() => gateSettingsFromFlags(values, sub))).toBe(sentence);
  });

  it('exit 64 with one line, in process', async () => {
    for (const args of [['gate'], ['gate', 'open'], ['gate', 'test', '--driver', 'lcus', '--port', '/dev/x', '--relay', '1']]) {
      let err = '';
      const status = await runSentinel(args, { out: () => undefined, err: (t) => (err += t), stdin: process.stdin, clock: Date.now });
      expect(status, args.join(' ')).toBe(64);
      expect(err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

describe('the gate opened from its settings', () => {
  it('none: no gate', () => {
    const bindings = () => {
      throw new Error('no device library may be loaded for no gate');
    };
    expect(openGate({ gate: null }, bindings, { clock: Date.now })).toBeNull();
    expect(openGate({}, bindings, { clock: Date.now })).toBeNull();
  });

  it('a USB HID relay: the board found, the relay switched and read back', async () => {
    let relays = 0;
    const sent: number[][] = [];
    const device: HidFeatureDevice = {
      sendFeatureReport: async (data) => {
        sent.push(data);
        const bit = 1 << (data[2]! - 1);
        relays = data[1] === 0xff ? relays | bit : relays & ~bit;
        return data.length;
      },
      getFeatureReport: async () => [0x41, 0x42, 0x43, 0x44, 0x45, 0, 0, relays, 0],
      close: () => undefined,
    };
    const hidFeature: HidFeatureApi = { devices: async () => [{ vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw3', product: 'USBRelay2' }], open: async () => device };
    const settings = gateSettingsOf(gate({ driver: 'hid', channel: 2, pulseMs: 50 }))!;
    const noSerial = (): never => {
      throw new Error('a HID relay opens no serial port');
    };
    const opened = openGate({ gate: settings }, () => ({ hidFeature, openSerial: noSerial, usb: { idOf: async () => null, pathOf: async () => null } }), { clock: Date.now })!;
    try {
      await until(() => opened.gate.state === 'ok', 3000, 'the board found');
      expect(opened.passage).toBeNull();
      expect(opened.module).toBeNull();
      expect(await opened.gate.open(50)).toBe(true);
      expect(relays).toBe(0b10);
      await until(() => !opened.gate.isOpen, 3000, 'the pulse over');
      expect(sent).toEqual([
        [0, 0xfd, 2, 0, 0, 0, 0, 0, 0],
        [0, 0xff, 2, 0, 0, 0, 0, 0, 0],
        [0, 0xfd, 2, 0, 0, 0, 0, 0, 0],
      ]);
    } finally {
      opened.close();
    }
  });

  it('the emergency input: a normally-closed one is in emergency while inactive', () => {
    const osdp = gateSettingsOf(gate({ driver: 'osdp', path: '/dev/x', emergency: 'osdp-input', emergencyInput: 2 })) as GateSettings;
    expect(emergencyChange(osdp, { kind: 'input', index: 2, active: false, atMs: 0 })).toBe(true);
    expect(emergencyChange(osdp, { kind: 'input', index: 2, active: true, atMs: 0 })).toBe(false);
    expect(emergencyChange(osdp, { kind: 'input', index: 1, active: false, atMs: 0 })).toBeNull();
    expect(emergencyChange(osdp, { kind: 'passage', atMs: 0 })).toBeNull();
    expect(emergencyChange({ ...osdp, emergency: { kind: 'osdp-input', input: 2, normallyClosed: false } }, { kind: 'input', index: 2, active: true, atMs: 0 })).toBe(true);
  });
});
