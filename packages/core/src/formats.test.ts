import { describe, expect, it } from 'vitest';
import { isDateTime } from './formats.js';

describe('isDateTime', () => {
  it.each([
    '2026-10-21T09:00:00Z',
    '2026-10-21 09:00Z',
    '2026-10-21T09:00:00.123+05:30',
    '2026-10-21T09:00:00+0530',
    '2024-02-29T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00+15:59',
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00-01:00',
    '9999-12-31T23:59:59Z',
    '9999-12-31T23:59:59+14:00',
  ])('accepts %s', (value) => {
    expect(isDateTime(value)).toBe(true);
  });

  // Each of these passes Date.parse (or nearly does), and PostgreSQL refuses it: a post
  // accepted with one could never be stored.
  it.each([
    ['year 0', '0000-01-01T00:00:00Z'],
    ['February 30th', '2026-02-30T00:00:00Z'],
    ['February 29th of a common year', '2023-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['day 0', '2026-01-00T00:00:00Z'],
    ['past midnight', '2026-01-01T24:30:00Z'],
    ['a leap second', '2026-01-01T23:59:60Z'],
    ['an offset past 15:59', '2026-01-01T00:00:00+16:00'],
    ['year 10000 in UTC', '9999-12-31T23:59:59-14:00'],
    ['year 0 in UTC', '0001-01-01T00:00:00+01:00'],
    ['no zone', '2026-01-01T00:00:00'],
    ['a date only', '2026-01-01'],
  ])('refuses %s', (_what, value) => {
    expect(isDateTime(value)).toBe(false);
  });
});
