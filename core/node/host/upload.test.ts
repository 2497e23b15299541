import { describe, expect, it } from 'vitest';
import { sanitizeFileName } from './upload.ts';

describe('sanitizeFileName', () => {
  it('keeps the last path segment, drops accents, replaces unsafe characters', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('C:\\Users\\me\\Ventes été 2024.csv')).toBe('Ventes_ete_2024.csv');
    expect(sanitizeFileName('a<b>:c|d?.csv')).toBe('a_b_c_d_.csv');
  });

  it('never yields a hidden, empty or over-long name', () => {
    expect(sanitizeFileName('.bashrc')).toBe('bashrc');
    expect(sanitizeFileName('...')).toBe('upload');
    expect(sanitizeFileName('')).toBe('upload');
    const long = sanitizeFileName(`${'x'.repeat(300)}.csv`);
    expect(long).toHaveLength(100);
    expect(long.endsWith('.csv')).toBe(true);
  });
});
