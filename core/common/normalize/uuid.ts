import { type CellRule, Rejection } from './cell.ts';
import { quoteValue } from './defaults.ts';

const HEX = '0123456789abcdef';

/** Value of a hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Whether `text` is already the canonical form: lower-case 8-4-4-4-12. */
function isCanonical(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false;
    } else if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) {
      return false;
    }
  }
  return true;
}

/**
 * Reads a UUID written 8-4-4-4-12 (any case), within braces `{…}`, or as 32 hex digits without
 * hyphens, into the lower-case canonical 8-4-4-4-12 form; or undefined.
 */
export function parseUuid(text: string): string | undefined {
  if (isCanonical(text)) return text;
  let body = text;
  if (body.charCodeAt(0) === 0x7b && body.charCodeAt(body.length - 1) === 0x7d) body = body.slice(1, -1);
  const hyphens = body.length === 36;
  if (!hyphens && body.length !== 32) return undefined;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (hyphens && (i === 8 || i === 13 || i === 18 || i === 23)) {
      if (code !== 45) return undefined;
      out += '-';
      continue;
    }
    const value = hexValue(code);
    if (value < 0) return undefined;
    out += HEX[value];
    if (!hyphens && (i === 7 || i === 11 || i === 15 || i === 19)) out += '-';
  }
  return out;
}

/** The `uuid` rule. */
export const uuidRule: CellRule<string> = (text) =>
  parseUuid(text) ??
  new Rejection(
    'invalid_uuid',
    `${quoteValue(text)} is not a UUID (expected 8-4-4-4-12 hex digits, optionally in braces, or 32 hex digits)`,
  );
