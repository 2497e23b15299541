import { LoadstoneError, type ValidationIssue } from '../errors.ts';

/** PostgreSQL's identifier limit (NAMEDATALEN − 1), in bytes; our names are ASCII, so characters. */
export const MAX_NAME_LENGTH = 63;

/** Letters that Unicode decomposition does not reduce to ASCII. */
const FOLDS: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
};

/**
 * Names PostgreSQL gives to every table's system columns: `CREATE TABLE` refuses a user column of
 * one of these names ("column name "xmin" conflicts with a system column name").
 */
export const SYSTEM_COLUMN_NAMES: ReadonlySet<string> = new Set([
  'tableoid',
  'xmin',
  'cmin',
  'xmax',
  'cmax',
  'ctid',
]);

/** What a derived name that would be a system column name becomes: `xmin` → `xmin_`. */
const SYSTEM_NAME_SUFFIX = '_';

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;
/**
 * What a user may write as a name: any text PostgreSQL takes as a quoted identifier (no NUL, at most
 * 63 bytes), so an existing table's `"createdAt"` (Prisma's, Rails' camelCase columns) can be named;
 * every statement quotes it. Names derived from headers stay lower snake_case.
 */
const MAX_NAME_BYTES = 63;

type CharKind = 0 | 1 | 2 | 3; // other, lower, upper, digit

function kindOf(char: string): CharKind {
  if (char >= '0' && char <= '9') return 3;
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  if (lower === upper) return 0;
  return char === lower ? 1 : 2;
}

/**
 * Turns a source header into a lower snake_case PostgreSQL name:
 * - words split at spaces, punctuation and camelCase humps (`Order Date`, `orderDate` →
 *   `order_date`; `OrderID` → `order_id`; `XMLHttpRequest` → `xml_http_request`; `Sepal.Length` → `sepal_length`);
 * - accents folded to ASCII (`Température` → `temperature`, `Straße` → `strasse`, `Ærø` → `aero`);
 *   any other character becomes `_` (runs collapsed, trimmed at both ends);
 * - a leading digit gets a `_` prefix (`2024 total` → `_2024_total`), keeping the digits visible;
 * - at most 63 characters (bytes: the result is ASCII);
 * - nothing left (empty, or only symbols or non-Latin letters) → `''`, so the caller can number it
 *   (`assignColumnNames` uses `column_N`);
 * - a PostgreSQL system column name (`xmin`, `xmax`, `cmin`, `cmax`, `ctid`, `tableoid`), which no
 *   table can have as a column, gets a trailing `_` (`xmin_`); `systemNameWarning` says so.
 * Reserved words are kept: the loader quotes every identifier.
 */
export function toColumnName(header: string): string {
  const chars = Array.from(header.normalize('NFKD').replace(COMBINING_MARKS, ''));
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const kind = kindOf(char);
    if (kind === 2 && i > 0) {
      const previous = kindOf(chars[i - 1]!);
      const next = i + 1 < chars.length ? kindOf(chars[i + 1]!) : 0;
      // A hump: lower/digit → Upper (orderDate), or the last capital of a run before lower (IDNumber).
      if (previous === 1 || previous === 3 || (previous === 2 && next === 1)) out += '_';
    }
    const folded = FOLDS[char] ?? char;
    for (const c of folded.toLowerCase()) {
      out += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
    }
  }
  let name = out.replace(/_+/g, '_').replace(/^_|_$/g, '');
  if (name.length === 0) return '';
  if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) name = `_${name}`;
  name = truncateName(name, MAX_NAME_LENGTH);
  return SYSTEM_COLUMN_NAMES.has(name) ? `${name}${SYSTEM_NAME_SUFFIX}` : name;
}

/**
 * The preview warning for a column whose derived name had to move off a system column name
 * (`xmin` → `xmin_`), or null. `name` is the name the column got.
 */
export function systemNameWarning(header: string, name: string): string | null {
  const base = name.endsWith(SYSTEM_NAME_SUFFIX) ? name.slice(0, -SYSTEM_NAME_SUFFIX.length) : '';
  // A header already written `xmin_` got no surprise.
  if (
    !SYSTEM_COLUMN_NAMES.has(base) ||
    toColumnName(header) !== name ||
    header.trim().toLowerCase() === name
  ) {
    return null;
  }
  return `'${base}' is a PostgreSQL system column name, which no table column can have: loaded as '${name}' (rename it in the column settings)`;
}

/** Cuts a name to `max` characters without leaving a trailing `_`. */
function truncateName(name: string, max: number): string {
  if (name.length <= max) return name;
  const cut = name.slice(0, max).replace(/_+$/, '');
  return cut.length > 0 ? cut : name.slice(0, max);
}

/** True when `name` is a name `toColumnName` could produce (`^[a-z_][a-z0-9_]*$`, ≤ 63, not a system column name). */
export function isColumnName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name) && !SYSTEM_COLUMN_NAMES.has(name);
}

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Why a user-chosen name cannot be a column name, or null when it can. */
export function overrideNameProblem(name: string): string | null {
  if (name.length === 0 || name.includes('\u0000') || utf8Bytes(name) > MAX_NAME_BYTES) {
    return 'must be a PostgreSQL column name: 1 to 63 bytes (UTF-8), no NUL character';
  }
  if (name.trim() !== name) return 'must not begin or end with a space';
  if (SYSTEM_COLUMN_NAMES.has(name)) {
    return `is a PostgreSQL system column name, which no table column can have (use e.g. '${name}${SYSTEM_NAME_SUFFIX}')`;
  }
  return null;
}

/**
 * Problems with user-chosen names, by header index (each issue's `path` is the header): not a valid
 * identifier or a system column name, the same name given to two columns, or a name that another
 * column already has from its header (`val` → `id` while a column `id` exists: renaming that one
 * to `id_2` silently would change what the operator reads as `id`). A `skipped` column is not
 * loaded, so its header's name is free to take. Empty when the overrides can be honoured.
 */
export function findNameConflicts(
  headers: readonly string[],
  overrides: readonly (string | undefined)[] = [],
  skipped: readonly boolean[] = [],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const firstByName = new Map<string, number>();
  const derivedBy = new Map<string, number>();
  headers.forEach((header, i) => {
    if (overrides[i] !== undefined || skipped[i]) return;
    const base = toColumnName(header) || `column_${i + 1}`;
    if (!derivedBy.has(base)) derivedBy.set(base, i);
  });
  headers.forEach((header, i) => {
    const name = overrides[i];
    if (name === undefined) return;
    const problem = overrideNameProblem(name);
    if (problem) {
      issues.push({ path: header, message: `name '${name}' for column '${header}' ${problem}` });
      return;
    }
    const first = firstByName.get(name);
    if (first !== undefined) {
      issues.push({
        path: header,
        message: `name '${name}' is given to both '${headers[first]}' and '${header}'`,
      });
      return;
    }
    firstByName.set(name, i);
    const holder = derivedBy.get(name);
    if (holder !== undefined) {
      issues.push({
        path: header,
        message: `name '${name}' for column '${header}' is already the name of column '${headers[holder]}'; give that column another name too, or skip it`,
      });
    }
  });
  return issues;
}

/**
 * Names every source column: the user's name when given (`overrides[i]`), else
 * `toColumnName(header)` or `column_N` (N = 1-based position) when nothing is left of the header.
 * Duplicate headers get `_2`, `_3`… (cut so the suffix still fits in 63 bytes); a header's own name
 * is kept by its first holder. A user name may take the name of a `skipped` column only; that one
 * is then suffixed.
 * @throws LoadstoneError SPEC_INVALID (details.issues) when user names are invalid or collide
 *   (see findNameConflicts).
 */
export function assignColumnNames(
  headers: readonly string[],
  overrides: readonly (string | undefined)[] = [],
  skipped: readonly boolean[] = [],
): string[] {
  const issues = findNameConflicts(headers, overrides, skipped);
  if (issues.length > 0) {
    throw new LoadstoneError('SPEC_INVALID', issues.map((issue) => issue.message).join('; '), {
      details: { issues },
    });
  }
  const taken = new Set<string>();
  for (const name of overrides) if (name !== undefined) taken.add(name);
  const bases = headers.map((header, i) => toColumnName(header) || `column_${i + 1}`);
  const names: (string | undefined)[] = headers.map((_, i) => overrides[i]);
  // First holders keep their base name, so a header literally called `a_2` stays `a_2`.
  bases.forEach((base, i) => {
    if (names[i] === undefined && !taken.has(base)) {
      names[i] = base;
      taken.add(base);
    }
  });
  bases.forEach((base, i) => {
    if (names[i] !== undefined) return;
    for (let n = 2; ; n++) {
      const suffix = `_${n}`;
      const candidate = truncateName(base, MAX_NAME_LENGTH - suffix.length) + suffix;
      if (!taken.has(candidate)) {
        names[i] = candidate;
        taken.add(candidate);
        return;
      }
    }
  });
  return names as string[];
}
