import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRejection, type Rejection } from './cell.ts';
import { type DecimalMark, detectDecimalSeparator, makeNumericRule, toDecimalString } from './numbers.ts';

const dot = makeNumericRule({ decimalSeparator: '.', percent: 'keep' });
const comma = makeNumericRule({ decimalSeparator: ',', percent: 'keep' });

function rejection(value: unknown): Rejection {
  if (!isRejection(value)) throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  return value;
}

describe('numeric rule, decimal point', () => {
  it.each([
    ['1234.56', '1234.56'],
    ['1,234.56', '1234.56'],
    ['1 234.56', '1234.56'],
    ["1'234.56", '1234.56'],
    ['1\u00a0234\u00a0567.5', '1234567.5'],
    ['3,400.60', '3400.60'],
    ['3.00', '3.00'],
    ['007', '7'],
    ['-0.50', '-0.50'],
    ['-0', '0'],
    ['-0.00', '0.00'],
    ['+12', '12'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['0', '0'],
    ['$1,000.23', '1000.23'],
    ['1,000.23 $', '1000.23'],
    ['-1,000$', '-1000'],
    ['$-5', '-5'],
    ['-$5', '-5'],
    ['€ 10', '10'],
    ['10€', '10'],
    ['USD 12.50', '12.50'],
    ['12.50USD', '12.50'],
    ['US$3', '3'],
    ['CHF 1’234.50', '1234.50'],
    ['¥1,000', '1000'],
    ['£0.99', '0.99'],
    ['(45.10)', '-45.10'],
    ['($1,000)', '-1000'],
    ['( 45.10 )', '-45.10'],
    ['45.10-', '-45.10'],
    ['\u22125', '-5'],
    ['12.5%', '12.5'],
    ['-43 %', '-43'],
    ['1.5e3', '1500'],
    ['-1.0008E+9', '-1000800000'],
    ['7.7e-7', '0.00000077'],
    ['1.50e1', '15.0'],
    ['0e+0', '0'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
  ])('%s → %s', (input, expected) => {
    expect(dot(input)).toBe(expected);
  });

  it.each([
    ['12,3x', "'12,3x' is not a number: unexpected 'x'"],
    ['1.234,56', "'1.234,56' uses ',' as decimal mark but this column's decimal mark is '.'"],
    ['1,5', "'1,5' uses ',' as decimal mark but this column's decimal mark is '.'"],
    [
      '1.0.00',
      "'1.0.00' is not a number: separators out of place (groups of 3 digits, one decimal mark '.')",
    ],
    [
      '10..00',
      "'10..00' is not a number: separators out of place (groups of 3 digits, one decimal mark '.')",
    ],
    [
      '10,,00',
      "'10,,00' is not a number: separators out of place (groups of 3 digits, one decimal mark '.')",
    ],
    ['$100$', "'$100$' is not a number: more than one currency marker"],
    ['not a number', "'not a number' is not a number"],
    [
      '1,23,456',
      "'1,23,456' is not a number: separators out of place (groups of 3 digits, one decimal mark '.')",
    ],
    ['1,234 567', "'1,234 567' is not a number: mixed group separators"],
    ['(-45)', "'(-45)' is not a number: more than one sign"],
    ['-45-', "'-45-' is not a number: more than one sign"],
    ['(45', "'(45' is not a number: '(' without ')'"],
    ['$5%', "'$5%' is not a number: both a currency and '%'"],
    ['12 34', "'12 34' is not a number: unexpected '3'"],
    ['1.5 m', "'1.5 m' is not a number: unexpected 'm'"],
    ['Infinity', "'Infinity' is not a number"],
    ['0x1F', "'0x1F' is not a number: unexpected 'x'"],
  ])('%s is invalid_number: %s', (input, message) => {
    const result = rejection(dot(input));
    expect(result.reason).toBe('invalid_number');
    expect(result.message).toBe(message);
  });

  it('rejects a first group of more than 3 digits or starting with 0', () => {
    expect(rejection(dot('2000,000')).reason).toBe('invalid_number');
    expect(rejection(dot('0,123')).reason).toBe('invalid_number');
  });

  it('rejects exponents beyond ±1000 as out_of_range', () => {
    expect(dot('1e1000')).toBe(`1${'0'.repeat(1000)}`);
    const result = rejection(dot('1e1001'));
    expect(result.reason).toBe('out_of_range');
    expect(result.message).toContain("'1e1001'");
    expect(rejection(dot('1e-99999999999')).reason).toBe('out_of_range');
  });

  it('shifts percentages exactly with percent: fraction', () => {
    const fraction = makeNumericRule({ decimalSeparator: '.', percent: 'fraction' });
    expect(fraction('12.5%')).toBe('0.125');
    expect(fraction('100%')).toBe('1.00');
    expect(fraction('-43 %')).toBe('-0.43');
    expect(fraction('0.1%')).toBe('0.001');
    expect(fraction('12.5')).toBe('12.5');
  });
});

describe('numeric rule, decimal comma', () => {
  it.each([
    ['1234,56', '1234.56'],
    ['1.234,56', '1234.56'],
    ['1 234,56', '1234.56'],
    ['1\u202f234,56', '1234.56'],
    ['10.000,00 €', '10000.00'],
    ['€10 000,00', '10000.00'],
    ['R$10.000,00', '10000.00'],
    ['(0,12345)', '-0.12345'],
    ['1.001', '1001'],
    ['-5', '-5'],
    ['5,000001', '5.000001'],
    ['1,5e3', '1500'],
  ])('%s → %s', (input, expected) => {
    expect(comma(input)).toBe(expected);
  });

  it('names the mismatch when a value is written with the other convention', () => {
    expect(rejection(comma('1,234.56')).message).toBe(
      "'1,234.56' uses '.' as decimal mark but this column's decimal mark is ','",
    );
    expect(rejection(comma('2,109,998')).message).toBe(
      "'2,109,998' uses ',' as group separator but this column's decimal mark is ','",
    );
    expect(rejection(comma('11.11')).reason).toBe('invalid_number');
    expect(rejection(comma('0.00')).reason).toBe('invalid_number');
  });
});

describe('toDecimalString', () => {
  it('moves the point exactly and keeps the written scale', () => {
    expect(toDecimalString(false, '12', '345', 0)).toBe('12.345');
    expect(toDecimalString(false, '12', '345', 2)).toBe('1234.5');
    expect(toDecimalString(false, '12', '345', 5)).toBe('1234500');
    expect(toDecimalString(true, '12', '345', -4)).toBe('-0.0012345');
    expect(toDecimalString(true, '000', '000', 0)).toBe('0.000');
    expect(toDecimalString(false, '', '5', 0)).toBe('0.5');
  });
});

/** Groups integer digits by 3 with `separator`. */
function group(digits: string, separator: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += separator;
    out += digits[i];
  }
  return out;
}

const decimalParts = fc.record({
  int: fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,20}$/)),
  frac: fc.stringMatching(/^[0-9]{0,8}$/),
  negative: fc.boolean(),
  mark: fc.constantFrom<DecimalMark>('.', ','),
  grouping: fc.constantFrom('none', 'punct', ' ', '\u00a0', '\u202f', "'"),
  sign: fc.constantFrom('leading', 'trailing', 'parens', 'unicode'),
  currency: fc.constantFrom('', '$', '€', '£', '¥', 'USD', 'EUR', 'CHF', 'US$'),
  currencyAfter: fc.boolean(),
  space: fc.boolean(),
});

describe('numeric round trip (property)', () => {
  it('formatting a decimal any supported way and reading it back gives the exact canonical string', () => {
    fc.assert(
      fc.property(decimalParts, (p) => {
        const zero = /^0*$/.test(p.int + p.frac);
        const canonical = `${p.negative && !zero ? '-' : ''}${p.int}${p.frac ? `.${p.frac}` : ''}`;
        const groupChar =
          p.grouping === 'none' ? '' : p.grouping === 'punct' ? (p.mark === '.' ? ',' : '.') : p.grouping;
        let body = group(p.int, groupChar) + (p.frac ? p.mark + p.frac : '');
        const gap = p.space ? ' ' : '';
        if (p.currency) body = p.currencyAfter ? `${body}${gap}${p.currency}` : `${p.currency}${gap}${body}`;
        let text = body;
        if (p.negative) {
          if (p.sign === 'leading') text = `-${body}`;
          else if (p.sign === 'trailing') text = `${body}-`;
          else if (p.sign === 'parens') text = `(${body})`;
          else text = `\u2212${body}`;
        }
        const rule = makeNumericRule({ decimalSeparator: p.mark, percent: 'keep' });
        expect(rule(text)).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it('expands scientific notation exactly (checked against BigInt arithmetic)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[1-9][0-9]{0,15}$/),
        fc.integer({ min: -40, max: 40 }),
        fc.boolean(),
        (digits, exponent, negative) => {
          const text = `${negative ? '-' : ''}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent}`;
          const shift = exponent - (digits.length - 1);
          let expected: string;
          if (shift >= 0) expected = (BigInt(digits) * 10n ** BigInt(shift)).toString();
          else {
            const padded = digits.padStart(-shift + 1, '0');
            expected = `${padded.slice(0, shift)}.${padded.slice(shift)}`;
          }
          expect(dot(text)).toBe(`${negative ? '-' : ''}${expected}`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('detectDecimalSeparator', () => {
  it('settles on the last separator when a value has both', () => {
    expect(detectDecimalSeparator(['1.234,56'])).toEqual({ separator: ',', ambiguous: false });
    expect(detectDecimalSeparator(['1,234.56'])).toEqual({ separator: '.', ambiguous: false });
  });

  it('reads a single separator not followed by exactly 3 digits as the decimal mark', () => {
    expect(detectDecimalSeparator(['1,5', '12,34', '7'])).toEqual({ separator: ',', ambiguous: false });
    expect(detectDecimalSeparator(['0,125'])).toEqual({ separator: ',', ambiguous: false });
    expect(detectDecimalSeparator(['1234,567'])).toEqual({ separator: ',', ambiguous: false });
    expect(detectDecimalSeparator(['1.5', '2'])).toEqual({ separator: '.', ambiguous: false });
  });

  it('reads a repeated separator as grouping', () => {
    expect(detectDecimalSeparator(['1.234.567'])).toEqual({ separator: ',', ambiguous: false });
    expect(detectDecimalSeparator(['1,234,567'])).toEqual({ separator: '.', ambiguous: false });
  });

  it('flags values that read either way, choosing the decimal point', () => {
    const evidence = detectDecimalSeparator(['1,234', '12,500']);
    expect(evidence.separator).toBe('.');
    expect(evidence.ambiguous).toBe(true);
    expect(evidence.message).toContain("'1,234'");
    expect(detectDecimalSeparator(['1,234', '1,5']).ambiguous).toBe(false);
  });

  it('takes the majority on conflicting evidence and flags it', () => {
    const evidence = detectDecimalSeparator(['1,5', '2,5', '3,25', '4.5']);
    expect(evidence.separator).toBe(',');
    expect(evidence.ambiguous).toBe(true);
    expect(evidence.message).toContain("'4.5'");
  });

  it('ignores values that are not numbers (dates, versions, words)', () => {
    expect(detectDecimalSeparator(['2024-01-05', '05.03.2024', 'v1.2.3', 'abc', '1,5'])).toEqual({
      separator: ',',
      ambiguous: false,
    });
    expect(detectDecimalSeparator([])).toEqual({ separator: '.', ambiguous: false });
  });

  it('looks only at the mantissa of scientific values and past currency marks', () => {
    expect(detectDecimalSeparator(['1,5e3', '€ 2,5'])).toEqual({ separator: ',', ambiguous: false });
  });
});

describe('plain decimals (property)', () => {
  it('reads short strings of digits, points and signs (leading or trailing) like a reference parser', () => {
    const reference = (text: string): string | null => {
      const match = /^([+-]?)(\d*)(?:\.(\d*))?(-?)$/.exec(text);
      if (!match || (match[2] === '' && !match[3]) || (match[1] && match[4])) return null;
      const int = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
      const frac = match[3] ?? '';
      const zero = /^0*$/.test(int + frac);
      return `${(match[1] === '-' || match[4]) && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
    };
    const text = fc
      .array(fc.constantFrom('0', '1', '5', '9', '.', '-', '+'), { minLength: 1, maxLength: 8 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const expected = reference(t);
        const result = dot(t);
        if (expected === null) expect(isRejection(result)).toBe(true);
        else expect(result).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});
