// sentinel policy set FILE | policy show
import { DataDir } from '../../data-dir.js';
import { PolicyRefused, PolicyStore } from '../../policy/policy-store.js';
import { cliActor, recordIn } from '../../audit/audit.js';
import { readInputFile, type CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const POLICY_HELP = `usage: sentinel policy set FILE [--data DIR] [--json]
       sentinel policy show [--data DIR] [--json]

set validates a checkpoint policy (spec §3; missing fields take the defaults,
unknown fields are refused) and installs it as a new version; a refused
policy names the field and exits 78, leaving the old one in force.
show prints the policy in force (the defaults when none was set); --json
prints its fields plus "version" and "setAt".`;

/** A policy document is a small JSON object: nothing larger is read (nor a FIFO, a device or a folder). */
const MAX_POLICY_FILE_BYTES = 64 * 1024;

export async function policyCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, 2);
  const common = commonOf(values, io.clock);
  const [verb, file] = positionals;
  if (common.help) {
    io.out(POLICY_HELP + '\n');
    return EXIT.OK;
  }
  if (verb === 'set') {
    if (file === undefined) throw new UsageError('policy set needs the policy FILE');
    const text = await readInputFile(file, 'policy', MAX_POLICY_FILE_BYTES);
    const dir = DataDir.open(common.dataDir, { create: true });
    const store = new PolicyStore(dir);
    let before: unknown = null;
    try {
      before = store.load().policy;
    } catch {
      /* a damaged policy file: there is no "before" to record */
    }
    let installed;
    try {
      installed = store.set(text, common.nowMs);
    } catch (err) {
      if (err instanceof PolicyRefused) recordIn(dir, 'policy/refused', cliActor(), { file, field: err.field, reason: err.message }, common.nowMs);
      throw err;
    }
    recordIn(dir, 'policy/set', cliActor(), { file, version: installed.version, before, after: installed.policy }, common.nowMs);
    io.out(common.json ? JSON.stringify({ installed: true, version: installed.version }) + '\n' : `policy version ${installed.version} installed\n`);
    return EXIT.OK;
  }
  if (verb === 'show') {
    if (file !== undefined) throw new UsageError(`unexpected argument "${file}"`);
    const installed = new PolicyStore(DataDir.open(common.dataDir, { create: false })).load();
    const setAt = installed.setAtMs === null ? null : new Date(installed.setAtMs).toISOString();
    // The policy's own fields at the top (what `policy set` takes), with its version beside them.
    if (common.json) io.out(JSON.stringify({ ...installed.policy, version: installed.version, setAt }) + '\n');
    else io.out(`policy version ${installed.version}${setAt ? ` set ${setAt}` : ' (defaults)'}\n${JSON.stringify(installed.policy, null, 2)}\n`);
    return EXIT.OK;
  }
  throw new UsageError(verb === undefined ? 'policy needs set or show' : `unknown policy command "${verb}"`);
}
