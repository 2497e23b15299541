import type { Engine, Handlers } from '../handlers/types.ts';

/**
 * TEST ONLY. The variable the host's tests set on the engine process to stand in for a file that kills
 * it: a preview or inspection of a granted file with exactly this name ends the process with SIGKILL,
 * as the kernel's out-of-memory killer or a crash in native code would. Read once at the engine
 * process's start, from its environment; nothing a renderer sends can set it.
 */
export const TEST_CRASH_ON_FILE = 'LOADSTONE_TEST_CRASH_ON_FILE';

/** The engine as is, or (with the test variable set) with the crash above in its file-reading calls. */
export function crashHookFor(engine: Engine, env: NodeJS.ProcessEnv): Engine {
  const name = env[TEST_CRASH_ON_FILE];
  if (!name) return engine;
  const dieOn = async (handle: string) => {
    const file = await engine.grants.readable(handle).catch(() => null);
    if (file?.name === name) process.kill(process.pid, 'SIGKILL');
  };
  const handlers: Handlers = {
    ...engine.handlers,
    async 'sources.inspect'(input, call) {
      if ('handle' in input) await dieOn(input.handle);
      return engine.handlers['sources.inspect'](input, call);
    },
    async 'preview.run'(input, call) {
      if ('handle' in input.spec.source) await dieOn(input.spec.source.handle);
      return engine.handlers['preview.run'](input, call);
    },
  };
  return {
    ...engine,
    handlers,
    grants: engine.grants,
    exportReport: engine.exportReport,
    close: engine.close,
  };
}
