import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource } from './open-source.ts';

// A Loadstone export read back: guards removed from the source columns (also for a row read again
// from its text, as the loader does for a row the database refused), Loadstone's own columns untouched.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-unguard-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function readAll(file: string) {
  const source = await openSource({ path: file });
  try {
    const rows = [];
    for await (const batch of source.rows()) rows.push(...batch);
    return { source, rows };
  } finally {
    await source.close();
  }
}

describe('reading a Loadstone export back', () => {
  it('removes the guards from source cells and headers, on rows and on rows read again', async () => {
    const file = path.join(dir, 'report.csv');
    fs.writeFileSync(
      file,
      "id,'=total,line,stage,column,reason,message\r\n" +
        "1,'=1+1,2,normalize,total,invalid_number,'=1+1' is not a number\r\n" +
        "2,''=2,3,normalize,total,invalid_number,'-5x' is not a number\r\n",
    );
    const { source, rows } = await readAll(file);
    expect(source.columns).toEqual(['id', '=total', 'line', 'stage', 'column', 'reason', 'message']);
    expect(rows.map((r) => r.values[1])).toEqual(['=1+1', "'=2"]);
    // The message column quotes values with ' and is Loadstone's: left as written.
    expect(rows[1]?.values[6]).toBe("'-5x' is not a number");
    expect(source.reparse).toBeDefined();
    for (const row of rows) {
      expect(row.text).toBeDefined();
      expect(source.reparse?.(row.text!.slice(row.textStart, row.textEnd))).toEqual(row.values);
    }
  });

  it('recognises an export for fixing by its loadstone_error column', async () => {
    const file = path.join(dir, 'fixing.csv');
    fs.writeFileSync(file, "id,note,loadstone_error\n1,'@cmd,note: bad\n");
    const { rows } = await readAll(file);
    expect(rows[0]?.values).toEqual(['1', '@cmd', 'note: bad']);
  });

  it('leaves every other file as it is', async () => {
    const file = path.join(dir, 'plain.csv');
    fs.writeFileSync(file, "id,note\n1,'=1+1\n");
    const { rows } = await readAll(file);
    expect(rows[0]?.values).toEqual(['1', "'=1+1"]);
  });
});
