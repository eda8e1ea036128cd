// Export goes to a mounted removable drive only, read from an injected
// mount table; the drives and the bundle files on them are offered. And the
// self-test's lines: the devices the kiosk runs, each line in Chinese.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { technicianText } from '../../main/contract/technician-messages.js';
import { DEMO_TECHNICIAN_PIN, loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { exportDataDir } from '../../main/technician/export.js';
import { bundleFilesOn, onRemovableDrive, parseMounts, removableDrives, type DriveRule } from '../../main/technician/removable-drives.js';
import { selfTestIn } from '../../main/technician/selftest.js';
import { TechnicianRefusal, TechnicianService } from '../../main/technician/technician-service.js';
import { DataDir } from '../../main/data-dir.js';
import { tempDir } from '../fixtures/tmp.js';
import { notChinese } from './chinese-text.js';

const NOW = Date.parse('2026-12-02T04:41:16Z');

/** A mount table as the kernel writes it, with the kiosk's disk at / and whatever else is given. */
const table = (...extra: string[]): string => ['/dev/nvme0n1p2 / ext4 rw,relatime 0 0', 'proc /proc proc rw 0 0', 'tmpfs /run tmpfs rw 0 0', ...extra].join('\n') + '\n';

describe('which folders are on a removable drive', () => {
  const rule = (text: string, roots = ['/media', '/run/media', '/mnt']): DriveRule => ({ mounts: () => text, removableRoots: roots });

  it('reads the mount table, spaces and all', () => {
    expect(parseMounts('/dev/sdb1 /media/kiosk/SANDISK\\040USB vfat rw 0 0\n')).toEqual([{ device: '/dev/sdb1', mountPoint: '/media/kiosk/SANDISK USB', fsType: 'vfat' }]);
  });

  it('counts a block device under /media, /run/media or /mnt; not the roots themselves, not a tmpfs', () => {
    const drives = removableDrives(rule(table('/dev/sdb1 /media/usb vfat rw 0 0', '/dev/sdc1 /run/media/kiosk/STICK exfat rw 0 0', 'tmpfs /mnt/scratch tmpfs rw 0 0', '/dev/sdd1 /mnt ext4 rw 0 0')));
    expect(drives.map((d) => d.mountPoint)).toEqual(['/media/usb', '/run/media/kiosk/STICK']);
  });

  it('refuses a folder on the kiosk’s disk (an empty /media folder too), and says when no drive is mounted at all', () => {
    expect(onRemovableDrive('/media/usb/export', rule(table()))).toEqual({ ok: false, problem: 'no-drive' });
    const one = rule(table('/dev/sdb1 /media/stick vfat rw 0 0'));
    expect(onRemovableDrive('/media/usb', one)).toEqual({ ok: false, problem: 'not-removable' });
    expect(onRemovableDrive('/var/lib/sentinel', one)).toEqual({ ok: false, problem: 'not-removable' });
    expect(onRemovableDrive('/media/stick/exports', one)).toMatchObject({ ok: true, drive: { mountPoint: '/media/stick' } });
    // A stick mounted beneath a folder that is itself on a stick: the nearer mount decides.
    const nested = rule(table('/dev/sdb1 /media/stick vfat rw 0 0', 'tmpfs /media/stick/tmp tmpfs rw 0 0'));
    expect(onRemovableDrive('/media/stick/tmp/x', nested)).toEqual({ ok: false, problem: 'not-removable' });
  });

  it('lists the bundle files on a drive: its top and one folder down', () => {
    const stick = tempDir();
    fs.writeFileSync(path.join(stick, 'bundle-12.jws'), 'x');
    fs.writeFileSync(path.join(stick, 'notes.txt'), 'x');
    fs.mkdirSync(path.join(stick, 'trust'));
    fs.writeFileSync(path.join(stick, 'trust', 'bundle-13.JWS'), 'x');
    fs.mkdirSync(path.join(stick, 'trust', 'old'));
    fs.writeFileSync(path.join(stick, 'trust', 'old', 'bundle-1.jws'), 'x');
    expect(bundleFilesOn({ device: '/dev/sdb1', mountPoint: stick, fsType: 'vfat' })).toEqual([path.join(stick, 'bundle-12.jws'), path.join(stick, 'trust', 'bundle-13.JWS')]);
  });
});

describe('the export from the technician’s panel', () => {
  async function kiosk(mounts: () => string, removableRoots: string[]): Promise<{ service: TechnicianService; dataDir: string }> {
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), NOW);
    const service = new TechnicianService({
      dataDir,
      clock: () => NOW,
      drives: { mounts, removableRoots },
      exportTo: (dir) => exportDataDir(dataDir, dir, NOW),
    });
    expect(await service.session.unlock(DEMO_TECHNICIAN_PIN)).toMatchObject({ result: 'ok' });
    return { service, dataDir };
  }
  const refusalOf = async (p: Promise<unknown>): Promise<TechnicianRefusal> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TechnicianRefusal);
    return err as TechnicianRefusal;
  };

  it('refuses when no drive is plugged in, and a folder not on one; writes to a folder on one', async () => {
    const media = tempDir();
    const stick = path.join(media, 'stick');
    fs.mkdirSync(stick);
    let mounted = table();
    const { service } = await kiosk(() => mounted, [media]);

    const none = await refusalOf(service.diagnostics.exportTo(stick));
    expect(none.says).toEqual({ key: 'exportNoDrive', params: {} });
    expect(technicianText(none.says, 'zh-CN', 'Asia/Shanghai')).toBe('未找到U盘，请检查U盘是否已插入。');
    expect(service.diagnostics.drives()).toEqual([]);

    mounted = table(`/dev/sdb1 ${stick} vfat rw 0 0`);
    const ownDisk = tempDir();
    const elsewhere = await refusalOf(service.diagnostics.exportTo(ownDisk));
    expect(elsewhere.says).toEqual({ key: 'exportNotRemovable', params: { dir: ownDisk } });
    expect(fs.readdirSync(ownDisk)).toEqual([]);
    // The drive's own mount point's parent is the kiosk's disk.
    expect((await refusalOf(service.diagnostics.exportTo(media))).says.key).toBe('exportNotRemovable');

    fs.writeFileSync(path.join(stick, 'bundle.jws'), 'x');
    expect(service.diagnostics.drives()).toEqual([{ path: stick, device: '/dev/sdb1', bundleFiles: [path.join(stick, 'bundle.jws')] }]);
    const done = await service.diagnostics.exportTo(path.join(stick, 'exports'));
    expect(done.folder.startsWith(path.join(stick, 'exports', 'sentinel-export-'))).toBe(true);
    expect(fs.readdirSync(done.folder).sort()).toEqual(['checks.csv', 'checks.jsonl', 'diagnostics.json', 'events.jsonl']);
    service.close();
  });

  it('says a drive that cannot be written to by its system code', async () => {
    const media = tempDir();
    const stick = path.join(media, 'stick');
    fs.mkdirSync(stick);
    // A file where the export wants its folder: the system refuses as a full or read-only stick would.
    fs.writeFileSync(path.join(stick, 'blocked'), 'x');
    const { service } = await kiosk(() => table(`/dev/sdb1 ${stick} vfat rw 0 0`), [media]);
    const refused = await refusalOf(service.diagnostics.exportTo(path.join(stick, 'blocked')));
    expect(refused.says).toMatchObject({ key: 'exportCannotWrite', params: { dir: path.join(stick, 'blocked') } });
    expect(notChinese(technicianText(refused.says, 'zh-CN', 'UTC'))).toBeNull();
    service.close();
  });
});

describe('the self-test’s lines', () => {
  it('report the devices the kiosk runs (a simulator, scanners from a flag), each line in Chinese', async () => {
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), NOW);
    const dir = DataDir.open(dataDir, { create: false });
    const configured = await selfTestIn(dir, NOW, { thermometerSeconds: 0.05 });
    expect(configured.map((i) => i.check)).toEqual(['dataDir', 'diskSpace', 'database', 'chain', 'policy', 'trust', 'clock', 'deviceKey', 'decoder', 'thermometer', 'scanner', 'sync']);
    expect(configured.find((i) => i.check === 'thermometer')).toMatchObject({ state: 'skipped', says: { key: 'thermometerNone' }, name: 'thermometer', detail: 'no thermometer configured' });

    // Nothing configured, but the kiosk runs a simulator and two scanners given by start flags.
    const running = await selfTestIn(dir, NOW, { thermometerSeconds: 0.05, liveThermometer: { state: 'simulated' }, liveScanners: () => 2 });
    expect(running.find((i) => i.check === 'thermometer')).toMatchObject({ state: 'warn', says: { key: 'thermometerSimulated' } });
    expect(running.find((i) => i.check === 'scanner')).toMatchObject({ state: 'ok', says: { key: 'scannersRunning', params: { count: 2 } } });
    // A module started by a flag, counting frames, is sampled though the configuration names no port.
    const counters = { frames: 0, checksumFailures: 0, resyncs: 0, droppedBytes: 0 };
    const ticking = setInterval(() => (counters.frames += 1), 5);
    try {
      const live = await selfTestIn(dir, NOW, { thermometerSeconds: 0.2, liveThermometer: { state: 'ok', counters } });
      expect(live.find((i) => i.check === 'thermometer')).toMatchObject({ state: 'warn', says: { key: 'thermometerRate', params: { calibration: 'never' } } });
    } finally {
      clearInterval(ticking);
    }

    for (const line of [...configured, ...running]) {
      const zh = technicianText(line.says, 'zh-CN', 'Asia/Shanghai');
      expect(notChinese(zh), `${line.check}: ${zh}`).toBeNull();
    }
    // The clock's line is in the gate's zone (the demo's Asia/Shanghai), 24-hour.
    const clock = configured.find((i) => i.check === 'clock')!;
    expect(technicianText(clock.says, 'zh-CN', 'Asia/Shanghai')).toContain('本机时间 2026-12-02 12:41:16');
    expect(clock.detail).toContain('now 2026-12-02 12:41:16');
  });

  it('says a check that threw by its code, never its raw sentence', async () => {
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), NOW);
    const dir = DataDir.open(dataDir, { create: false });
    // The data directory cannot be written: its probe file is a folder.
    fs.mkdirSync(dir.path(`.selftest-${process.pid}`));
    const items = await selfTestIn(dir, NOW, { thermometerSeconds: 0.05 });
    const line = items.find((i) => i.check === 'dataDir')!;
    expect(line).toMatchObject({ state: 'fail', says: { key: 'checkFailed', params: { code: 'EISDIR' } } });
    expect(line.detail).toMatch(/EISDIR/);
    expect(technicianText(line.says, 'zh-CN', 'UTC')).toBe('检查出错（EISDIR），请导出诊断信息并联系维护人员。');
  });
});
