import { FormatRegistry } from '@sinclair/typebox';

/** ISO 8601 date-time with a zone, as JSON clients send it (`2016-10-21T14:03:00Z`). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):?(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Instants whose UTC form has a four-digit year from 1: what `toISOString` writes and PostgreSQL reads back. */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Also a time PostgreSQL accepts, and accepts again once JavaScript has written it back as
 * UTC: `Date.parse` takes February 30th and year 0, which the database refuses, and
 * `9999-12-31T23:59:59-14:00` is in year 10000 in UTC, which `toISOString` writes as
 * `+010000-…`. A post accepted with one could never be stored.
 */
export function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const field = (group: number): number => Number(match[group] ?? 0);
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 7, 8].map(field) as [number, number, number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (year < 1 || days === undefined || day < 1 || day > days) return false;
  if (minute > 59 || second > 59 || hour > 24 || (hour === 24 && (minute > 0 || second > 0))) return false;
  if (offsetHours > 15 || offsetMinutes > 59) return false;
  const instant = Date.parse(value);
  return instant >= EARLIEST && instant <= LATEST;
}

export function isUri(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

// TypeBox's compiler knows no formats until they are registered; Fastify's Ajv knows its own.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isDateTime);
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', isUri);
