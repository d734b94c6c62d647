// Hook schedules: cron strings in UTC, parsed by node-cron (so what is valid here is what the
// cron process accepts) and walked here to the next fire times. Pure: times are passed in.
//
// Five fields (`m h dom mon dow`) or six (`s m h dom mon dow`, seconds first, as Taskcluster's
// hooks take them). When both day fields are restricted, a day matches if EITHER does, as in
// Vixie cron and cron-parser (which Taskcluster's hooks use): `0 0 9 1 * MON` is "the 1st, and
// every Monday". (node-cron itself requires both; a Taskcluster user would not expect that.)
import cron from 'node-cron';
import { InputError } from '../errors';

export const MAX_SCHEDULES = 32;
/** How far ahead the walker looks: enough for leap days (`0 0 0 29 2 *`), then gives up. */
const MAX_DAYS = 366 * 9;

export interface CronSchedule {
  readonly expression: string;
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: ReadonlySet<number>;
  /** Numbers, `L`, `L-<n>`, `<n>W`, `LW`. */
  readonly daysOfMonth: readonly (number | string)[];
  /** Numbers (0 = Sunday), `<d>#<n>`, `<d>L`. */
  readonly daysOfWeek: readonly (number | string)[];
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

/** Parses one cron string; throws InputError naming `field` and saying what is wrong. */
export function parseCron(expression: string, field = 'schedule'): CronSchedule {
  const text = typeof expression === 'string' ? expression.trim() : '';
  const raw = text.split(/\s+/);
  if (!text || (raw.length !== 5 && raw.length !== 6)) {
    throw new InputError(`${field} "${expression}" must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), in UTC`, { field });
  }
  let parsed: ReturnType<typeof cron.parse>;
  try {
    parsed = cron.parse(text);
  } catch (error) {
    throw new InputError(`${field} "${expression}" is not a valid cron string: ${(error as Error).message}`, { field });
  }
  const [dom, dow] = raw.length === 6 ? [raw[3], raw[5]] : [raw[2], raw[4]];
  const schedule: CronSchedule = {
    expression: text,
    seconds: sorted(parsed.second),
    minutes: sorted(parsed.minute),
    hours: sorted(parsed.hour),
    months: new Set(parsed.month),
    daysOfMonth: parsed.dayOfMonth,
    daysOfWeek: parsed.dayOfWeek.map((d) => (d === 7 ? 0 : d)),
    domRestricted: dom !== '*' && dom !== '?',
    dowRestricted: dow !== '*' && dow !== '?',
  };
  if (!schedule.seconds.length || !schedule.minutes.length || !schedule.hours.length || !schedule.months.size) {
    throw new InputError(`${field} "${expression}" matches no time`, { field });
  }
  if (nextFire(schedule, new Date(Date.UTC(2000, 0, 1))) === null) {
    throw new InputError(`${field} "${expression}" never fires`, { field });
  }
  return schedule;
}

/** Parses a hook's schedule list (each entry validated, at most MAX_SCHEDULES). */
export function parseSchedules(expressions: readonly string[]): CronSchedule[] {
  if (expressions.length > MAX_SCHEDULES) throw new InputError(`schedule may hold at most ${MAX_SCHEDULES} cron strings`, { field: 'schedule' });
  return expressions.map((e, i) => parseCron(e, `schedule[${i}]`));
}

/** The first time strictly after `after` that the schedule matches (whole seconds, UTC); null if none within years. */
export function nextFire(schedule: CronSchedule, after: Date): Date | null {
  // From the next whole second: a fire time has no milliseconds.
  const start = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let bound: [number, number, number] | undefined = [start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()];
  for (let i = 0; i < MAX_DAYS; i++) {
    if (schedule.months.has(month) && dayMatches(schedule, year, month, day)) {
      const time = firstTimeOfDay(schedule, bound);
      if (time) return new Date(Date.UTC(year, month - 1, day, time[0], time[1], time[2]));
    }
    bound = undefined;
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    [year, month, day] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
  }
  return null;
}

/** The earliest next fire over several schedules (null when there are none). */
export function nextFireOfAll(schedules: readonly CronSchedule[], after: Date): Date | null {
  let best: Date | null = null;
  for (const schedule of schedules) {
    const next = nextFire(schedule, after);
    if (next && (!best || next < best)) best = next;
  }
  return best;
}

/** The next `count` fire times after `after`, over several schedules. */
export function nextFires(schedules: readonly CronSchedule[], after: Date, count: number): Date[] {
  const fires: Date[] = [];
  let from = after;
  while (fires.length < count) {
    const next = nextFireOfAll(schedules, from);
    if (!next) break;
    fires.push(next);
    from = next;
  }
  return fires;
}

export interface DueFires {
  /** The latest scheduled time at or before `now`. */
  latest: Date;
  /** How many scheduled times from `first` up to `latest` come before it (capped at `limit`). */
  skipped: number;
  /** The first scheduled time after `now`. */
  next: Date | null;
}

/** Every scheduled time from `first` (itself a scheduled time) to `now`, summarized: for catching up once after an outage. */
export function dueFires(schedules: readonly CronSchedule[], first: Date, now: Date, limit = 1_000_000): DueFires {
  let latest = first;
  let skipped = 0;
  let next = nextFireOfAll(schedules, first);
  while (next && next <= now) {
    if (skipped >= limit) {
      // Counting stops; jump straight to the present.
      latest = new Date(Math.floor(now.getTime() / 1000) * 1000);
      next = nextFireOfAll(schedules, now);
      break;
    }
    skipped += 1;
    latest = next;
    next = nextFireOfAll(schedules, next);
  }
  return { latest, skipped, next };
}

function firstTimeOfDay(schedule: CronSchedule, bound: [number, number, number] | undefined): [number, number, number] | undefined {
  for (const h of schedule.hours) {
    if (bound && h < bound[0]) continue;
    const sameHour = bound !== undefined && h === bound[0];
    for (const m of schedule.minutes) {
      if (sameHour && m < bound[1]) continue;
      const sameMinute = sameHour && m === bound[1];
      for (const s of schedule.seconds) {
        if (sameMinute && s < bound[2]) continue;
        return [h, m, s];
      }
    }
  }
  return undefined;
}

function dayMatches(schedule: CronSchedule, year: number, month: number, day: number): boolean {
  const dom = matchesDayOfMonth(schedule.daysOfMonth, year, month, day);
  const dow = matchesDayOfWeek(schedule.daysOfWeek, year, month, day);
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  return dom && dow;
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The weekday nearest to `target` within the month (`15W`), as Quartz defines it. */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(field: readonly (number | string)[], year: number, month: number, day: number): boolean {
  for (const value of field) {
    if (value === day) return true;
    if (typeof value !== 'string') continue;
    const last = lastDayOfMonth(year, month);
    if (value === 'L' && day === last) return true;
    const offset = /^L-(\d+)$/.exec(value);
    if (offset && last - Number(offset[1]) === day) return true;
    const weekday = /^(L|\d+)W$/.exec(value);
    if (weekday) {
      const target = weekday[1] === 'L' ? last : Number(weekday[1]);
      if (target <= last && nearestWeekday(year, month, target) === day) return true;
    }
  }
  return false;
}

function matchesDayOfWeek(field: readonly (number | string)[], year: number, month: number, day: number): boolean {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  for (const value of field) {
    if (value === weekday) return true;
    if (typeof value !== 'string') continue;
    const nth = /^([0-7])#([1-5])$/.exec(value);
    if (nth && Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2])) return true;
    const lastOf = /^([0-7])L$/i.exec(value);
    if (lastOf && Number(lastOf[1]) % 7 === weekday && day + 7 > lastDayOfMonth(year, month)) return true;
  }
  return false;
}

function sorted(values: readonly (number | string)[]): number[] {
  return [...new Set(values.map(Number))].sort((a, b) => a - b);
}
