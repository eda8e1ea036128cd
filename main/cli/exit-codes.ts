// Exit statuses of the sentinel command (spec §5; sysexits.h names).
export const EXIT = {
  ADMIT: 0,
  OK: 0,
  DENY: 1,
  /** log --verify-chain found the chain broken. */
  CHAIN_BROKEN: 1,
  REVIEW: 2,
  USAGE: 64,
  /** gate test: the device did not answer or confirm (EX_UNAVAILABLE). */
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  /** sync --once: something is still pending (EX_TEMPFAIL). */
  TEMPFAIL: 75,
  CONFIG: 78,
} as const;

/** A bad command line: unknown flag, bad value, missing argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A missing or unusable data directory, bundle or policy. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
