import { describe, expect, it } from 'vitest';
import { uploadFileName } from './upload.ts';

describe('uploadFileName', () => {
  it("keeps the operator's name (accents, spaces) but only its last path segment", () => {
    expect(uploadFileName('../../etc/passwd')).toBe('passwd');
    expect(uploadFileName('C:\\Users\\me\\Ventes été 2024.csv')).toBe('Ventes été 2024.csv');
    expect(uploadFileName('Q3 report (final).csv')).toBe('Q3 report (final).csv');
  });

  it('replaces what some OS refuses and never yields a hidden, empty or over-long name', () => {
    expect(uploadFileName('a<b>:c|d?*.csv')).toBe('a_b__c_d__.csv');
    expect(uploadFileName('tab\there\n.csv')).toBe('tab_here_.csv');
    expect(uploadFileName('.bashrc')).toBe('bashrc');
    expect(uploadFileName('name.csv. ')).toBe('name.csv');
    expect(uploadFileName('...')).toBe('upload');
    expect(uploadFileName('')).toBe('upload');
    const long = uploadFileName(`${'x'.repeat(300)}.csv`);
    expect(long).toHaveLength(150);
    expect(long.endsWith('.csv')).toBe(true);
  });

  it('never names a Windows device (the upload would go to it, not to a file)', () => {
    for (const name of ['CON', 'nul.csv', 'Aux.tar.gz', 'COM1.txt', 'lpt9', 'PRN.', 'com¹.csv']) {
      expect(uploadFileName(name), name).toMatch(/^_/);
    }
    for (const name of ['console.csv', 'nullable.csv', 'com10.csv', 'auxiliary', 'my-con.csv']) {
      expect(uploadFileName(name), name).toBe(name);
    }
  });
});
