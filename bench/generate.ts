import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** Where generated benchmark files live (gitignored). */
export const BENCH_DIR = join(import.meta.dirname, '..', '.bench');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CHF'];

/** Deterministic pseudo-random numbers (mulberry32), so every run benchmarks the same bytes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function groupThousands(n: number, sep: string): string {
  const s = String(n);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += sep;
    out += s[i];
  }
  return out;
}

/**
 * Writes a CSV of `rows` rows × 8 columns (id, email, order_date, amount, currency, paid, note, created_at).
 * `clean`: one canonical shape per column. `messy`: mixed date formats, grouped and currency amounts,
 * accounting negatives, boolean words, null tokens, a UTF-8 BOM and ~0.5% bad rows.
 * Returns the path and the number of rows written with a deliberate error.
 */
export async function generateCsv(
  kind: 'clean' | 'messy',
  rows: number,
): Promise<{ path: string; badRows: number }> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `${kind}-${rows}.csv`);
  const badEvery = 200; // 0.5% of the messy rows are bad
  // Same seed, same bytes: an existing file is reused.
  if (existsSync(path)) return { path, badRows: kind === 'messy' ? Math.floor(rows / badEvery) : 0 };
  const rnd = random(kind === 'clean' ? 1 : 2);
  let badRows = 0;
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  const write = (chunk: string) =>
    out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  let buffer = kind === 'messy' ? '\uFEFF' : '';
  buffer += 'id,email,order_date,amount,currency,paid,note,created_at\n';
  for (let i = 1; i <= rows; i++) {
    const r = [
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
      rnd(),
    ] as number[];
    const y = 2015 + Math.floor(r[0]! * 10);
    const m = 1 + Math.floor(r[1]! * 12);
    const d = 1 + Math.floor(r[2]! * 28);
    const cents = Math.floor(r[3]! * 10_000_000);
    const word = WORDS[Math.floor(r[4]! * WORDS.length)]!;
    const currency = CURRENCIES[Math.floor(r[5]! * CURRENCIES.length)]!;
    const paid = r[6]! < 0.5;
    const hh = Math.floor(r[7]! * 24);
    const mi = Math.floor(r[8]! * 60);
    const ss = Math.floor(r[9]! * 60);
    const email = `${word}.${i}@example.com`;
    const note =
      r[10]! < 0.1
        ? `"said ""hello"", then left\nsecond line ${i}"`
        : r[10]! < 0.3
          ? `"${word}, ${currency}"`
          : `${word} ${i}`;
    const iso = `${y}-${pad2(m)}-${pad2(d)}`;
    const amount = `${Math.floor(cents / 100)}.${pad2(cents % 100)}`;
    if (kind === 'clean') {
      buffer += `${i},${email},${iso},${amount},${currency},${paid ? 'true' : 'false'},${note},${iso} ${pad2(hh)}:${pad2(mi)}:${pad2(ss)}\n`;
    } else {
      const style = Math.floor(r[11]! * 6);
      const date =
        style === 0
          ? iso
          : style === 1
            ? `${pad2(d)}/${pad2(m)}/${y}`
            : style === 2
              ? `"${MONTHS[m - 1]} ${d}, ${y}"`
              : style === 3
                ? `${d} ${MONTHS[m - 1]} ${y}`
                : style === 4
                  ? `${pad2(d)}/${pad2(m)}/${y}`
                  : iso;
      const whole = groupThousands(Math.floor(cents / 100), ',');
      const amountText =
        style === 0
          ? `"$${whole}.${pad2(cents % 100)}"`
          : style === 1
            ? `"(${whole}.${pad2(cents % 100)})"`
            : style === 2
              ? `${amount} USD`
              : style === 3
                ? `${amount}-`
                : amount;
      const paidText = ['yes', 'no', 'Y', 'N', 'true', 'false', 'on', 'off'][Math.floor(r[6]! * 8)]!;
      const ts =
        style === 5 ? `${iso}T${pad2(hh)}:${pad2(mi)}:${pad2(ss)}Z` : `${iso} ${pad2(hh)}:${pad2(mi)}`;
      const nullish = r[9]! < 0.02 ? ['N/A', 'NULL', '', '-', 'none'][Math.floor(r[8]! * 5)]! : null;
      let row = `${i},${email},${date},${amountText},${nullish ?? currency},${paidText},${note},${ts}\n`;
      if (i % badEvery === 0) {
        badRows++;
        row =
          i % 600 === 0
            ? `${i},${email},${y}-02-30,${amount},${currency},yes,${note},${ts}\n`
            : i % 400 === 0
              ? `${i},${email},${iso},12.3x,${currency},yes,${note},${ts}\n`
              : `${i},${email},${iso},${amount},${currency},maybe,${note},${ts}\n`;
      }
      buffer += row;
    }
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  await write(buffer);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  renameSync(tmp, path);
  return { path, badRows };
}

/**
 * The clean CSV as NDJSON (one object per line: `id` and `amount` as JSON numbers, `paid` as a
 * boolean, the rest as strings), for the NDJSON load figure. Written once, reused.
 */
export async function generateNdjson(rows: number): Promise<{ path: string }> {
  const path = join(BENCH_DIR, `clean-${rows}.ndjson`);
  if (existsSync(path)) return { path };
  const { path: csv } = await generateCsv('clean', rows);
  const { openSource } = await import('../core/node/sources/open-source.ts');
  const source = await openSource({ path: csv });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  const write = (chunk: string) =>
    out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  try {
    for await (const batch of source.rows()) {
      let text = '';
      for (const { values: v } of batch) {
        const [id, email, orderDate, amount, currency, paid, note, createdAt] = v as string[];
        text += `{"id":${id},"email":${JSON.stringify(email)},"order_date":"${orderDate}","amount":${amount},"currency":"${currency}","paid":${paid},"note":${JSON.stringify(note)},"created_at":"${createdAt}"}\n`;
      }
      await write(text);
    }
  } finally {
    await source.close();
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  renameSync(tmp, path);
  return { path };
}
