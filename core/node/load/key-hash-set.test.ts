import { describe, expect, it } from 'vitest';
import { KeyHashSet, pushKeyHash } from './key-hash-set.ts';

const hashKey = (key: unknown): [number, number] => {
  const out: number[] = [];
  pushKeyHash(key, out);
  return [out[0]!, out[1]!];
};

describe('KeyHashSet', () => {
  it('holds what was added through growth, and nothing else', () => {
    const set = new KeyHashSet();
    for (let i = 0; i < 50_000; i++) set.add(...hashKey(i));
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i++) expect(set.has(...hashKey(i))).toBe(true);
    let false_ = 0;
    for (let i = 50_000; i < 100_000; i++) if (set.has(...hashKey(i))) false_++;
    expect(false_).toBe(0);
    set.add(...hashKey(7));
    expect(set.size).toBe(50_000);
  });

  it('tells key types and composite keys apart', () => {
    expect(hashKey(1)).not.toEqual(hashKey('1'));
    expect(hashKey(2 ** 40)).not.toEqual(hashKey(2 ** 40 + 1));
    expect(hashKey(-1)).not.toEqual(hashKey(4294967295));
    expect(hashKey(1.5)).not.toEqual(hashKey(1));
    expect(hashKey('a\u0000b\u0000')).not.toEqual(hashKey('a\u0000c\u0000'));
    expect(hashKey('x')).toEqual(hashKey('x'));
  });
});
