import { describe, expect, it } from 'vitest';
import { checkSchedule, draftOf, formatInZone } from './schedule-text.ts';

describe('the schedule editor', () => {
  const now = new Date('2026-12-04T12:00:00Z'); // a Friday

  it('previews the next three runs in the schedule time zone', () => {
    const check = checkSchedule(draftOf(null, 'Europe/Paris'), now);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.next.map((d) => d.toISOString())).toEqual([
      '2026-12-07T05:00:00.000Z',
      '2026-12-08T05:00:00.000Z',
      '2026-12-09T05:00:00.000Z',
    ]);
    expect(formatInZone(check.next[0]!, 'Europe/Paris')).toBe('Mon, 7 Dec 2026, 06:00 (Europe/Paris)');
  });

  it('names each field that is wrong', () => {
    const check = checkSchedule(
      { cron: '0 25 * * *', timezone: 'Europe/Nowhere', missed: 'skip', maxRunMinutes: '0' },
      now,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(Object.keys(check.problems).sort()).toEqual(['cron', 'maxRunMinutes', 'timezone']);
    expect(check.problems.cron).toContain('hour');
  });
});
