import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRejection, type Rejection } from './cell.ts';
import { integerFits, makeIntegerRule } from './integers.ts';

const int4 = makeIntegerRule('integer', { decimalSeparator: '.', percent: 'keep' });
const int8 = makeIntegerRule('bigint', { decimalSeparator: '.', percent: 'keep' });

function rejection(value: unknown): Rejection {
  if (!isRejection(value)) throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  return value;
}

describe('integer rule', () => {
  it.each([
    ['42', 42],
    ['-42', -42],
    ['007', 7],
    ['-0', 0],
    ['+5', 5],
    ['1,234', 1234],
    ['1 234 567', 1234567],
    ['$1,000', 1000],
    ['(1,000)', -1000],
    ['45-', -45],
    ['1e3', 1000],
    ['1.5e1', 15],
    ['12.0', 12],
    ['12.000', 12],
    ['-0.0', 0],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
    ['50%', 50],
  ])('%s → %s', (input, expected) => {
    const result = int4(input);
    expect(result).toBe(expected);
    expect(Object.is(result, -0)).toBe(false);
  });

  it('rejects fractions with invalid_integer', () => {
    const result = rejection(int4('12.5'));
    expect(result.reason).toBe('invalid_integer');
    expect(result.message).toBe("'12.5' is not a whole number");
    expect(rejection(int4('1e-1')).reason).toBe('invalid_integer');
    expect(rejection(int4('abc')).reason).toBe('invalid_integer');
    expect(rejection(int4('1,5')).reason).toBe('invalid_integer');
  });

  it('rejects values beyond int4 with out_of_range and the range in the message', () => {
    const result = rejection(int4('3000000000'));
    expect(result.reason).toBe('out_of_range');
    expect(result.message).toBe("'3000000000' is out of range for integer (−2147483648 to 2147483647)");
    expect(rejection(int4('2147483648')).reason).toBe('out_of_range');
    expect(rejection(int4('-2147483649')).reason).toBe('out_of_range');
    expect(rejection(int4('3e9')).reason).toBe('out_of_range');
  });

  it('reads bigint values, as numbers while exact and as strings beyond 2^53', () => {
    expect(int8('3000000000')).toBe(3000000000);
    expect(int8('9007199254740991')).toBe(9007199254740991);
    expect(int8('9007199254740992')).toBe('9007199254740992');
    expect(int8('9,223,372,036,854,775,807')).toBe('9223372036854775807');
    expect(int8('-9223372036854775808')).toBe('-9223372036854775808');
    expect(rejection(int8('9223372036854775808')).reason).toBe('out_of_range');
    expect(rejection(int8('18446744073709551596')).message).toContain('bigint (−9223372036854775808');
  });

  it('reads a percentage as a fraction only when whole', () => {
    const fraction = makeIntegerRule('integer', { decimalSeparator: '.', percent: 'fraction' });
    expect(fraction('100%')).toBe(1);
    expect(rejection(fraction('50%')).reason).toBe('invalid_integer');
  });

  it('uses the column decimal mark', () => {
    const comma = makeIntegerRule('integer', { decimalSeparator: ',', percent: 'keep' });
    expect(comma('1.234')).toBe(1234);
    expect(comma('12,0')).toBe(12);
    expect(rejection(comma('1,234')).reason).toBe('invalid_integer');
  });
});

describe('integer round trip (property)', () => {
  const MIN = -(2n ** 63n);
  const MAX = 2n ** 63n - 1n;
  it('reads any int8 back exactly, however it is decorated', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: MIN, max: MAX }),
        fc.constantFrom('', ',', ' ', "'"),
        fc.constantFrom('leading', 'trailing', 'parens'),
        fc.constantFrom('', '$', 'EUR '),
        (value, separator, sign, currency) => {
          const digits = (value < 0n ? -value : value).toString();
          let grouped = '';
          for (let i = 0; i < digits.length; i++) {
            if (i > 0 && (digits.length - i) % 3 === 0) grouped += separator;
            grouped += digits[i];
          }
          const body = currency + grouped;
          const text =
            value >= 0n
              ? body
              : sign === 'leading'
                ? `-${body}`
                : sign === 'trailing'
                  ? `${body}-`
                  : `(${body})`;
          const expected =
            value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
              ? Number(value)
              : value.toString();
          expect(int8(text)).toBe(expected);
          const fits = value >= -(2n ** 31n) && value < 2n ** 31n;
          const small = int4(text);
          if (fits) expect(small).toBe(Number(value));
          else expect(isRejection(small) && small.reason).toBe('out_of_range');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects anything beyond int8', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MAX + 1n, max: 10n ** 30n }), fc.boolean(), (magnitude, negative) => {
        const value = negative ? -magnitude - 1n : magnitude;
        expect(integerFits(value.toString(), 'bigint')).toBe(false);
        const result = int8(value.toString());
        expect(isRejection(result) && result.reason).toBe('out_of_range');
      }),
    );
  });
});
