import { CronExpressionParser } from 'cron-parser';

/** minute, hour, day of month, month, day of week: the schedule runs at minute granularity. */
const CRON_FIELDS = 5;
/** cron-parser's `H` draws a random value at every parse, so occurrences would not be stable. */
const HASHED_VALUE = /(?<![A-Z])H(?![A-Z])/i;

/** The first occurrence of `cron` in `timezone` strictly after `after`. Throws when there is none. */
export function nextOccurrence(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone }).next().toDate();
}

/** Why `cron` cannot be a schedule's expression, or undefined when it can. */
export function cronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== CRON_FIELDS) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`;
  }
  if (fields.some((field) => HASHED_VALUE.test(field))) return 'H (a random value) is not supported';
  try {
    // Parsing alone accepts dates that never come (0 0 30 2 *); the next occurrence does not.
    nextOccurrence(cron, 'UTC', new Date());
    return undefined;
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
}

/**
 * Whether `timezone` names an IANA time zone the runtime knows (`Europe/Paris`; case does not
 * matter). Offsets (`+01:00`) are refused: a named zone follows its daylight saving time, a fixed
 * offset does not. The name is kept as written: the runtime would rewrite some into other aliases.
 */
export function isTimezone(timezone: string): boolean {
  if (!/^[A-Za-z]/.test(timezone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
