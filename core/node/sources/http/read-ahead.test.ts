import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.ts';

/** A source of 1…n that records how far it was pulled and whether it was closed. */
function counting(n: number, failAt?: number) {
  const state = { produced: 0, closed: false };
  async function* gen(): AsyncGenerator<number, void, undefined> {
    try {
      for (let i = 1; i <= n; i++) {
        await new Promise((r) => setTimeout(r, 1));
        if (i === failAt) throw new Error(`failed at ${i}`);
        state.produced = i;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, gen: gen() };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('readAhead', () => {
  it('hands out every value in order, pulling the source ahead of the consumer by at most `ahead`', async () => {
    const { state, gen } = counting(6);
    const ahead = readAhead(gen, 2);
    expect((await ahead.next()).value).toBe(1);
    await settle();
    // 1 handed out, 2 and 3 queued: the source was pulled while the consumer was away, no further.
    expect(state.produced).toBe(3);
    const rest: number[] = [];
    for await (const v of ahead) rest.push(v);
    expect(rest).toEqual([2, 3, 4, 5, 6]);
    expect(state.closed).toBe(true);
  });

  it('throws the source’s failure after the values made before it', async () => {
    const { gen } = counting(5, 3);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of readAhead(gen, 4)) got.push(v);
      })(),
    ).rejects.toThrow('failed at 3');
    expect(got).toEqual([1, 2]);
  });

  it('ending early stops pulling and closes the source', async () => {
    const { state, gen } = counting(100);
    for await (const v of readAhead(gen, 1)) if (v === 2) break;
    await settle();
    expect(state.closed).toBe(true);
    expect(state.produced).toBeLessThanOrEqual(4);
  });
});
