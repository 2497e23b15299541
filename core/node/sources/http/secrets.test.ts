import { describe, expect, it } from 'vitest';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import { Secrets } from './secrets.ts';

function secrets(...values: string[]): Secrets {
  const s = new Secrets({ env: {} });
  for (const v of values) s.remember(v);
  return s;
}

describe('Secrets.scrub', () => {
  const key = 'AbC+dEf/GhI=';

  it('replaces a secret written as it is', () => {
    expect(secrets(key).scrub(`got ${key} twice: ${key}.`)).toBe('got *** twice: ***.');
  });

  it.each([
    ['URL-encoded, upper-case hex', 'AbC%2BdEf%2FGhI%3D'],
    ['URL-encoded, lower-case hex', 'AbC%2bdEf%2fGhI%3d'],
    ['every character percent-encoded', '%41%62%43%2B%64%45%66%2F%47%68%49%3D'],
    ['JSON-escaped slash', 'AbC+dEf\\/GhI='],
    ['JSON \\u escapes', 'AbC\\u002BdEf\\u002fGhI\\u003D'],
    ['HTML numeric entities', 'AbC&#43;dEf&#x2F;GhI&#61;'],
  ])('replaces a secret echoed %s', (_, echoed) => {
    expect(secrets(key).scrub(`{"error":"bad key ${echoed}"}`)).toBe('{"error":"bad key ***"}');
  });

  it('replaces form encoding (+ for a space) and JSON escapes of quotes, backslashes and non-ASCII', () => {
    const s = secrets('my s3cr3t"\\é€😀');
    expect(s.scrub('client_secret=my+s3cr3t%22%5C%C3%A9%E2%82%AC%F0%9F%98%80&x=1')).toBe(
      'client_secret=***&x=1',
    );
    expect(s.scrub('"my s3cr3t\\"\\\\\\u00e9\\u20AC\\ud83d\\ude00"')).toBe('"***"');
    expect(s.scrub('my s3cr3t&quot;\\&#233;&#x20ac;😀')).toBe('***');
  });

  it('replaces the longer of two secrets where one holds the other', () => {
    expect(secrets('abcd', 'xxabcdyy').scrub('1 xxabcdyy 2 abcd')).toBe('1 *** 2 ***');
  });

  it('masks the start of a secret cut off by a body shown in part (…)', () => {
    const s = secrets('SeCrEtToKeN123', key);
    expect(s.scrub('<html>you sent Bearer SeCrEtTo…')).toBe('<html>you sent Bearer ***…');
    expect(s.scrub('{"path":"/x?api_key=AbC%2BdEf%2…')).toBe('{"path":"/x?api_key=***…');
    expect(s.scrub('GET x: HTTP 400: path=AbC%2…; retrying')).toBe('GET x: HTTP 400: path=***…; retrying');
    // Two characters, or a text that is not cut off, are left alone.
    expect(s.scrub('HTTP 400: Se…')).toBe('HTTP 400: Se…');
    expect(s.scrub('orders SeCr')).toBe('orders SeCr');
  });

  it('ignores values shorter than 4 characters and leaves other text as it is', () => {
    const s = secrets('abc', 'tok-1234');
    expect(s.scrub('abc tok-123 tok-1234%')).toBe('abc tok-123 ***%');
    expect(new Secrets({ env: {} }).scrub('nothing … here')).toBe('nothing … here');
  });

  it('scrubs what resolve() returned', () => {
    const s = new Secrets({ env: { T: 'eyJhbGc/abc.def/ghi' } });
    s.resolve({ env: 'T' }, 'source.auth.token', 'https://api.example.com/v1');
    expect(s.scrub('{"got":"Bearer eyJhbGc\\/abc.def\\/ghi"}')).toBe('{"got":"Bearer ***"}');
  });

  it('a text full of … is scrubbed by looking just before each one (a cut secret still masked)', () => {
    const s = secrets('SeCrEtToKeN123');
    const many = `${'a … '.repeat(5_000)}Bearer SeCrEtTo…`;
    const scrubbed = s.scrub(many);
    expect(scrubbed.endsWith('Bearer ***…')).toBe(true);
    expect(scrubbed.length).toBe(many.length - 'SeCrEtTo'.length + 3);
  });

  it('remembers only parameters surely named as credentials, with a credential-long value', () => {
    const s = new Secrets({ env: {} });
    s.rememberClearCredentials(
      httpSourceSpecSchema.parse({
        kind: 'http',
        url: 'https://api.example.com/v1?keyword=shoes&signed_only=true&sig=Zm9vYmFyYmF6',
        query: { author: '1234', api_key: 'k-9f8e7d6c5b', auth_type: 'basic-ish', page_size: 50 },
      }),
    );
    expect(s.scrub('Running shoes by 1234 signed true, basic-ish; key k-9f8e7d6c5b sig Zm9vYmFyYmF6')).toBe(
      'Running shoes by 1234 signed true, basic-ish; key *** sig ***',
    );
  });
});
