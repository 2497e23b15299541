import { randomBytes } from 'node:crypto';
import { LoadstoneError } from '../../common/errors.ts';
import type { StoreContext } from './context.ts';

/**
 * Secrets of HTTP API sources, saved encrypted and named by a random id that a job spec holds as
 * `{ "secret": "<id>" }`. A value goes in once and comes out only into a request to the origin
 * (scheme, host, port) it was saved for: whoever can name its id (a job spec, the renderer) cannot
 * send it to another server.
 */
export interface SourceSecretsRepo {
  /**
   * Encrypts and keeps `value`, to be sent only to `url`'s origin; returns its id.
   * @throws LoadstoneError SECRET_UNAVAILABLE when nothing can encrypt here (it is never kept in clear);
   *   BAD_USAGE when `url` is not an http(s) URL.
   */
  save(value: string, url: string): string;
  /**
   * The value of a saved secret, for a request to `url` (its origin must be the one the secret was
   * saved for; a secret an earlier version saved without one is bound to this origin now).
   * @throws LoadstoneError NOT_FOUND (no such id) / SECRET_UNAVAILABLE (cannot be decrypted here, or
   *   saved for another origin).
   */
  read(id: string, url: string): string;
}

export function createSourceSecretsRepo(ctx: StoreContext): SourceSecretsRepo {
  const insert = ctx.db.prepare(
    'INSERT INTO source_secrets (id, secret, created_at, origin) VALUES (?, ?, ?, ?)',
  );
  const select = ctx.db.prepare('SELECT secret, origin FROM source_secrets WHERE id = ?');
  const bind = ctx.db.prepare('UPDATE source_secrets SET origin = ? WHERE id = ? AND origin IS NULL');
  return {
    save(value, url) {
      const origin = originOf(url);
      if (!ctx.secretStore.isAvailable()) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          'cannot save the secret: no OS encryption is available here, and Loadstone never keeps secrets in clear; ' +
            'use { "env": "NAME" } in a job spec instead',
        );
      }
      const id = `s_${randomBytes(12).toString('hex')}`;
      insert.run(id, ctx.secretStore.encrypt(value), ctx.now().toISOString(), origin);
      return id;
    },
    read(id, url) {
      const origin = originOf(url);
      const row = select.get(id) as { secret: Buffer; origin: string | null } | undefined;
      if (row === undefined) {
        throw new LoadstoneError('NOT_FOUND', `no saved secret '${id}': enter the secret again`, {
          details: { id },
        });
      }
      if (!ctx.secretStore.isAvailable()) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          `the secret '${id}' was saved by the app and cannot be read here (no OS encryption); ` +
            'use { "env": "NAME" } in the job spec instead',
        );
      }
      if (row.origin !== null && row.origin !== origin) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          `the saved secret '${id}' is for ${row.origin} and is not sent to ${origin}: enter the secret again for this API`,
          { details: { id, origin: row.origin, to: origin } },
        );
      }
      let value: string;
      try {
        value = ctx.secretStore.decrypt(row.secret);
      } catch (error) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          `the saved secret '${id}' cannot be decrypted here (saved by another user or machine): enter it again`,
          { cause: error },
        );
      }
      if (row.origin === null) bind.run(origin, id);
      return value;
    },
  };
}

/**
 * The origin (`https://api.example.com:8443`) of the http(s) URL a secret goes to.
 * @throws LoadstoneError BAD_USAGE for anything else.
 */
function originOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoadstoneError('BAD_USAGE', 'a saved secret is for an http(s) URL: the URL given is not one');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new LoadstoneError('BAD_USAGE', `a saved secret is for an http(s) URL, not ${parsed.protocol}`);
  }
  return parsed.origin;
}
