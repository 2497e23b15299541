import { describe, expect, it } from 'vitest';
import { booleanRule, isBooleanWord, parseBoolean } from './booleans.ts';
import { isRejection } from './cell.ts';

describe('booleans', () => {
  it('reads every word pair in any case', () => {
    const truthy = ['true', 'TRUE', 'True', 't', 'T', 'yes', 'YES', 'Yes', 'y', 'Y', '1', 'on', 'ON', 'On'];
    const falsy = ['false', 'FALSE', 'False', 'f', 'F', 'no', 'NO', 'No', 'n', 'N', '0', 'off', 'OFF', 'oFf'];
    for (const word of truthy) expect(booleanRule(word)).toBe(true);
    for (const word of falsy) expect(booleanRule(word)).toBe(false);
  });

  it('rejects anything else with invalid_boolean and the value in the message', () => {
    for (const text of ['2', 'yess', 'truth', 'nope', '-1', 'o', '\u00101', 'tru', 'falsE ', '01']) {
      const result = booleanRule(text);
      expect(isRejection(result)).toBe(true);
      if (isRejection(result)) {
        expect(result.reason).toBe('invalid_boolean');
        expect(result.message).toContain(`'${text}'`);
      }
    }
    expect(parseBoolean('\u0010')).toBeUndefined();
  });

  it('tells words from 0/1 (a pure 0/1 column is an integer column)', () => {
    expect(isBooleanWord('yes')).toBe(true);
    expect(isBooleanWord('F')).toBe(true);
    expect(isBooleanWord('1')).toBe(false);
    expect(isBooleanWord('0')).toBe(false);
    expect(isBooleanWord('maybe')).toBe(false);
  });
});
