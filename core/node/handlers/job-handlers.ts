import { LoadstoneError } from '../../common/errors.ts';
import type { HandlerContext } from './context.ts';
import { withCheckedSource } from './paths.ts';
import type { Handlers } from './types.ts';

/** jobs.*: saved job specs (the store validates them on save and on load). */
export function jobHandlers(
  ctx: HandlerContext,
): Pick<Handlers, 'jobs.list' | 'jobs.get' | 'jobs.save' | 'jobs.delete'> {
  const { store, bus } = ctx;
  return {
    async 'jobs.list'() {
      return store.jobs
        .list()
        .map((j) => ({ name: j.name, updatedAt: j.updatedAt, source: j.source, table: j.table }));
    },
    async 'jobs.get'({ name }) {
      const job = store.jobs.get(name);
      if (!job) throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}'`);
      return { name: job.name, spec: job.spec };
    },
    async 'jobs.save'({ name, spec }) {
      store.jobs.save(name, withCheckedSource(spec));
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
    async 'jobs.delete'({ name }) {
      if (!store.jobs.remove(name)) throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}'`);
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
  };
}
