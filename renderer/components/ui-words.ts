/**
 * The engine writes its messages for every front end (the CLI and spec files speak in spec fields:
 * `dateOrder`, `target.table`); the UI names its own controls instead. These are the controls'
 * labels, by spec path and by bare field name.
 */
const PATH_LABELS: Record<string, string> = {
  'target.table': 'Table',
  'target.connection': 'Connection',
  'target.mode': 'Mode',
  'target.key': 'Key columns',
  'target.watermark': 'Watermark column',
  'target.duplicateKeys': '“Same key twice in one load”',
  'target.addMissingColumns': '“Add columns missing from an existing table”',
  'target.truncate': '“Empty the table first”',
  'settings.maxErrorRate': 'Maximum error rate',
  'settings.maxErrors': 'maximum rejected rows',
  'settings.commitEvery': 'commit every N rows',
  'settings.sampleSize': 'sample size',
  'format.dateOrder': 'Source defaults › Date order',
  'format.decimalSeparator': 'Source defaults › Decimal separator',
  'format.timeZone': 'Source defaults › Time zone',
  'format.nullTokens': 'Source defaults › Null tokens',
  'format.percent': 'Source defaults › Percent',
  'source.path': 'Source file',
};

const FIELD_LABELS: Record<string, string> = {
  dateOrder: 'Date order',
  decimalSeparator: 'Decimal separator',
  timeZone: 'Time zone',
  nullTokens: 'Null tokens',
  numericDates: 'Numeric dates',
  twoDigitYearPivot: 'two-digit year pivot',
  addMissingColumns: '“Add columns missing from an existing table”',
  duplicateKeys: '“Same key twice in one load”',
  maxErrorRate: 'Maximum error rate',
  maxErrors: 'maximum rejected rows',
  commitEvery: 'commit every N rows',
  sampleSize: 'sample size',
};

/** `columns.2.type` → `Column 3 › Type`; `target.table` → `Table`; unknown paths stay as they are. */
export function uiPath(path: string): string {
  if (PATH_LABELS[path]) return PATH_LABELS[path];
  const column = /^columns\.(\d+)(?:\.(\w+))?$/.exec(path);
  if (column) {
    const n = Number(column[1]) + 1;
    const field = column[2];
    if (!field) return `Column ${n}`;
    const label =
      FIELD_LABELS[field] ?? (field === 'name' ? 'Target name' : field === 'type' ? 'Type' : field);
    return `Column ${n} › ${label}`;
  }
  return FIELD_LABELS[path] ?? path;
}

const PATH_WORDS = new RegExp(
  `(?<![\\w.])(${Object.keys(PATH_LABELS)
    .map((p) => p.replace('.', '\\.'))
    .join('|')})(?![\\w.])`,
  'g',
);
const FIELD_WORDS = new RegExp(`(?<![\\w.'"])(${Object.keys(FIELD_LABELS).join('|')})(?![\\w'"])`, 'g');

/**
 * A message with the spec's field names replaced by the labels of the controls that set them:
 * "set dateOrder to change it" → "set Date order to change it", "(set addMissingColumns to add
 * them)" → "(set “Add columns missing from an existing table” to add them)". Quoted values and
 * anything else are left alone.
 */
export function uiWording(message: string): string {
  return message
    .replace(PATH_WORDS, (p) => PATH_LABELS[p] ?? p)
    .replace(FIELD_WORDS, (f) => FIELD_LABELS[f] ?? f)
    .replace(/\bset type or Numeric dates\b/g, 'set Type or Numeric dates');
}
