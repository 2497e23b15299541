import { isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import { formatDefaults } from '../../common/spec/format-defaults.ts';
import { inspectSource, preview } from '../preview/preview.ts';
import type { HandlerContext } from './context.ts';
import type { ReadableFile } from './file-grants.ts';
import type { Handlers } from './types.ts';

/**
 * sources.inspect and preview.run: read-only looks at a granted file; nothing is recorded. Both stop
 * reading when the call's signal aborts (the browser host's client went away).
 */
export function sourceHandlers(
  ctx: HandlerContext,
): Pick<Handlers, 'sources.inspect' | 'preview.run' | 'sources.saveSecret' | 'sources.testRequest'> {
  const secret = (id: string): string => ctx.store.sourceSecrets.read(id);
  return {
    async 'sources.saveSecret'({ value }) {
      return { id: ctx.store.sourceSecrets.save(value) };
    },
    async 'sources.testRequest'({ source, limit }, { signal }) {
      const { testRequest } = await import('../sources/http/test-request.ts');
      return await testRequest(source, { env: ctx.env, secret, signal }, limit);
    },
    async 'sources.inspect'(ref, { signal }) {
      const { spec, file } = await ctx.grants.source(ref, 'handle');
      return namedAsUploaded(file, () => inspectSource(spec, { signal, env: ctx.env, secret }));
    },
    async 'preview.run'({ spec, limit }, { signal }) {
      const { spec: source, file } = await ctx.grants.source(spec.source, 'spec.source.handle');
      // The saved Settings' defaults, as the load will apply them.
      const defaults = formatDefaults(ctx.store.settings.get());
      return namedAsUploaded(file, () =>
        preview({ ...spec, source }, { limit, signal, defaults, source: { env: ctx.env, secret } }),
      );
    },
  };
}

/**
 * Runs `work`; an error about an uploaded copy names the file as the operator knows it, not by where
 * the host keeps the copy (`…/uploads/7c20…/orders.csv: …` → `orders.csv: …`).
 */
async function namedAsUploaded<T>(file: ReadableFile | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!file?.uploaded || !isLoadstoneError(error) || !error.message.includes(file.path)) throw error;
    throw new LoadstoneError(error.code, error.message.replaceAll(file.path, file.name), {
      ...(error.details ? { details: error.details } : {}),
      cause: error,
    });
  }
}
