import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../common/types.ts';
import { openStore } from '../store/open-store.ts';
import {
  makeRejects,
  parseCsv,
  sampleSpec,
  tempDir,
  testSecretStore,
} from '../store/test-fixtures/support.ts';
import { EXIT } from './exit-codes.ts';
import { runCli } from './test-support.ts';

let dir: string;
let cwd: string;
let runId: string;

function cli(args: string[]) {
  return runCli(args, { cwd, dataDir: dir });
}

beforeAll(() => {
  dir = tempDir();
  cwd = tempDir();
  const store = openStore(dir, { secretStore: testSecretStore() });
  runId = store.runs.create({ spec: sampleSpec(), sourceColumns: ['id', 'amount', 'date', 'note'] });
  const writer = store.rejects.writer(runId);
  writer.add(makeRejects(0, 120));
  writer.add([
    {
      line: 500,
      stage: 'normalize',
      raw: { id: 'evil', amount: '\u001b[31mred\u001b[0m', date: '', note: '' },
      errors: [
        {
          column: 'amount',
          value: '\u001b[31mred\u001b[0m',
          reason: 'invalid_number',
          message: 'not a number',
        },
      ],
    },
  ]);
  writer.flush();
  store.runs.finish(runId, { status: 'succeeded', counts: { read: 1000 } });
  store.close();
});

describe('loadstone errors', () => {
  it('shows the first rows, one line per error, and how to see more', async () => {
    const r = await cli(['errors', runId]);
    expect(r).toMatchObject({ code: EXIT.ok, err: '' });
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`Run ${runId} (succeeded): 121 rejected rows`);
    expect(lines[2]).toMatch(/^line\s+stage\s+column\s+reason\s+value\s+message$/);
    expect(lines[4]).toMatch(/^ {3}2\s+normalize\s+amount\s+invalid_number\s+x0\s+'x0' is not a number$/);
    expect(lines[5]).toMatch(
      /^ {3}2\s+normalize\s+date\s+impossible_date\s+2024-02-31\s+February has no 31st$/,
    );
    expect(r.out).toMatch(/ 11\s+parse\s+\(row\)\s+too_few_fields/);
    expect(r.out).toContain('Showing rows 1–50 of 121. More: --offset 50');
  });

  it('filters, pages and prints JSON', async () => {
    const page = JSON.parse(
      (await cli(['errors', runId, '--json', '--stage', 'parse', '--limit', '3', '--offset', '1'])).out,
    );
    expect(page).toMatchObject({ runId, status: 'succeeded', total: 12, offset: 1, limit: 3 });
    expect(page.rows.map((r: { line: number }) => r.line)).toEqual([21, 31, 41]);
    const byColumn = await cli(['errors', runId, '--column', 'date', '--reason', 'impossible_date']);
    expect(byColumn.out.split('\n')[0]).toBe(`Run ${runId} (succeeded): 60 rejected rows matching`);
  });

  it('prints exact JSON numbers as numbers of their text, as the JSON export writes them', async () => {
    const store = openStore(dir, { secretStore: testSecretStore() });
    const exactRun = store.runs.create({ spec: sampleSpec(), sourceColumns: ['id', 'amount'] });
    const writer = store.rejects.writer(exactRun);
    writer.add([
      {
        line: 7,
        stage: 'normalize',
        raw: { id: new JsonNumber('12345678901234567890'), amount: new JsonNumber('1.10') },
        errors: [{ column: 'amount', value: '1.10', reason: 'out_of_range', message: 'too precise' }],
      },
    ]);
    writer.flush();
    store.runs.finish(exactRun, { status: 'succeeded', counts: { read: 10 } });
    store.close();
    const out = (await cli(['errors', exactRun, '--json'])).out;
    expect(out).toContain('"raw":{"id":12345678901234567890,"amount":1.10}');
    expect(JSON.parse(out).rows[0].line).toBe(7);
    await cli(['errors', exactRun, '--export', 'exact.json']);
    expect(fs.readFileSync(path.join(cwd, 'exact.json'), 'utf8')).toContain(
      '"raw":{"id":12345678901234567890,"amount":1.10}',
    );
  });

  it('never lets a stored value drive the terminal', async () => {
    const r = await cli(['errors', runId, '--offset', '120']);
    expect(r.out).not.toContain('\u001b');
    expect(r.out).toContain('\\x1b[31mred\\x1b[0m');
  });

  it('summarises by reason and column', async () => {
    const r = await cli(['errors', runId, '--summary']);
    expect(
      r.out
        .split('\n')
        .slice(2, 6)
        .map((l) => l.trim().split(/\s{2,}/)),
    ).toEqual([
      ['count', 'reason', 'column', 'stage', 'example'],
      [
        expect.stringMatching(/^─+$/),
        expect.any(String),
        expect.any(String),
        expect.any(String),
        expect.any(String),
      ],
      ['109', 'invalid_number', 'amount', 'normalize', 'x0'],
      ['60', 'impossible_date', 'date', 'normalize', '2024-02-31'],
    ]);
    const json = JSON.parse((await cli(['errors', runId, '--summary', '--json'])).out);
    expect(json).toMatchObject({
      runId,
      total: 121,
      items: [
        { reason: 'invalid_number', count: 109 },
        {},
        { reason: 'too_few_fields', column: null, count: 12 },
      ],
    });
  });

  it('summarises only what the filters select', async () => {
    const byColumn = JSON.parse(
      (await cli(['errors', runId, '--summary', '--json', '--column', 'date'])).out,
    );
    expect(byColumn).toMatchObject({
      total: 60,
      items: [{ reason: 'impossible_date', column: 'date', count: 60, example: '2024-02-31' }],
    });
    expect(byColumn.items).toHaveLength(1);
    const byStage = JSON.parse((await cli(['errors', runId, '--summary', '--json', '--stage', 'parse'])).out);
    expect(byStage).toMatchObject({
      total: 12,
      items: [{ reason: 'too_few_fields', column: null, count: 12 }],
    });
    expect(byStage.items).toHaveLength(1);
    // The text selects rows; their errors are summarised, with the first matching example.
    const byText = JSON.parse((await cli(['errors', runId, '--summary', '--json', '--grep', 'RED'])).out);
    expect(byText).toMatchObject({
      total: 1,
      items: [{ reason: 'invalid_number', column: 'amount', count: 1, example: '\u001b[31mred\u001b[0m' }],
    });
    const text = await cli(['errors', runId, '--summary', '--reason', 'impossible_date']);
    expect(text.out.split('\n')[0]).toBe(`Run ${runId} (succeeded): 60 rejected rows matching`);
  });

  it('exports to the format of the file extension, relative to the working folder', async () => {
    const r = await cli(['errors', runId, '--export', 'out.csv']);
    expect(r).toMatchObject({ code: EXIT.ok, out: 'Wrote 121 rejected rows to out.csv\n', err: '' });
    const records = parseCsv(fs.readFileSync(path.join(cwd, 'out.csv'), 'utf8'));
    expect(records).toHaveLength(122);
    expect(records[0]).toEqual([
      'id',
      'amount',
      'date',
      'note',
      'line',
      'stage',
      'column',
      'reason',
      'message',
    ]);
    for (const [ext, format] of [
      ['ndjson', 'ndjson'],
      ['jsonl', 'ndjson'],
      ['json', 'json'],
    ] as const) {
      const out = JSON.parse(
        (await cli(['errors', runId, '--export', `sub.${ext}`, '--json', '--stage', 'parse'])).out,
      );
      expect(out).toEqual({ runId, format, path: path.join(cwd, `sub.${ext}`), rows: 12 });
    }
    expect(fs.readFileSync(path.join(cwd, 'sub.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(12);
    const txt = await cli(['errors', runId, '--export', 'out.txt']);
    expect(txt.code).toBe(EXIT.usage);
    expect(txt.err).toContain('use a .csv, .json, .ndjson or .jsonl file name');
    expect((await cli(['errors', runId, '--export', 'x.csv', '--summary'])).code).toBe(EXIT.usage);
  });

  it('--grep finds the rows holding a text in a value or a message, ignoring case, also with --export', async () => {
    // x11, x110–x118 (x119 is a parse row holding amount 1); 'x11' is also in their messages.
    const expected = makeRejects(0, 120)
      .filter((r) => Object.values(r.raw).some((v) => String(v).toLowerCase().includes('x11')))
      .map((r) => r.line);
    expect(expected).toHaveLength(10);
    const json = JSON.parse((await cli(['errors', runId, '--grep', 'X11', '--json', '--limit', '4'])).out);
    expect(json).toMatchObject({ runId, total: expected.length, offset: 0, limit: 4 });
    expect(json.rows.map((r: { line: number }) => r.line)).toEqual(expected.slice(0, 4));

    const human = await cli(['errors', runId, '--grep', 'X11', '--reason', 'impossible_date']);
    const even = makeRejects(0, 120).filter((r) => expected.includes(r.line) && r.errors.length === 2);
    expect(human.out.split('\n')[0]).toBe(`Run ${runId} (succeeded): ${even.length} rejected rows matching`);

    // A message: only the parse rows say 'found 2'; a note with quotes, as written.
    expect(JSON.parse((await cli(['errors', runId, '--grep', 'FOUND 2', '--json'])).out).total).toBe(12);
    const quoted = JSON.parse(
      (await cli(['errors', runId, '--grep', 'say "hi"', '--json', '--limit', '100'])).out,
    );
    expect(quoted.total).toBeGreaterThan(0);
    for (const r of quoted.rows) expect(r.raw.note).toBe('say "hi"');
    // % and _ are characters like any other: no value or message holds them.
    for (const text of ['%', 'x1_', 'amount']) {
      expect(JSON.parse((await cli(['errors', runId, '--grep', text, '--json'])).out).total, text).toBe(0);
    }

    const exported = await cli(['errors', runId, '--grep', 'x11', '--export', 'grep.csv']);
    expect(exported).toMatchObject({
      code: EXIT.ok,
      out: `Wrote ${expected.length} rejected rows to grep.csv\n`,
    });
    const records = parseCsv(fs.readFileSync(path.join(cwd, 'grep.csv'), 'utf8'));
    expect(records.slice(1).map((r) => Number(r[4]))).toEqual(expected);
    expect(records.slice(1).map((r) => r[1])).toEqual(expected.map((line) => `x${line - 2}`));
  });

  it('an unknown run is exit 2 with one line', async () => {
    const r = await cli(['errors', 'r_20990101_000000_zzzz']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain("no run 'r_20990101_000000_zzzz'");
    expect((await cli(['errors'])).code).toBe(EXIT.usage);
    expect((await cli(['errors', runId, '--stage', 'load2'])).err).toContain(
      '--stage must be one of parse, normalize, load',
    );
  });
});
