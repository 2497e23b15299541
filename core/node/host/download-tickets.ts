import { randomBytes } from 'node:crypto';

/** How long a download ticket may wait for its download. */
export const DOWNLOAD_TICKET_TTL_MS = 60_000;

/** At most this many tickets wait at once; the oldest goes first. */
const MAX_WAITING = 64;

/**
 * One-use credentials for report downloads. A download is a navigation (a link the browser follows),
 * which cannot carry an `Authorization` header; putting the launch token in its URL would leave it in
 * the browser's download list, in a copied link and in whatever else keeps URLs. Instead the page asks
 * for a ticket with its token (`POST /api/reports/<runId>/ticket`) just before the download: the ticket
 * opens that run's export once, within a minute, and nothing else.
 */
export class DownloadTickets {
  readonly #waiting = new Map<string, { runId: string; expires: number }>();

  constructor(
    private readonly ttlMs = DOWNLOAD_TICKET_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new ticket for one download of `runId`'s report. */
  issue(runId: string): string {
    const now = this.now();
    for (const [ticket, held] of this.#waiting) if (held.expires <= now) this.#waiting.delete(ticket);
    while (this.#waiting.size >= MAX_WAITING) {
      const oldest = this.#waiting.keys().next().value as string;
      this.#waiting.delete(oldest);
    }
    const ticket = randomBytes(32).toString('base64url');
    this.#waiting.set(ticket, { runId, expires: now + this.ttlMs });
    return ticket;
  }

  /**
   * Whether `ticket` opens `runId`'s report now. A ticket is used up by this check whatever its
   * answer, so a ticket tried against another run, or too late, opens nothing afterwards either.
   */
  take(ticket: string | null, runId: string): boolean {
    if (!ticket) return false;
    const held = this.#waiting.get(ticket);
    if (!held) return false;
    this.#waiting.delete(ticket);
    return held.runId === runId && this.now() < held.expires;
  }
}
