import { describe, expect, it } from 'vitest';
import { cliWording } from './cli-words.ts';

describe('CLI wording of engine messages', () => {
  it('names a field that has a flag by its flag, the spec field beside it', () => {
    expect(cliWording('missing columns: "note", "paid" (set addMissingColumns to add them)')).toBe(
      'missing columns: "note", "paid" (give --add-missing-columns, or target.addMissingColumns in a spec, to add them)',
    );
  });

  it('leaves other fields and quoted values alone', () => {
    const message = "using MDY (built-in) — set dateOrder to change it; 'set addMissingColumnsX to'";
    expect(cliWording(message)).toBe(message);
  });
});
