import { FormatRegistry } from '@sinclair/typebox';

/** ISO 8601 date-time with a zone, as JSON clients send it (`2016-10-21T14:03:00Z`). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):?(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Also a time PostgreSQL accepts: `Date.parse` takes February 30th and year 0, which the
 * database refuses, and a post accepted with one could then never be stored.
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
  return !Number.isNaN(Date.parse(value));
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
