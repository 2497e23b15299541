import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import { dispatch } from './dispatch.ts';
import { memoryLogger } from './test-support.ts';
import type { Handlers } from './types.ts';

// dispatch's own failure paths, which a correct engine never takes: a handler that throws something
// unexpected, or returns what the contract does not allow. The handlers here exist to take them.
function handlersWith(partial: Partial<Handlers>): Handlers {
  return partial as Handlers;
}

describe('dispatch', () => {
  it('maps an unexpected exception to `internal` with a generic message, logging it scrubbed', async () => {
    const log = memoryLogger();
    const handlers = handlersWith({
      'app.info': async () => {
        throw new TypeError('boom at postgres://bob:hunter22@db/x');
      },
    });
    const reply = await dispatch(handlers, 'app.info', {}, log);
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'internal',
        message: 'app.info failed unexpectedly; the details are in the engine log.',
      },
    });
    const logged = log.lines.join('\n');
    expect(logged).toContain('TypeError: boom at postgres://bob:***@db/x');
    expect(logged).not.toContain('hunter22');
  });

  it('keeps a LoadstoneError code (lower-cased), message and issues, scrubbing secrets from all of them', async () => {
    const handlers = handlersWith({
      'jobs.get': async () => {
        throw new LoadstoneError('TARGET_UNREACHABLE', 'cannot connect to postgres://bob:hunter22@db/x', {
          details: {
            target: 'postgres://bob:hunter22@db/x',
            password: 'hunter22',
            issues: [{ path: 'target.connection', message: 'unreachable' }],
          },
        });
      },
    });
    const reply = await dispatch(handlers, 'jobs.get', { name: 'j' }, memoryLogger());
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'target_unreachable',
        message: 'cannot connect to postgres://bob:***@db/x',
        issues: [{ path: 'target.connection', message: 'unreachable' }],
        details: { target: 'postgres://bob:***@db/x' },
      },
    });
  });

  it('refuses output that breaks the contract, logging only paths (never the values)', async () => {
    const log = memoryLogger();
    const handlers = handlersWith({
      'connections.list': async () => [{ name: 'x', secretValue: 'hunter22' }] as never,
    });
    const reply = await dispatch(handlers, 'connections.list', {}, log);
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal' } });
    const logged = log.lines.join('\n');
    expect(logged).toContain('connections.list returned output that does not match the contract');
    expect(logged).toContain('0.kind');
    expect(logged).not.toContain('hunter22');
  });

  it('strips fields the output schema does not know, so nothing extra leaks to the UI', async () => {
    const handlers = handlersWith({
      'dialogs.saveFile': async () =>
        ({ file: { handle: 'w_1', name: 'a.csv', path: '/tmp/a.csv' }, password: 'hunter22' }) as never,
    });
    expect(await dispatch(handlers, 'dialogs.saveFile', { defaultName: 'a.csv' }, memoryLogger())).toEqual({
      ok: true,
      value: { file: { handle: 'w_1', name: 'a.csv' } },
    });
  });

  it('treats a missing body as `{}` and applies input defaults before the handler runs', async () => {
    let seen: unknown;
    const handlers = handlersWith({
      'runs.list': async (input) => {
        seen = input;
        return [];
      },
    });
    expect(await dispatch(handlers, 'runs.list', undefined, memoryLogger())).toEqual({ ok: true, value: [] });
    expect(seen).toEqual({ limit: 100 });
  });
});
