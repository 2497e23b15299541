import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LoadstoneError } from '../../common/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` with Loadstone's error style: any unknown option or bad value is a
 * BAD_USAGE error naming it, and `--help` is reported as `help: true`.
 */
export function parseCliArgs<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({
      args: 'request-header' in options ? requestHeaders(args) : args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    const command = /^Usage: (loadstone \S+)/.exec(usage)?.[1] ?? 'loadstone';
    throw new LoadstoneError('BAD_USAGE', `${message} (see '${command} --help')`);
  }
}

/** `Name: value` of an HTTP header (a token, a colon). */
const HEADER_LINE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/;

/**
 * `--header` is both the boolean "first row is a header" of a file and, followed by `Name: value`,
 * an HTTP request header: the latter becomes `--request-header`, so one parser takes both.
 */
function requestHeaders(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === '--header' && next !== undefined && HEADER_LINE.test(next)) {
      out.push('--request-header', next);
      i++;
    } else if (arg.startsWith('--header=') && HEADER_LINE.test(arg.slice(9))) {
      out.push('--request-header', arg.slice(9));
    } else out.push(arg);
  }
  return out;
}

/** Parses a whole number option, or throws BAD_USAGE naming the option. */
export function intOption(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new LoadstoneError('BAD_USAGE', `--${name} must be a whole number ≥ ${min}, got '${value}'`);
  }
  return Number(value);
}

/** Parses a number option within [min, max], or throws BAD_USAGE naming the option. */
export function numberOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new LoadstoneError('BAD_USAGE', `--${name} must be a number from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/** Checks an option is one of `choices`, or throws BAD_USAGE naming the option and its choices. */
export function choiceOption<const T extends string>(value: string, name: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === value);
  if (found === undefined) {
    throw new LoadstoneError('BAD_USAGE', `--${name} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return found;
}
