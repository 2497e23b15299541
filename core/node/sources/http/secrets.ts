import { LoadstoneError } from '../../../common/errors.ts';
import type { SecretRef } from '../../../common/spec/http-source.ts';

/** Where secret references are looked up. */
export interface SecretLookup {
  /** Environment for `{ "env": … }` references (default: the process environment). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Reads a secret the app saved (`{ "secret": id }`); absent where none can be read (the CLI). */
  readonly secret?: ((id: string) => string) | undefined;
}

/**
 * The secrets a source resolved, so every text it shows (errors, events, previews) can be scrubbed
 * of them: a server may echo a token back in an error body.
 */
export class Secrets {
  private readonly values = new Set<string>();

  constructor(private readonly lookup: SecretLookup) {}

  /**
   * The value of a secret reference at `path` (for messages, e.g. `source.auth.token`).
   * @throws LoadstoneError SPEC_INVALID (variable not set) / SECRET_UNAVAILABLE (saved secret unreadable)
   */
  resolve(ref: SecretRef, path: string): string {
    let value: string | undefined;
    if ('env' in ref) {
      value = (this.lookup.env ?? process.env)[ref.env];
      if (value === undefined || value === '') {
        throw new LoadstoneError(
          'SPEC_INVALID',
          `${path}: the environment variable ${ref.env} is not set (it holds the secret)`,
          { details: { path, env: ref.env } },
        );
      }
    } else {
      if (!this.lookup.secret) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          `${path}: a secret saved by the app cannot be read here; use { "env": "NAME" } instead`,
          { details: { path } },
        );
      }
      value = this.lookup.secret(ref.secret);
    }
    this.remember(value);
    return value;
  }

  /** Adds a value to scrub (a derived secret: an OAuth2 access token, a Basic header). */
  remember(value: string): void {
    if (value.length >= 4) this.values.add(value);
  }

  /** `text` with every known secret value replaced by `***`. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  }
}
