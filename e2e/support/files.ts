import fs from 'node:fs';
import path from 'node:path';

/** One row of the messy CSV, and what the operator should see for it. */
export interface MessyRow {
  line: number;
  fields: string[];
}

/** Header of the messy CSV (semicolon-delimited, as European spreadsheets export). */
export const MESSY_HEADER = ['id', 'name', 'city', 'amount', 'signup', 'updated_at', 'code'];

/**
 * The rows that must be rejected, by physical line, with the reason and column the report must show.
 * Line 1 is the header.
 */
export const MESSY_REJECTS = [
  { line: 5, stage: 'normalize', column: 'amount', reason: 'invalid_number', value: '12,5x' },
  { line: 6, stage: 'normalize', column: 'signup', reason: 'impossible_date', value: '31/02/2024' },
  { line: 7, stage: 'parse', column: null, reason: 'too_few_fields', value: null },
] as const;

/** Good rows in the messy CSV (13 data lines − 3 rejected). */
export const MESSY_GOOD_ROWS = 10;

/**
 * A messy operator file: Windows-1252 ("Latin-1") text with accented names, `;` delimiter, day-first
 * dates, decimal commas with thousands dots, leading-zero codes, and three bad rows (a broken number,
 * 31 February, a short row). Deterministic, so the expected report is known exactly.
 */
export function writeMessyCsv(dir: string, name = 'customers-latin1.csv'): string {
  const lines = [
    MESSY_HEADER.join(';'),
    '1;José Müller;Köln;1.234,50;25/03/2024;2024-03-25 10:15:00;00123',
    '2;Zoë Ångström;Malmö;12,00;01/02/2024;2024-02-01 08:00:00;00456',
    '3;François Lefèvre;Besançon;-7,25;13/01/2024;2024-01-13 17:45:00;00789',
    '4;Søren Kierkegård;Århus;12,5x;14/02/2024;2024-02-14 09:30:00;01011',
    '5;Inés Peña;Málaga;0,99;31/02/2024;2024-02-28 12:00:00;01213',
    '6;Björn Borg;Göteborg',
    '7;Malgorzata Nowak;Lodz;3,50;05/06/2024;2024-06-05 07:05:00;01415',
    '8;Chloé Dubois;Zürich;100,00;30/04/2024;2024-04-30 23:59:59;01617',
    '9;Ana Luísa;São Paulo;2.500,75;15/05/2024;2024-05-15 14:20:00;01819',
    '10;Jürgen Weiß;München;0,10;28/02/2024;2024-02-28 06:00:00;02021',
    '11;Åsa Öberg;Umeå;45,00;17/07/2024;2024-07-17 11:11:11;02223',
    '12;Núria Puig;Girona;9,99;22/08/2024;2024-08-22 16:40:00;02425',
    '13;Olivier Gérard;Nîmes;1.000.000,00;19/09/2024;2024-09-19 19:19:19;02627',
  ];
  const file = path.join(dir, name);
  // Every character above exists in Latin-1, so 'latin1' encodes them as Windows-1252 does.
  fs.writeFileSync(file, Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1'));
  return file;
}

/** A clean CSV of `rows` rows (id, name, amount, day), big enough for a load that can be cancelled. */
export function writeBigCsv(dir: string, rows: number, name = 'big.csv'): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'id,name,amount,day\n');
    const chunk: string[] = [];
    for (let i = 1; i <= rows; i++) {
      chunk.push(
        `${i},customer ${i % 9973},${(i % 100_000) / 100},2024-${String((i % 12) + 1).padStart(2, '0')}-15\n`,
      );
      if (chunk.length === 50_000) {
        fs.writeSync(fd, chunk.join(''));
        chunk.length = 0;
      }
    }
    if (chunk.length > 0) fs.writeSync(fd, chunk.join(''));
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
