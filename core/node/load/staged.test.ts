import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../common/types.ts';
import { decodeRaw, encodeRaw } from './staged.ts';

describe('raw cells through the staging table', () => {
  it('round-trip exactly, JsonNumber text and key order included', () => {
    const raw = {
      b: 'text',
      a: new JsonNumber('12345678901234567890.10'),
      n: 3.5,
      t: true,
      z: null,
      o: { nested: [1, 'x', null] },
      arr: [new Date(0).toISOString()],
    };
    const back = decodeRaw(encodeRaw(raw));
    expect(back).toEqual(raw);
    expect(Object.keys(back)).toEqual(Object.keys(raw));
    expect(back.a).toBeInstanceOf(JsonNumber);
    expect((back.a as JsonNumber).text).toBe('12345678901234567890.10');
  });
});
