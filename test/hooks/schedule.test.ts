// Hook schedules: cron strings in UTC, validated, walked to their next fire times. Pure rules,
// table-tested; node-cron's own answers are the reference where its semantics and ours agree.
import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { dueFires, nextFireOfAll, nextFires, parseCron, parseSchedules } from '../../entities/hooks/schedule';

const AT = new Date('2026-11-28T09:52:50.123Z'); // a Saturday
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('next fire times', () => {
  const cases: [string, string[]][] = [
    ['* * * * * *', ['2026-11-28T09:52:51.000Z', '2026-11-28T09:52:52.000Z', '2026-11-28T09:52:53.000Z']],
    ['*/15 * * * *', ['2026-11-28T10:00:00.000Z', '2026-11-28T10:15:00.000Z', '2026-11-28T10:30:00.000Z']],
    ['0 0 * * *', ['2026-11-29T00:00:00.000Z', '2026-11-30T00:00:00.000Z', '2026-12-01T00:00:00.000Z']],
    ['30 59 23 31 12 *', ['2026-12-31T23:59:30.000Z', '2027-12-31T23:59:30.000Z', '2028-12-31T23:59:30.000Z']],
    ['0 0 9 * * MON-FRI', ['2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z', '2026-12-02T09:00:00.000Z']],
    ['0 0 0 L * *', ['2026-11-30T00:00:00.000Z', '2026-12-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z']],
    ['0 0 0 * * 1#2', ['2026-12-14T00:00:00.000Z', '2027-01-11T00:00:00.000Z', '2027-02-08T00:00:00.000Z']],
    ['0 0 0 * * 5L', ['2026-12-25T00:00:00.000Z', '2027-01-29T00:00:00.000Z', '2027-02-26T00:00:00.000Z']],
    ['0 0 0 15W * *', ['2026-12-15T00:00:00.000Z', '2027-01-15T00:00:00.000Z', '2027-02-15T00:00:00.000Z']],
    ['0 0 0 29 2 *', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z']],
    ['0 0 0 * * 7', ['2026-11-29T00:00:00.000Z', '2026-12-06T00:00:00.000Z', '2026-12-13T00:00:00.000Z']],
    // Both day fields restricted: either matches (Vixie cron, cron-parser), not both (node-cron).
    ['0 0 9 1 * MON', ['2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z', '2026-12-07T09:00:00.000Z']],
  ];
  it.each(cases)('%s', (expression, expected) => {
    expect(iso(nextFires([parseCron(expression)], AT, 3))).toEqual(expected);
  });

  it('agrees with node-cron wherever at most one day field is restricted', () => {
    const expressions = ['* * * * * *', '*/7 */3 * * * *', '0 30 2 * * *', '0 0 */6 * * 1-5', '0 0 0 1,15 * *', '15 10 8 * 3 *', '0 0 0 L * *', '0 0 12 * * 2#3', '0 5 4 * * 6L'];
    for (const expression of expressions) {
      const task = cron.createTask(expression, () => undefined, { timezone: 'Etc/UTC' });
      try {
        // node-cron counts from the real clock; so do we, here.
        const now = new Date();
        const theirs = task.getNextRuns(5);
        expect(iso(nextFires([parseCron(expression)], new Date(theirs[0].getTime() - 1), 5)), expression).toEqual(iso(theirs));
        expect(theirs[0].getTime()).toBeGreaterThan(now.getTime() - 1000);
      } finally {
        void task.destroy();
      }
    }
  });

  it('takes the earliest of several schedules, once when two agree', () => {
    const schedules = parseSchedules(['0 0 * * * *', '0 30 * * * *', '0 0 10 * * *']);
    expect(iso(nextFires(schedules, AT, 3))).toEqual(['2026-11-28T10:00:00.000Z', '2026-11-28T10:30:00.000Z', '2026-11-28T11:00:00.000Z']);
  });

  it('has no next fire without a schedule', () => {
    expect(nextFireOfAll([], AT)).toBeNull();
  });

  it('never answers a time with milliseconds, nor the instant it was asked from', () => {
    const schedule = parseCron('* * * * * *');
    expect(nextFireOfAll([schedule], new Date('2026-01-01T00:00:00.000Z'))!.toISOString()).toBe('2026-01-01T00:00:01.000Z');
    expect(nextFireOfAll([schedule], new Date('2026-01-01T00:00:00.999Z'))!.toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });
});

describe('catching up', () => {
  it('summarizes the scheduled times between the first due one and now: the latest, how many before it, the next', () => {
    const due = dueFires([parseCron('* * * * * *')], new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:10:00.500Z'));
    expect(due).toEqual({ latest: new Date('2026-01-01T00:10:00Z'), skipped: 600, next: new Date('2026-01-01T00:10:01Z') });
  });

  it('counts nothing missed when only the first is due', () => {
    const due = dueFires([parseCron('0 * * * *')], new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:30:00Z'));
    expect(due).toEqual({ latest: new Date('2026-01-01T00:00:00Z'), skipped: 0, next: new Date('2026-01-01T01:00:00Z') });
  });
});

describe('validation', () => {
  const bad: [string, string][] = [
    ['', 'must have 5 fields'],
    ['* * * *', 'must have 5 fields'],
    ['* * * * * * *', 'must have 5 fields'],
    ['61 * * * * *', 'not a valid cron string'],
    ['* 25 * * *', 'not a valid cron string'],
    ['0 0 0 31 2 *', 'not a valid cron string'],
    ['0 0 0 30 2 *', 'not a valid cron string'],
    ['every day', 'must have 5 fields'],
  ];
  it.each(bad)('refuses %j, naming the entry', (expression, message) => {
    expect(() => parseSchedules(['0 0 * * *', expression])).toThrow(message);
    try {
      parseSchedules(['0 0 * * *', expression]);
    } catch (error) {
      expect((error as { code: string }).code).toBe('BAD_USER_INPUT');
      expect((error as { details: { field: string } }).details.field).toBe('schedule[1]');
    }
  });

  it('refuses more than 32 schedules', () => {
    expect(() => parseSchedules(Array.from({ length: 33 }, () => '0 0 * * *'))).toThrow('at most 32');
  });
});
