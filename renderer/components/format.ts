const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : integer.format(n);
}

/** Milliseconds → "850 ms", "12.4 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${oneDecimal.format(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Seconds remaining → "about 12 s"; unknown → "—". */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  return seconds < 1 ? 'under 1 s' : formatDuration(seconds * 1000);
}

/** Bytes → "512 B", "1.5 MB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : oneDecimal.format(v)} ${units[i]}`;
}

/** An ISO instant in the operator's locale and zone, to the second. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Duration between two ISO instants (the second defaulting to now). */
export function durationBetween(startIso: string, endIso: string | null): number | null {
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : Date.now();
  return Number.isNaN(start) || Number.isNaN(end) ? null : end - start;
}

/** How a cell value is displayed: null, empty string and objects are made visible, never blank. */
export function displayValue(value: unknown): { text: string; kind: 'null' | 'empty' | 'value' | 'missing' } {
  if (value === undefined) return { text: '', kind: 'missing' };
  if (value === null) return { text: 'NULL', kind: 'null' };
  if (value === '') return { text: '(empty)', kind: 'empty' };
  if (typeof value === 'string') return { text: value, kind: 'value' };
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value), kind: 'value' };
  return { text: JSON.stringify(value), kind: 'value' };
}

/** A fraction 0..1 as a percentage with up to two decimals. */
export function formatPercent(fraction: number): string {
  return `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(fraction * 100)} %`;
}
