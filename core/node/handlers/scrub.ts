// Patterns are compiled once: scrubbing runs on every error message that leaves the engine.

/**
 * A secret's name, with any prefix joined by `_` or `-` (`client_secret`, `access_token`, `db_password`,
 * `refresh-token`) and libpq's `PGPASSWORD` / `sslpassword`: `\b` alone missed them (`_` is a word
 * character), so `client_secret=…` and `{"access_token": …}` went into logs as they were.
 */
const SECRET_NAME = `(?:[a-z0-9]+[_-])*(?:pg|ssl)?(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key)`;

/**
 * `scheme://user:password@host` → keeps the user, hides the password. The password runs to the last
 * `@` of the URL (it may hold `@`, `#`, `?`, `/` unencoded), so it is hidden whole, never in part.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#"'<>]*):([^\s"'<>]*)@/gi;

/** `password=…` in conninfo strings and URL queries (quoted or bare values). */
const KEY_EQUALS = new RegExp(
  String.raw`(?<![a-z0-9_-])(${SECRET_NAME})(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&,;]+)`,
  'gi',
);

/** `"password": "…"` in JSON. (Prose such as `password authentication failed` is left alone.) */
const JSON_SECRET = new RegExp(String.raw`("(?:${SECRET_NAME})"\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}\]]+)`, 'gi');

/** `X-Api-Key: …`, `X-Auth-Token: …`, `PRIVATE-TOKEN: …` header dumps (a prefixed name: prose keeps `token: …`). */
const NAMED_HEADER =
  /(?<![a-z0-9-])((?:[a-z0-9]+-)+(?:api-?key|auth-token|access-token|token|secret|key)\s*:\s*)\S+/gi;

/** `Authorization: Bearer …` / `Basic …` header dumps, and a bare `Bearer …`. */
const AUTH_HEADER = /\b(authorization\s*:\s*)(?:(?:bearer|basic)\s+)?\S+/gi;
const BEARER = /\b(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

const MASK = '***';

/**
 * Removes anything that looks like a credential from a message before it is logged or sent to the UI:
 * URL passwords, `password=` pairs, JSON secret fields, authorization headers, and the literal `known`
 * secret values (e.g. the password a connection test just used, which a server may echo back).
 */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) {
    // Very short secrets would mask ordinary words; those are caught by the patterns instead.
    if (secret.length >= 4) out = out.split(secret).join(MASK);
  }
  return out
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(KEY_EQUALS, (_m, key: string, sep: string) => `${key}${sep}${MASK}`)
    .replace(JSON_SECRET, (_m, key: string) => `${key}"${MASK}"`)
    .replace(AUTH_HEADER, (_m, key: string) => `${key}${MASK}`)
    .replace(NAMED_HEADER, (_m, key: string) => `${key}${MASK}`)
    .replace(BEARER, (_m, prefix: string) => `${prefix}${MASK}`);
}
