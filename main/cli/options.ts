// Option parsing shared by every subcommand: strict (an unknown flag is a
// usage error), with the common options of spec §5.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isLang, type Lang } from '../contract/messages.js';
import { defaultDataDir } from '../data-dir.js';
import { UsageError } from './exit-codes.js';
import { localeLang } from '../app/kiosk-flags.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  data: { type: 'string' },
  json: { type: 'boolean' },
  at: { type: 'string' },
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export interface Common {
  dataDir: string;
  json: boolean;
  /** The time to act as of, ms since the epoch: --at, else the system clock. */
  nowMs: number;
  lang: Lang;
  help: boolean;
}

/**
 * A device id (a JWK thumbprint) and an enrollment token are 43 base64url
 * characters, and one in 64 begins with "-": `sentinel central revoke -Sx…`
 * must revoke that device, not fail on an unknown option -S. No option of
 * ours is 43 characters long, so such an argument is always a value — one
 * beginning "--" too (an id can), so an unknown option of exactly that
 * length is refused as the stray argument or unknown id it is taken for.
 */
const DASHED_VALUE = /^-[A-Za-z0-9_-]{42}$/;

export function parseCommand<T extends Options>(args: string[], options: T, maxPositionals: number) {
  // Stood in for by a placeholder parseArgs cannot take for an option, then put back.
  const held: string[] = [];
  const stand = (a: string): string => `\u0000${held.push(a) - 1}`;
  // An option given more than once (multiple: true) holds its values in a list: each is put back.
  const back = (v: unknown): unknown => (Array.isArray(v) ? v.map(back) : typeof v === 'string' && v.startsWith('\u0000') ? held[Number(v.slice(1))] : v);
  const end = args.indexOf('--');
  const masked = args.map((a, i) => ((end === -1 || i < end) && DASHED_VALUE.test(a) ? stand(a) : a));
  let parsed;
  try {
    parsed = parseArgs({ args: masked, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true });
  } catch (err) {
    // node's messages are clear but long; keep the first sentence.
    throw new UsageError((err as Error).message.split('. ')[0]!.replace(/\.$/, ''));
  }
  parsed.positionals = parsed.positionals.map((p) => back(p) as string);
  for (const [k, v] of Object.entries(parsed.values)) (parsed.values as Record<string, unknown>)[k] = back(v);
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

export function parseIsoTime(value: string, flag: string): number {
  const ms = ISO_8601.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} must be an ISO-8601 time such as 2026-11-29T08:00:00Z, not "${value}"`);
  return ms;
}

export function commonOf(values: { data?: string; json?: boolean; at?: string; lang?: string; help?: boolean }, clock: () => number): Common {
  if (values.lang !== undefined && !isLang(values.lang)) throw new UsageError(`--lang must be zh-CN or en, not "${values.lang}"`);
  return {
    dataDir: values.data ?? defaultDataDir(),
    json: values.json ?? false,
    nowMs: values.at !== undefined ? parseIsoTime(values.at, '--at') : clock(),
    lang: (values.lang as Lang | undefined) ?? localeLang(),
    help: values.help ?? false,
  };
}
