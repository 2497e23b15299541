import { z } from 'zod';
import { LoadstoneError } from '../../common/errors.ts';
import { toValidationIssues } from '../../common/spec/job-spec.ts';
import type { StoreContext } from './context.ts';
import type { StoreSettings } from './types.ts';

/**
 * User settings: retention, default time zone, default date order. The two defaults are null until
 * the operator saves one: only a saved default applies to loads (see `formatDefaults`), so the
 * machine's zone never changes what a load or the CLI does.
 */
export interface SettingsRepo {
  /** All settings: retention with its defaults filled in, the format defaults as saved (null: none). */
  get(): StoreSettings;
  /**
   * Validates and saves the given settings (null clears a default: the built-in one applies
   * again); returns them all. @throws LoadstoneError BAD_USAGE.
   */
  set(patch: Partial<StoreSettings>): StoreSettings;
}

const timeZone = z
  .string()
  .min(1)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'is not an IANA time zone (e.g. Europe/Paris, UTC)');
const count = z.number().int().positive().nullable();
const schemas = {
  timeZone: timeZone.nullable(),
  dateOrder: z.enum(['DMY', 'MDY', 'YMD']).nullable(),
  retention: z.object({ keepRuns: count, keepDays: count }).strict(),
} satisfies { [K in keyof StoreSettings]: z.ZodType<StoreSettings[K]> };
const patchSchema = z.object(schemas).partial().strict();

/**
 * Before anything is saved: no format defaults (loads use the built-in MDY and UTC, as a job spec
 * without them always did), and the last 100 runs or 30 days kept.
 */
export function defaultSettings(): StoreSettings {
  return {
    timeZone: null,
    dateOrder: null,
    retention: { keepRuns: 100, keepDays: 30 },
  };
}

/** Creates the settings part of a store (one row per key, JSON values). */
export function createSettingsRepo(ctx: StoreContext): SettingsRepo {
  const { db } = ctx;
  const all = db.prepare('SELECT key, value FROM settings');
  const put = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const clear = db.prepare('DELETE FROM settings WHERE key = ?');

  const get = (): StoreSettings => {
    const settings = defaultSettings() as unknown as Record<string, unknown>;
    for (const { key, value } of all.all() as Array<{ key: string; value: string }>) {
      const schema = schemas[key as keyof StoreSettings];
      // A value this version cannot read (unknown key, changed shape) falls back to the default.
      let stored: unknown;
      try {
        stored = JSON.parse(value);
      } catch {
        continue;
      }
      const parsed = schema?.safeParse(stored);
      if (parsed?.success) settings[key] = parsed.data;
    }
    return settings as unknown as StoreSettings;
  };

  return {
    get,
    set(patch) {
      const result = patchSchema.safeParse(patch);
      if (!result.success) {
        const issues = toValidationIssues(result.error);
        throw new LoadstoneError(
          'BAD_USAGE',
          `invalid settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          { details: { issues } },
        );
      }
      db.transaction(() => {
        for (const [key, value] of Object.entries(result.data)) {
          if (value === null) clear.run(key);
          else put.run(key, JSON.stringify(value));
        }
      })();
      return get();
    },
  };
}
