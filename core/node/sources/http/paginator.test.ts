import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import type { CapturedScalar } from '../json/records-path.ts';
import { Paginator } from './paginator.ts';

function pageAfter(hasMore: CapturedScalar | undefined) {
  const spec = httpSourceSpecSchema.parse({
    kind: 'http',
    url: 'http://127.0.0.1:1/x',
    pagination: { type: 'pageNumber', hasMorePath: 'meta.has_more' },
  });
  const paginator = new Paginator(spec, {});
  const first = paginator.first();
  const captured = new Map<string, CapturedScalar>();
  if (hasMore !== undefined) captured.set('meta.has_more', hasMore);
  return paginator.next({
    records: 2,
    captured,
    link: undefined,
    url: first.url,
    digest: 'd1',
    shownUrl: 'http://127.0.0.1:1/x?page=***',
  });
}

describe('Paginator: hasMorePath', () => {
  it('stops on false, "false" (any case), 0 and "0"', () => {
    for (const v of [false, 'false', 'FALSE', ' False ', { number: '0' }, '0'] as CapturedScalar[]) {
      expect(pageAfter(v).request, JSON.stringify(v)).toBeNull();
    }
    expect(pageAfter('false').how).toBe('meta.has_more is "false"');
  });

  it('goes on on true, "true" (any case), 1 and "1", and when the page does not have the path', () => {
    for (const v of [true, 'true', 'True', { number: '1' }, '1', undefined] as (
      | CapturedScalar
      | undefined
    )[]) {
      expect(pageAfter(v).request?.url.searchParams.get('page'), JSON.stringify(v)).toBe('2');
    }
  });

  it('any other value is SOURCE_FORMAT naming the path and the value, not a loop', () => {
    const cases: [CapturedScalar, string][] = [
      ['maybe', '"maybe"'],
      [{ number: '2' }, '2'],
      [null, 'null'],
      ['', '""'],
      ['yes', '"yes"'],
    ];
    for (const [v, shown] of cases) {
      let error: unknown;
      try {
        pageAfter(v);
      } catch (e) {
        error = e;
      }
      expect(error, shown).toBeInstanceOf(LoadstoneError);
      expect((error as LoadstoneError).code).toBe('SOURCE_FORMAT');
      expect((error as LoadstoneError).message).toContain(`hasMorePath 'meta.has_more' is ${shown};`);
      expect((error as LoadstoneError).message).toContain('page 1 (http://127.0.0.1:1/x?page=***)');
    }
  });
});
