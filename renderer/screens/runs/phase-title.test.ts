import { describe, expect, it } from 'vitest';
import { phaseTitle } from './phase-title.ts';

describe('phaseTitle', () => {
  it('says what the load does, each word once', () => {
    expect(phaseTitle('loading', false)).toBe('Loading rows');
    expect(phaseTitle(undefined, false)).toBe('Starting');
    expect(phaseTitle('waiting_for_lock', false)).toBe("Waiting for the table's lock");
    expect(phaseTitle('merging', true)).toBe('Dry run · merging rows');
    expect(phaseTitle('reindexing_later', false)).toBe('Reindexing later');
    for (const phase of ['preparing', 'loading', 'merging', 'swapping', 'committing', 'done']) {
      const words = phaseTitle(phase, false).toLowerCase().split(/\W+/);
      expect(new Set(words).size, phase).toBe(words.length);
    }
  });
});
