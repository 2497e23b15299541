import { JsonNumber, JsonText, type JsonValue, type RawValue, type RejectedRow } from '../../common/types.ts';

/**
 * Replaces every secret a source knows of in a text with `***` (`OpenedSource.scrub`): what an API
 * echoes back inside a record (a request's `Authorization` header, its URL with the key) is its
 * data, loaded as it is, but never shown or kept outside the target table.
 */
export type Scrub = (text: string) => string;

/**
 * A raw value with every secret in it scrubbed, for a report or a preview. The value itself
 * (same object) when nothing changed, so a record without a secret keeps its exact numbers and
 * nested JSON text as they were; a number or nested JSON text that held a secret becomes text.
 */
export function scrubRaw(value: RawValue, scrub: Scrub): RawValue {
  // Strings, numbers, booleans and null as a JSON value's are.
  if (value === null || typeof value !== 'object') return scrubJson(value, scrub) as RawValue;
  if (value instanceof JsonNumber) {
    const shown = scrub(value.text);
    return shown === value.text ? value : shown;
  }
  if (value instanceof JsonText) {
    const shown = scrub(value.text);
    if (shown === value.text) return value;
    return isJson(shown) ? new JsonText(shown) : shown;
  }
  return scrubJson(value, scrub) as RawValue;
}

/**
 * A JSON value (a record as the wizard shows it, a preview cell) with every secret in its strings,
 * its numbers and its objects' keys scrubbed; the value itself when nothing changed.
 */
export function scrubJson(value: JsonValue, scrub: Scrub): JsonValue {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    const text = String(value);
    const shown = scrub(text);
    return shown === text ? value : shown;
  }
  if (Array.isArray(value)) {
    let out: JsonValue[] | undefined;
    value.forEach((item, i) => {
      const shown = scrubJson(item, scrub);
      if (shown !== item) (out ??= [...value])[i] = shown;
    });
    return out ?? value;
  }
  let changed = false;
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value)) {
    const shownKey = scrub(key);
    const shown = scrubJson(item, scrub);
    if (shownKey !== key || shown !== item) changed = true;
    out[shownKey] = shown;
  }
  return changed ? out : value;
}

/**
 * A rejected row as the run store keeps it: its raw values (keys are source columns, kept), its
 * record text and its errors' values and messages scrubbed. The row itself when nothing changed.
 */
export function scrubRejected(row: RejectedRow, scrub: Scrub): RejectedRow {
  let changed = false;
  const raw: Record<string, RawValue> = {};
  for (const key in row.raw) {
    const value = row.raw[key]!;
    const shown = scrubRaw(value, scrub);
    if (shown !== value) changed = true;
    raw[key] = shown;
  }
  const rawText = row.rawText === undefined ? undefined : scrub(row.rawText);
  if (rawText !== row.rawText) changed = true;
  const errors = row.errors.map((e) => {
    const value = e.value === null ? null : scrub(e.value);
    const message = scrub(e.message);
    if (value === e.value && message === e.message) return e;
    changed = true;
    return { ...e, value, message };
  });
  if (!changed) return row;
  return { ...row, raw, ...(rawText === undefined ? {} : { rawText }), errors };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
