/**
 * The engine's messages name spec fields for every front end (the app names its controls instead,
 * `renderer/components/ui-words.ts`); on the command line a field that has a flag is named by its
 * flag, with the spec field beside it for a `--spec` file.
 */
const FLAG_OF: Record<string, string> = {
  addMissingColumns: '--add-missing-columns',
};

const SET_FIELD = new RegExp(`\\bset (${Object.keys(FLAG_OF).join('|')}) to\\b`, 'g');

/** "(set addMissingColumns to add them)" → "(give --add-missing-columns, or target.addMissingColumns in a spec, to add them)". */
export function cliWording(message: string): string {
  return message.replace(
    SET_FIELD,
    (_all, field: string) => `give ${FLAG_OF[field]}, or target.${field} in a spec, to`,
  );
}
