import { isLoadstoneError, LoadstoneError } from '../../../common/errors.ts';
import { clearCredentials, type HttpSourceSpec, type SecretRef } from '../../../common/spec/http-source.ts';

/** Reads the app's saved secret `id` for a request to `url` (see store/source-secrets.ts). */
export type SavedSecretReader = (id: string, url: string) => string;

/** Where secret references are looked up. */
export interface SecretLookup {
  /** Environment for `{ "env": … }` references (default: the process environment). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /**
   * Reads a secret the app saved (`{ "secret": id }`) for a request to `url` (a saved secret goes
   * only to the origin it was saved for); absent where none can be read (the CLI).
   */
  readonly secret?: SavedSecretReader | undefined;
}

/** One way a character of a secret may be written; `caseless` for hex escapes (`%2b` = `%2B`). */
interface Spelling {
  readonly text: string;
  readonly caseless: boolean;
}

/** Characters of a secret a text must spell before a cut-off end (`…`) is masked as its start. */
const MIN_CUT_PREFIX = 3;

/**
 * The secrets a source resolved, so every text it shows (errors, events, previews) can be scrubbed
 * of them: a server may echo a token back in an error body, and not always as it was sent.
 */
export class Secrets {
  /** Each secret as the spellings of its characters, longest secret first. */
  private secrets: Spelling[][][] = [];
  private readonly values = new Set<string>();
  /** The characters a spelling of any secret can begin with: elsewhere no secret starts. */
  private readonly firstChars = new Set<string>();
  /** The longest any secret can be spelled (how far before a `…` a cut secret can start). */
  private longestSpelling = 0;

  constructor(private readonly lookup: SecretLookup) {}

  /**
   * The value of a secret reference at `path` (for messages, e.g. `source.auth.token`), to be sent
   * to `url` (a saved secret is refused for any origin but its own).
   * @throws LoadstoneError SPEC_INVALID (variable not set) / SECRET_UNAVAILABLE (saved secret
   *   unreadable, or saved for another origin)
   */
  resolve(ref: SecretRef, path: string, url: string): string {
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
      try {
        value = this.lookup.secret(ref.secret, url);
      } catch (error) {
        if (!isLoadstoneError(error)) throw error;
        // Say which field's secret it was.
        throw new LoadstoneError(error.code, `${path}: ${error.message}`, {
          cause: error,
          ...(error.details ? { details: { ...error.details, path } } : { details: { path } }),
        });
      }
    }
    this.remember(value);
    return value;
  }

  /**
   * The spec with its query parameters given as secret references resolved (each remembered, so
   * scrubbed from whatever is shown): the requests carry the values, the spec as stored keeps the
   * references. `spec` itself when it has none.
   */
  withResolvedQuery(spec: HttpSourceSpec): HttpSourceSpec {
    const query = spec.query;
    if (!query || Object.values(query).every((v) => typeof v !== 'object')) return spec;
    const resolved: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(query)) {
      resolved[name] =
        typeof value === 'object' ? this.resolve(value, `source.query.${name}`, spec.url) : value;
    }
    return { ...spec, query: resolved };
  }

  /**
   * Adds the credentials a spec writes in clear, to scrub them from what the API echoes: the values
   * of credential-like query parameters in `url` and `query` (`api_key`, `sig`…), which the spec
   * allows in clear and a run's stored spec masks.
   */
  rememberClearCredentials(spec: HttpSourceSpec): void {
    // Only what is surely a credential: a parameter named as one, with a value long enough to be
    // one. `keyword=shoes`, `author=1234` or `signed_only=true` are data, which must stay as it is.
    for (const { value } of clearCredentials(spec)) this.remember(value);
  }

  /** Whether there is nothing to scrub (no secret resolved, none written in clear). */
  get empty(): boolean {
    return this.values.size === 0;
  }

  /** Adds a value to scrub (a derived secret: an OAuth2 access token, a Basic header). */
  remember(value: string): void {
    if (value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    const spelled = Array.from(value, spellings);
    this.secrets.push(spelled);
    this.secrets.sort((a, b) => b.length - a.length);
    for (const s of spelled[0]!) {
      this.firstChars.add(s.text[0]!);
      if (s.caseless) this.firstChars.add(s.text[0]!.toUpperCase());
    }
    const longest = spelled.reduce((n, ch) => n + Math.max(...ch.map((s) => s.text.length)), 0);
    this.longestSpelling = Math.max(this.longestSpelling, longest);
  }

  /**
   * `text` with every known secret replaced by `***`, however an echo wrote it: as is,
   * percent-encoded (either hex case, `+` for a space as in a form), JSON-escaped (`\/`, `\"`, `\\`,
   * `\uXXXX`), HTML-escaped, or any mix of these. Before each `…` (where a body shown was cut off),
   * a secret's first characters (at least three) are masked too.
   */
  scrub(text: string): string {
    if (this.secrets.length === 0) return text;
    let out = '';
    let from = 0;
    let at = 0;
    while (at < text.length) {
      if (!this.firstChars.has(text[at]!)) {
        at++;
        continue;
      }
      let end = -1;
      for (const secret of this.secrets) {
        end = spelledTo(text, at, secret, 0, text.length, false);
        if (end >= 0) break;
      }
      if (end > at) {
        out += `${text.slice(from, at)}***`;
        from = end;
        at = end;
      } else at++;
    }
    out += text.slice(from);
    return out.includes('…')
      ? maskCutPrefixes(out, this.secrets, this.firstChars, this.longestSpelling)
      : out;
  }
}

/**
 * `text` with a secret's beginning masked where it runs into a `…`. Only the characters just before
 * each `…` are looked at (no farther back than the longest spelling of a secret): a text full of `…`
 * costs its length, not its length squared.
 */
function maskCutPrefixes(
  text: string,
  secrets: readonly Spelling[][][],
  firstChars: ReadonlySet<string>,
  window: number,
): string {
  let out = text;
  for (let cut = out.indexOf('…'); cut >= 0; cut = out.indexOf('…', cut + 1)) {
    for (let start = Math.max(0, cut - window); start < cut; start++) {
      if (!firstChars.has(out[start]!)) continue;
      if (secrets.some((secret) => spelledTo(out, start, secret, 0, cut, true) === cut)) {
        out = `${out.slice(0, start)}***${out.slice(cut)}`;
        cut = start + 3;
        break;
      }
    }
  }
  return out;
}

/**
 * Where in `text` a spelling of `secret` (from its character `i`) that starts at `at` ends, or -1.
 * With `cut`, it may stop at `limit` part-way through the secret (after `MIN_CUT_PREFIX` characters,
 * even in the middle of a character's escape).
 */
function spelledTo(
  text: string,
  at: number,
  secret: readonly Spelling[][],
  i: number,
  limit: number,
  cut: boolean,
): number {
  if (i === secret.length) return cut ? -1 : at;
  if (cut && at === limit) return i >= MIN_CUT_PREFIX ? at : -1;
  for (const s of secret[i]!) {
    const piece = text.slice(at, Math.min(limit, at + s.text.length));
    const seen = s.caseless ? piece.toLowerCase() : piece;
    if (piece.length === s.text.length) {
      if (seen !== s.text) continue;
      const end = spelledTo(text, at + piece.length, secret, i + 1, limit, cut);
      if (end >= 0) return end;
    } else if (cut && i >= MIN_CUT_PREFIX && at + piece.length === limit && s.text.startsWith(seen)) {
      return limit;
    }
  }
  return -1;
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const HTML_ESCAPES: Readonly<Record<string, readonly string[]>> = {
  '&': ['&amp;'],
  '<': ['&lt;'],
  '>': ['&gt;'],
  '"': ['&quot;'],
  "'": ['&apos;'],
};

/** The ways an echo may write one character (a code point) of a secret. */
function spellings(ch: string): Spelling[] {
  const out: Spelling[] = [{ text: ch, caseless: false }];
  const add = (text: string, caseless: boolean): void => {
    const t = caseless ? text.toLowerCase() : text;
    if (!out.some((s) => s.text === t && s.caseless === caseless)) out.push({ text: t, caseless });
  };
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  // Percent-encoding (a URL, a form): each UTF-8 byte; a space is also `+` in a form.
  add(Array.from(Buffer.from(ch, 'utf8'), (b) => `%${hex(b, 2)}`).join(''), true);
  if (ch === ' ') add('+', false);
  // JSON: the short escapes, or `\uXXXX` for each UTF-16 unit.
  if (JSON_ESCAPES[ch]) add(JSON_ESCAPES[ch], false);
  let units = '';
  for (let k = 0; k < ch.length; k++) units += `\\u${hex(ch.charCodeAt(k), 4)}`;
  add(units, true);
  // HTML: named entities, and numeric ones.
  for (const e of HTML_ESCAPES[ch] ?? []) add(e, false);
  const code = ch.codePointAt(0)!;
  add(`&#${code};`, false);
  add(`&#x${hex(code, 1)};`, true);
  return out;
}

/**
 * `error` with its message and string details scrubbed of `secrets` (a LoadstoneError; any other
 * error as it is): messages quote what a response held (a page's first bytes, a body value).
 */
export function scrubbedError(error: unknown, secrets: Secrets): unknown {
  if (!(error instanceof LoadstoneError)) return error;
  const details = error.details
    ? Object.fromEntries(
        Object.entries(error.details).map(([k, v]) => [k, typeof v === 'string' ? secrets.scrub(v) : v]),
      )
    : undefined;
  const message = secrets.scrub(error.message);
  if (message === error.message && JSON.stringify(details) === JSON.stringify(error.details)) return error;
  return new LoadstoneError(error.code, message, { details, cause: error.cause });
}
