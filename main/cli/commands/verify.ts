// sentinel verify [TEXT | -] [--temp C] [--batch FILE] [--no-log]
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import type { Verdict } from '../../contract/reasons.js';
import { openCheckpoint } from '../../checkpoint/open-checkpoint.js';
import type { Scan } from '../../checkpoint/checkpoint.js';
import { ConfigError, EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';
import { outcomeJson, outcomeLine } from '../outcome-text.js';
import type { CommandIo } from '../command-io.js';
import type { Lang } from '../../contract/messages.js';
import { joinShcChunks, parseShcChunk, type JoinResult } from '../../verify/formats/shc-chunks.js';

export const VERIFY_HELP = `usage: sentinel verify (TEXT | - | --batch FILE) [--temp C] [--no-log] [--json] [--at ISO] [--lang zh-CN|en] [--data DIR]

Decides on one scanned code (TEXT, or stdin with -), or on one code per line
of FILE (--batch; - reads stdin). Each check is logged unless --no-log.
A SMART Health Card in chunks (shc:/1/3/…) is given on stdin, one chunk per
line, in any order; a set with parts missing is MALFORMED and names them.
Exit status with one code: 0 admit, 1 deny, 2 review. With --batch: 0 once
every line was decided.`;

const VERDICT_EXIT: Readonly<Record<Verdict, number>> = { admit: EXIT.ADMIT, deny: EXIT.DENY, review: EXIT.REVIEW };

/** Logged batches are committed this many checks at a time, then printed. */
const LOGGED_CHUNK = 64;
const UNLOGGED_CHUNK = 256;

export function parseTemperature(value: string | undefined): number | null {
  if (value === undefined) return null;
  const t = /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(t) || t < -50 || t > 150) throw new UsageError(`--temp must be a temperature in °C such as 36.6, not "${value}"`);
  return t;
}

/**
 * A SMART Health Card given as chunks, one per line (formats.md §3): the
 * whole card once every part is there. A set that is not a card (parts
 * missing, of two cards, one part twice and different) is checked as its
 * first chunk — MALFORMED, a part is not a card — and what is wrong with it
 * is said. Anything else is the code as given.
 */
function joinedChunks(given: string): { code: string; problem: Exclude<JoinResult, { ok: true }> | null } {
  const lines = given
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0 || !lines.every((l) => parseShcChunk(l) !== null)) return { code: given, problem: null };
  const joined = joinShcChunks(lines);
  return joined.ok ? { code: joined.text, problem: null } : { code: lines[0]!, problem: joined };
}

function chunkProblemSentence(p: Exclude<JoinResult, { ok: true }>, lang: Lang): string {
  const zh = lang === 'zh-CN';
  switch (p.problem) {
    case 'incomplete':
      return zh ? `缺少第 ${p.missing.join('、')} 部分` : `part${p.missing.length > 1 ? 's' : ''} ${p.missing.join(', ')} missing`;
    case 'mixed-totals':
      return zh ? '这些部分属于不同的卡' : 'the parts belong to different cards';
    case 'conflict':
      return zh ? '同一部分出现两次且内容不同' : 'one part is given twice, differently';
    case 'not-a-chunk':
      return zh ? '有一行不是卡的一部分' : 'a line is not a part of a card';
  }
}

async function readAllStdin(io: CommandIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function verifyCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { temp: { type: 'string' }, batch: { type: 'string' }, 'no-log': { type: 'boolean' } }, 1);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(VERIFY_HELP + '\n');
    return EXIT.OK;
  }
  const temperatureC = parseTemperature(values.temp);
  const record = !values['no-log'];
  // --at decides "as of" a time the caller chose: logged, but no reading of the clock,
  // so never evidence of the time (main/checkpoint/checkpoint.ts).
  const clockEvidence = values.at === undefined;
  const text = positionals[0];
  if (text !== undefined && values.batch !== undefined) throw new UsageError('give either a code or --batch FILE, not both');
  if (text === undefined && values.batch === undefined) throw new UsageError('give a code to verify, - to read it from stdin, or --batch FILE');

  const batchFile = values.batch;
  if (batchFile !== undefined && batchFile !== '-') {
    try {
      fs.accessSync(batchFile, fs.constants.R_OK);
    } catch {
      throw new UsageError(`cannot read --batch file ${batchFile}`);
    }
  }

  const opened = await openCheckpoint(common.dataDir, { nowMs: common.nowMs });
  try {
    if (!opened.checkpoint.trust) {
      throw new ConfigError(`no trust bundle is installed in ${opened.dir.root}: run sentinel trust install FILE --root JWK-FILE`);
    }
    const print = (o: Parameters<typeof outcomeLine>[0], line?: number): string =>
      common.json ? outcomeJson(o, common.lang, line === undefined ? {} : { line }) : outcomeLine(o, common.lang, line === undefined ? '' : `${line}: `);

    if (batchFile === undefined) {
      // A scanner or a pipe ends the code with a newline; that is not part of it.
      const given = text === '-' ? (await readAllStdin(io)).replace(/\r?\n$/, '') : text!;
      const { code, problem } = joinedChunks(given);
      const outcome = await opened.checkpoint.check({ text: code, temperatureC, atMs: common.nowMs }, { record, clockEvidence });
      if (problem === null) io.out(print(outcome) + '\n');
      else if (common.json)
        io.out(outcomeJson(outcome, common.lang, { chunks: { problem: problem.problem, missingParts: problem.missing, message: chunkProblemSentence(problem, common.lang) } }) + '\n');
      else io.out(`${print(outcome)} — ${chunkProblemSentence(problem, common.lang)}\n`);
      return VERDICT_EXIT[outcome.verdict];
    }

    // Made only now, just before it is read: lines a readline interface emits before
    // its iterator exists are lost (and so would be the end of the input).
    const lines = readline.createInterface({ input: batchFile === '-' ? io.stdin : fs.createReadStream(batchFile), crlfDelay: Infinity });
    const chunkSize = record ? LOGGED_CHUNK : UNLOGGED_CHUNK;
    let pending: { scan: Scan; line: number }[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const outcomes = await opened.checkpoint.checkMany(
        pending.map((p) => p.scan),
        { record, clockEvidence },
      );
      // Printed only after the chunk is committed: a reported check is a logged check.
      io.out(outcomes.map((o, i) => print(o, pending[i]!.line)).join('\n') + '\n');
      pending = [];
    };
    let lineNo = 0;
    for await (const raw of lines) {
      lineNo++;
      const code = raw.replace(/\r$/, '');
      if (code.trim() === '') continue;
      // With no --at, each line is checked at the moment it is read.
      const atMs = values.at !== undefined ? common.nowMs : io.clock();
      pending.push({ scan: { text: code, temperatureC, atMs }, line: lineNo });
      if (pending.length >= chunkSize) await flush();
    }
    await flush();
    return EXIT.OK;
  } finally {
    opened.close();
  }
}
