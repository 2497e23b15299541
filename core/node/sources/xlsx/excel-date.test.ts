import { describe, expect, it } from 'vitest';
import { excelSerialToIso, isoCellToNaive, NumberShape, numberShape } from './excel-date.ts';

describe('excelSerialToIso', () => {
  it('follows the 1900 system, including its fictitious 1900-02-29', () => {
    expect(excelSerialToIso(1, false)).toBe('1900-01-01');
    expect(excelSerialToIso(59, false)).toBe('1900-02-28');
    expect(excelSerialToIso(60, false)).toBe('1900-02-29');
    expect(excelSerialToIso(61, false)).toBe('1900-03-01');
    expect(excelSerialToIso(111, false)).toBe('1900-04-20');
    expect(excelSerialToIso(11111, false)).toBe('1930-06-02');
    expect(excelSerialToIso(45306, false)).toBe('2024-01-15');
    expect(excelSerialToIso(2958465, false)).toBe('9999-12-31');
  });

  it('follows the 1904 system', () => {
    expect(excelSerialToIso(0, true)).toBe('1904-01-01');
    expect(excelSerialToIso(1, true)).toBe('1904-01-02');
    expect(excelSerialToIso(11111, true)).toBe('1934-06-03');
    expect(excelSerialToIso(43844, true)).toBe('2024-01-15');
  });

  it('writes the time when there is one, to the millisecond', () => {
    expect(excelSerialToIso(45306.5, false)).toBe('2024-01-15T12:00:00');
    expect(excelSerialToIso(45306 + (13 * 3600 + 45 * 60 + 30.25) / 86400, false)).toBe(
      '2024-01-15T13:45:30.250',
    );
    expect(excelSerialToIso(0.75, false)).toBe('1899-12-31T18:00:00');
    expect(excelSerialToIso(1.5, false)).toBe('1900-01-01T12:00:00');
    // 23:59:59.9996 rounds to the next midnight
    expect(excelSerialToIso(45306 + 0.99999999999, false)).toBe('2024-01-16');
  });

  it('gives up on serials Excel cannot show as dates', () => {
    expect(excelSerialToIso(-1, false)).toBeUndefined();
    expect(excelSerialToIso(2958466, false)).toBeUndefined();
    expect(excelSerialToIso(Number.NaN, false)).toBeUndefined();
  });
});

describe('numberShape', () => {
  it('knows the built-in date, time and duration formats', () => {
    expect(numberShape(14, undefined)).toBe(NumberShape.DateTime);
    expect(numberShape(22, undefined)).toBe(NumberShape.DateTime);
    expect(numberShape(46, undefined)).toBe(NumberShape.Duration);
    expect(numberShape(0, undefined)).toBe(NumberShape.Number);
    expect(numberShape(9, undefined)).toBe(NumberShape.Number);
  });

  it('reads custom format codes', () => {
    expect(numberShape(164, 'yyyy-mm-dd')).toBe(NumberShape.DateTime);
    expect(numberShape(165, '[$-409]mmmm d, yyyy;@')).toBe(NumberShape.DateTime);
    expect(numberShape(166, 'h:mm AM/PM')).toBe(NumberShape.DateTime);
    expect(numberShape(167, '[h]:mm:ss')).toBe(NumberShape.Duration);
    expect(numberShape(168, '#,##0.00 "days"')).toBe(NumberShape.Number);
    expect(numberShape(169, '0.00E+00')).toBe(NumberShape.Number);
    expect(numberShape(170, '[Red]#,##0;[Blue]-#,##0')).toBe(NumberShape.Number);
    expect(numberShape(171, '0.0\\h')).toBe(NumberShape.Number);
    expect(numberShape(172, 'General')).toBe(NumberShape.Number);
    expect(numberShape(173, '0%;"date: "d')).toBe(NumberShape.Number);
  });
});

describe('isoCellToNaive', () => {
  it('turns t="d" cell values into naive ISO strings', () => {
    expect(isoCellToNaive('2014-02-14T08:27:48.765Z')).toBe('2014-02-14T08:27:48.765');
    expect(isoCellToNaive('2014-02-14T00:00:00Z')).toBe('2014-02-14');
    expect(isoCellToNaive('2014-02-14')).toBe('2014-02-14');
    expect(isoCellToNaive('2014-02-14T08:27')).toBe('2014-02-14T08:27:00');
    expect(isoCellToNaive('2014-02-14T08:27:48+02:00')).toBe('2014-02-14T08:27:48+02:00');
    // Digits past milliseconds were cut: .765432 read as .765.
    expect(isoCellToNaive('2014-02-14T08:27:48.765432Z')).toBe('2014-02-14T08:27:48.765432');
    expect(isoCellToNaive('2014-02-14T08:27:48.5Z')).toBe('2014-02-14T08:27:48.5');
    expect(isoCellToNaive('2014-02-14T00:00:00.000Z')).toBe('2014-02-14');
  });
});
