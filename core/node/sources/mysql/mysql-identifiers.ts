import { LoadstoneError } from '../../../common/errors.ts';

/** A MySQL identifier in backticks (a backtick inside is doubled). */
export function quoteMysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * `[schema.]table` → its parts. Either part may be written in backticks (then it may hold dots:
 * `` `my.db`.`t` ``, with a doubled backtick for a backtick); unquoted, the first dot separates.
 * @throws LoadstoneError SPEC_INVALID for an empty part or unbalanced backticks.
 */
export function splitTableName(text: string): { schema?: string; table: string } {
  const parts: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new LoadstoneError('SPEC_INVALID', `source.table '${text}': ${why}`);
  };
  while (i <= text.length) {
    let part = '';
    if (text[i] === '`') {
      i++;
      for (;;) {
        if (i >= text.length) fail('a backtick is not closed');
        if (text[i] === '`') {
          if (text[i + 1] === '`') {
            part += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== '.') part += text[i++];
    }
    if (part === '') fail('a name part is empty');
    parts.push(part);
    if (i >= text.length) break;
    if (text[i] !== '.') fail('expected a dot after a quoted name');
    i++;
    if (i >= text.length) fail('a name part is empty');
  }
  if (parts.length > 2) fail('expected [schema.]table (quote a name holding a dot in backticks)');
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { table: parts[0]! };
}
