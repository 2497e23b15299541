import { randomBytes } from 'node:crypto';
import { LoadstoneError } from '../../common/errors.ts';
import type { StoreContext } from './context.ts';

/**
 * Secrets of HTTP API sources, saved encrypted and named by a random id that a job spec holds as
 * `{ "secret": "<id>" }`. A value goes in once and comes out only into a source's request.
 */
export interface SourceSecretsRepo {
  /**
   * Encrypts and keeps `value`; returns its id.
   * @throws LoadstoneError SECRET_UNAVAILABLE when nothing can encrypt here (it is never kept in clear).
   */
  save(value: string): string;
  /**
   * The value of a saved secret.
   * @throws LoadstoneError NOT_FOUND (no such id) / SECRET_UNAVAILABLE (cannot be decrypted here).
   */
  read(id: string): string;
}

export function createSourceSecretsRepo(ctx: StoreContext): SourceSecretsRepo {
  const insert = ctx.db.prepare('INSERT INTO source_secrets (id, secret, created_at) VALUES (?, ?, ?)');
  const select = ctx.db.prepare('SELECT secret FROM source_secrets WHERE id = ?').pluck();
  return {
    save(value) {
      if (!ctx.secretStore.isAvailable()) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          'cannot save the secret: no OS encryption is available here, and Loadstone never keeps secrets in clear; ' +
            'use { "env": "NAME" } in a job spec instead',
        );
      }
      const id = `s_${randomBytes(12).toString('hex')}`;
      insert.run(id, ctx.secretStore.encrypt(value), ctx.now().toISOString());
      return id;
    },
    read(id) {
      const data = select.get(id) as Buffer | undefined;
      if (data === undefined) {
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
      try {
        return ctx.secretStore.decrypt(data);
      } catch (error) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          `the saved secret '${id}' cannot be decrypted here (saved by another user or machine): enter it again`,
          { cause: error },
        );
      }
    },
  };
}
