import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../common/contract/error-codes.ts';
import { EXIT, EXIT_MEANINGS, exitCodeFor } from './exit-codes.ts';

const README = join(import.meta.dirname, '..', '..', '..', 'README.md');

/** The README's exit-code table: exit code → meaning and error codes, as written. */
function readmeTable(): Map<number, { meaning: string; codes: string[] }> {
  const text = readFileSync(README, 'utf8');
  const head = text.indexOf('| exit | meaning | error codes |');
  expect(head).toBeGreaterThan(0);
  const rows = new Map<number, { meaning: string; codes: string[] }>();
  for (const line of text.slice(head).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [exit, meaning, codes] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    rows.set(Number(exit!.replaceAll('`', '')), {
      meaning: meaning!,
      codes: codes ? codes.split(',').map((c) => c.trim().replaceAll('`', '')) : [],
    });
  }
  return rows;
}

describe('exit codes', () => {
  it("the README's table is exitCodeFor: every exit code, its meaning and every error code once", () => {
    const table = readmeTable();
    expect([...table.keys()].sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
    for (const exit of Object.values(EXIT)) {
      const row = table.get(exit)!;
      expect([exit, row.meaning]).toEqual([exit, EXIT_MEANINGS[exit]]);
      expect([exit, [...row.codes].sort()]).toEqual([
        exit,
        ERROR_CODES.filter((code) => exitCodeFor(code) === exit).sort(),
      ]);
    }
  });

  it('bad usage and unreadable input exit 2, as documented', () => {
    for (const code of ['BAD_USAGE', 'SPEC_INVALID', 'SOURCE_NOT_FOUND', 'SOURCE_UNREADABLE'] as const)
      expect([code, exitCodeFor(code)]).toEqual([code, EXIT.usage]);
    expect(exitCodeFor('TARGET_UNREACHABLE')).toBe(EXIT.target);
    expect(exitCodeFor('LOAD_ABORTED_ERROR_RATE')).toBe(EXIT.aborted);
    expect(exitCodeFor('LOAD_CANCELLED')).toBe(EXIT.cancelled);
    expect(exitCodeFor('INTERNAL')).toBe(EXIT.failure);
  });
});
