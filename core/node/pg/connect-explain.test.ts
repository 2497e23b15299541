import { describe, expect, it } from 'vitest';
import { explainConnectError } from './connect.ts';

const config = { host: 'db.example', port: 5433, user: 'bob', database: 'sales' };
const err = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('x'), { code, ...extra });

describe('a connection failure in words', () => {
  it('names what to check for each usual cause', () => {
    expect(explainConnectError(err('ECONNREFUSED', { address: '127.0.0.1', port: 1 }), config)).toBe(
      'nothing is listening on 127.0.0.1:1 — is the server running, and is that its port?',
    );
    expect(explainConnectError(err('ENOTFOUND', { hostname: 'db.exmaple' }), config)).toContain(
      "the host name 'db.exmaple' is not known (DNS found no such host)",
    );
    expect(explainConnectError(err('28P01'), config)).toContain(
      "the server refused the password for user 'bob'",
    );
    expect(explainConnectError(err('28000'), config)).toContain("does not let user 'bob' in");
    expect(explainConnectError(err('3D000'), config)).toContain("no database 'sales'");
    expect(
      explainConnectError(new Error('Connection terminated due to connection timeout'), {
        ...config,
        connectionTimeoutMillis: 3000,
      }),
    ).toBe(
      'no answer from db.example:5433 within 3 s — a firewall may drop the connection, or the host is not the right one',
    );
    expect(
      explainConnectError(err('ECONNREFUSED'), { connectionString: 'postgres://u@h2:6000/d' }),
    ).toContain('nothing is listening on h2:6000');
    expect(explainConnectError(err('42P01'), config)).toBeNull();
  });
});
