import { JsonNumber, JsonText } from './types.ts';

/**
 * `JSON.stringify` (no indent) that writes a `JsonNumber` or `JsonText` as its exact text: `1.10`
 * and a 20-digit id stay JSON numbers of their source text, where their `toJSON` (for display)
 * gives strings. For machine-read output that carries source values (`errors --json`, `preview
 * --json`), as the JSON exports of a report do. Browser-safe.
 */
export function stringifyExact(value: unknown): string {
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  if (value instanceof JsonNumber || value instanceof JsonText) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value));
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  const fields: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const text = write(item);
    if (text !== undefined) fields.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${fields.join(',')}}`;
}
