import { describe, expect, it } from 'vitest';
import { cronProblem, isTimezone, nextOccurrence } from './task-schedule-cron.ts';

const at = (text: string) => new Date(text);

describe('nextOccurrence', () => {
  it('is the first occurrence strictly after the given time, at minute granularity', () => {
    expect(nextOccurrence('*/5 * * * *', 'UTC', at('2025-01-15T10:30:00.000Z'))).toEqual(
      at('2025-01-15T10:35:00.000Z'),
    );
    expect(nextOccurrence('*/5 * * * *', 'UTC', at('2025-01-15T10:29:59.999Z'))).toEqual(
      at('2025-01-15T10:30:00.000Z'),
    );
    expect(nextOccurrence('* * * * *', 'UTC', at('2025-01-15T10:30:20.000Z'))).toEqual(
      at('2025-01-15T10:31:00.000Z'),
    );
  });

  it('reads the expression in the time zone, across daylight saving time', () => {
    // 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
    expect(nextOccurrence('0 9 * * 1-5', 'Europe/Paris', at('2025-01-15T10:00:00Z'))).toEqual(
      at('2025-01-16T08:00:00Z'),
    );
    expect(nextOccurrence('0 9 * * 1-5', 'Europe/Paris', at('2025-07-15T10:00:00Z'))).toEqual(
      at('2025-07-16T07:00:00Z'),
    );
    // 02:30 does not exist in New York on 9 March 2025: the occurrence is the hour after the jump.
    expect(nextOccurrence('30 2 * * *', 'America/New_York', at('2025-03-08T12:00:00Z'))).toEqual(
      at('2025-03-09T07:30:00Z'),
    );
  });

  it('follows day-of-month or day-of-week when both are restricted, as cron does', () => {
    // The 13th, or any Friday: Friday 17 January comes first.
    expect(nextOccurrence('0 0 13 * 5', 'UTC', at('2025-01-14T00:00:00Z'))).toEqual(
      at('2025-01-17T00:00:00Z'),
    );
  });
});

describe('cronProblem', () => {
  it('accepts five-field expressions with lists, ranges, steps, names and L', () => {
    for (const cron of [
      '* * * * *',
      '0 9 * * 1-5',
      '*/15 8-18 * * MON-FRI',
      '0 0 L * *',
      '5,35 * 1 JAN,JUL *',
    ]) {
      expect(cronProblem(cron), cron).toBeUndefined();
    }
  });

  it('names what is wrong with an expression that cannot be a schedule', () => {
    expect(cronProblem('* * * *')).toMatch(/must have 5 fields .* not 4/);
    expect(cronProblem('0 * * * * *')).toMatch(/must have 5 fields .* not 6/);
    expect(cronProblem('@daily')).toMatch(/must have 5 fields/);
    expect(cronProblem('')).toMatch(/not 0/);
    expect(cronProblem('61 * * * *')).toMatch(/not a valid cron expression: .*0-59/);
    expect(cronProblem('*/0 * * * *')).toMatch(/not a valid cron expression/);
    expect(cronProblem('0 0 * * 8')).toMatch(/not a valid cron expression/);
    expect(cronProblem('every minute please')).toMatch(/must have 5 fields/);
    expect(cronProblem('a b c d e')).toMatch(/not a valid cron expression/);
    // Parses, but 30 February never comes.
    expect(cronProblem('0 0 30 2 *')).toMatch(/not a valid cron expression/);
    // A random value would move at every parse.
    expect(cronProblem('H * * * *')).toMatch(/H \(a random value\) is not supported/);
    expect(cronProblem('0 9 * * THU')).toBeUndefined();
  });
});

describe('isTimezone', () => {
  it('knows IANA zones, whatever their case', () => {
    for (const zone of [
      'UTC',
      'Europe/Paris',
      'europe/paris',
      'America/Argentina/Buenos_Aires',
      'Asia/Kolkata',
    ]) {
      expect(isTimezone(zone), zone).toBe(true);
    }
  });

  it('refuses unknown zones and fixed offsets', () => {
    for (const zone of [
      'Mars/Olympus_Mons',
      'Europe/Pariss',
      '',
      '+01:00',
      '-05:00',
      'GMT+1',
      'Europe/Paris\u0000',
    ]) {
      expect(isTimezone(zone), JSON.stringify(zone)).toBe(false);
    }
  });
});
