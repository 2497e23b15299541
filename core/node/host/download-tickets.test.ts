import { describe, expect, it } from 'vitest';
import { DownloadTickets } from './download-tickets.ts';

describe('DownloadTickets', () => {
  it('opens one download of its run, once', () => {
    const tickets = new DownloadTickets();
    const t = tickets.issue('r_1');
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tickets.take(t, 'r_1')).toBe(true);
    expect(tickets.take(t, 'r_1')).toBe(false);
    expect(tickets.take(null, 'r_1')).toBe(false);
    expect(tickets.take('made-up', 'r_1')).toBe(false);
  });

  it('is spent by a try at another run', () => {
    const tickets = new DownloadTickets();
    const t = tickets.issue('r_1');
    expect(tickets.take(t, 'r_2')).toBe(false);
    expect(tickets.take(t, 'r_1')).toBe(false);
  });

  it('expires after its time to live', () => {
    let now = 1_000;
    const tickets = new DownloadTickets(60_000, () => now);
    const late = tickets.issue('r_1');
    const soon = tickets.issue('r_1');
    now += 59_999;
    expect(tickets.take(soon, 'r_1')).toBe(true);
    now += 1;
    expect(tickets.take(late, 'r_1')).toBe(false);
  });

  it('keeps a bounded number waiting, dropping the oldest', () => {
    const tickets = new DownloadTickets();
    const first = tickets.issue('r_1');
    const rest = Array.from({ length: 64 }, () => tickets.issue('r_1'));
    expect(tickets.take(first, 'r_1')).toBe(false);
    expect(rest.every((t) => tickets.take(t, 'r_1'))).toBe(true);
  });
});
