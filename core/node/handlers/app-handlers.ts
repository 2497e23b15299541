import { BUILT_IN_DEFAULTS } from '../../common/spec/format-defaults.ts';
import type { StoreSettings } from '../store/index.ts';
import type { HandlerContext } from './context.ts';
import type { Handlers } from './types.ts';

type AppHandlers = Pick<
  Handlers,
  'app.info' | 'settings.get' | 'settings.set' | 'dialogs.openFile' | 'dialogs.saveFile'
>;

/** app.info, settings.*, and the engine's answer to dialogs.* (none: Electron main answers those itself). */
export function appHandlers(ctx: HandlerContext): AppHandlers {
  const { store, bus } = ctx;
  return {
    async 'app.info'() {
      return {
        version: ctx.version,
        dataDir: ctx.dataDir,
        transport: ctx.transport,
        nativeDialogs: ctx.transport === 'electron',
      };
    },
    async 'settings.get'() {
      return view(store.settings.get());
    },
    async 'settings.set'(input) {
      const saved = store.settings.set(input);
      bus.publish('data.changed', { domain: 'settings' });
      return view(saved);
    },
    // The browser host has no native dialogs: the UI uploads and downloads instead.
    async 'dialogs.openFile'() {
      return { file: null };
    },
    async 'dialogs.saveFile'() {
      return { file: null };
    },
  };
}

/** Settings as saved, with the built-in defaults that apply where nothing is saved. */
function view(settings: StoreSettings) {
  return {
    ...settings,
    builtIn: { timeZone: BUILT_IN_DEFAULTS.timeZone.value, dateOrder: BUILT_IN_DEFAULTS.dateOrder.value },
  };
}
