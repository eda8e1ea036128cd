// sentinel trust install FILE [--root JWK-FILE]… | trust show
import type { TrustBundleInfo } from '../../contract/trust.js';
import { DataDir } from '../../data-dir.js';
import { CheckLog } from '../../log/check-log.js';
import { PolicyStore } from '../../policy/policy-store.js';
import { MAX_BUNDLE_FILE_BYTES, MAX_ROOT_FILE_BYTES } from '../../trust/bundle-file.js';
import { readRootKeys, TrustStore } from '../../trust/trust-store.js';
import { BundleRefused, type PinnedRoot } from '../../verify/trust.js';
import { cliActor, recordIn } from '../../audit/audit.js';
import { readInputFile, type CommandIo } from '../command-io.js';
import { ConfigError, EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const TRUST_HELP = `usage: sentinel trust install FILE [--root JWK-FILE]… [--data DIR] [--json] [--at ISO]
       sentinel trust show [--data DIR] [--json] [--at ISO]

install verifies a trust bundle (a compact JWS signed by a pinned root) and
installs it atomically; --root pins a root public key (JWK or JWK set) for
this data directory, kept only if the bundle is accepted. A refused bundle
leaves the installed one in force and exits 78.
show prints the installed bundle: seq, age, issuers with their format (phc1,
dcc, shc), key ids and validity; for a DCC country each signer certificate's
kid, subject and validity.`;

const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());

export function trustSummary(info: TrustBundleInfo, nowMs: number, trustMaxAgeDays: number): Record<string, unknown> {
  const ageSeconds = Math.floor(nowMs / 1000 - info.iat);
  return {
    seq: info.seq,
    iss: info.iss,
    rootKid: info.rootKid,
    issuedAt: iso(info.iat),
    expiresAt: iso(info.exp),
    ageSeconds,
    expired: nowMs / 1000 >= info.exp,
    stale: ageSeconds > trustMaxAgeDays * 86_400,
    issuers: info.issuers.map((i) => ({
      id: i.id,
      format: i.format,
      name: i.name,
      ...(i.country === undefined ? {} : { country: i.country }),
      keys: i.keys.map((k) => ({ kid: k.kid, alg: k.alg, validFrom: iso(k.nbf), validUntil: iso(k.exp), revoked: i.revoked.includes(k.kid) })),
      ...(i.certificates === undefined ? {} : { certificates: i.certificates.map((c) => ({ ...c, revoked: i.revoked.includes(c.kid) })) }),
      revoked: i.revoked,
      ...(i.revokedCards === undefined ? {} : { revokedCards: i.revokedCards }),
    })),
  };
}

function humanAge(seconds: number): string {
  if (seconds < 0) return `issued in ${humanAge(-seconds)} from now`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400 * 2) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} days`;
}

export async function trustCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { root: { type: 'string', multiple: true } }, 2);
  const common = commonOf(values, io.clock);
  const [verb, file] = positionals;
  if (common.help) {
    io.out(TRUST_HELP + '\n');
    return EXIT.OK;
  }
  if (verb === 'install') {
    if (file === undefined) throw new UsageError('trust install needs the bundle FILE');
    const jws = await readInputFile(file, 'trust bundle', MAX_BUNDLE_FILE_BYTES);
    const newRoots: PinnedRoot[] = [];
    for (const rootFile of values.root ?? []) newRoots.push(...(await readRootKeys(await readInputFile(rootFile, 'root key', MAX_ROOT_FILE_BYTES), rootFile)));
    const dir = DataDir.open(common.dataDir, { create: true });
    let snapshot;
    // The log remembers the highest seq ever installed (anti-rollback), even with trust-highest-seq gone.
    const log = CheckLog.openIn(dir);
    try {
      snapshot = await new TrustStore(dir, log).install(jws, { nowS: common.nowMs / 1000, newRoots });
    } catch (err) {
      if (err instanceof BundleRefused) recordIn(dir, 'trust/refused', cliActor(), { file, problem: err.problem, reason: err.message }, common.nowMs);
      throw err;
    } finally {
      log.close();
    }
    const { info } = snapshot;
    recordIn(dir, 'trust/installed', cliActor(), { file, seq: info.seq, rootKid: info.rootKid, pinnedRoots: newRoots.map((r) => r.kid), issuers: info.issuers.map((i) => i.id) }, common.nowMs);
    if (common.json) io.out(JSON.stringify({ installed: true, seq: info.seq, rootKid: info.rootKid, issuers: info.issuers.map((i) => i.id), expiresAt: iso(info.exp) }) + '\n');
    else
      io.out(
        `installed trust bundle seq ${info.seq} from ${info.iss} (root ${info.rootKid}): ${info.issuers.length} issuers (${info.issuers.map((i) => i.id).join(', ')}), expires ${iso(info.exp)}\n`,
      );
    return EXIT.OK;
  }
  if (verb === 'show') {
    if (file !== undefined) throw new UsageError(`unexpected argument "${file}"`);
    const dir = DataDir.open(common.dataDir, { create: false });
    const log = CheckLog.openIn(dir);
    const snapshot = await new TrustStore(dir, log).load(common.nowMs / 1000).finally(() => log.close());
    if (!snapshot) throw new ConfigError(`no trust bundle is installed in ${dir.root}`);
    const summary = trustSummary(snapshot.info, common.nowMs, new PolicyStore(dir).load().policy.trustMaxAgeDays);
    if (common.json) {
      io.out(JSON.stringify(summary) + '\n');
      return EXIT.OK;
    }
    const { info } = snapshot;
    const state = summary.expired ? 'EXPIRED' : summary.stale ? 'STALE' : 'current';
    const lines = [
      `trust bundle seq ${info.seq} from ${info.iss}, signed by root ${info.rootKid}`,
      `issued ${iso(info.iat)} (${humanAge(summary.ageSeconds as number)} ago), expires ${iso(info.exp)}: ${state}`,
    ];
    for (const i of info.issuers) {
      lines.push(`  ${i.id} [${i.format}${i.country === undefined ? '' : ` ${i.country}`}] ${i.name.zh} / ${i.name.en}`);
      for (const k of i.keys) {
        const revoked = i.revoked.includes(k.kid) ? ' REVOKED' : '';
        lines.push(`    ${k.kid} ${k.alg} valid ${iso(k.nbf) ?? '-∞'} … ${iso(k.exp) ?? '∞'}${revoked}`);
      }
      for (const c of i.certificates ?? []) {
        const revoked = i.revoked.includes(c.kid) ? ' REVOKED' : '';
        const types = c.types === null ? 'any type' : `types ${c.types.join(',')}`;
        lines.push(`    ${c.kid} ${c.alg} ${c.subject} valid ${c.notBefore} … ${c.notAfter}, ${types}${revoked}`);
      }
      if (i.revokedCards !== undefined && i.revokedCards > 0) lines.push(`    ${i.revokedCards} revoked card${i.revokedCards === 1 ? '' : 's'}`);
      const gone = i.revoked.filter((kid) => !i.keys.some((k) => k.kid === kid) && !(i.certificates ?? []).some((c) => c.kid === kid));
      if (gone.length > 0) lines.push(`    revoked: ${gone.join(', ')}`);
    }
    io.out(lines.join('\n') + '\n');
    return EXIT.OK;
  }
  throw new UsageError(verb === undefined ? 'trust needs install or show' : `unknown trust command "${verb}"`);
}
