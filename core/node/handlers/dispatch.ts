import { type CommandName, commands } from '../../common/contract/commands.ts';
import { CODES } from '../../common/contract/error-codes.ts';
import type { Reply } from '../../common/contract/errors.ts';
import { toContractError, validationError } from './contract-errors.ts';
import type { Logger } from './logger.ts';
import type { CallContext, Handlers } from './types.ts';

/** The signal of a call nobody cancels. */
const NEVER = new AbortController().signal;

/** True when `name` is a contract command (own keys only: `constructor`, `__proto__` are not). */
export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

/**
 * Runs one command for a transport: checks the name, validates the input against the contract,
 * calls the handler, validates its output, and maps every failure to a structured error.
 * Never throws and never returns a stack trace or a secret.
 */
export async function dispatch(
  handlers: Handlers,
  name: string,
  rawInput: unknown,
  log: Logger,
  options: { signal?: AbortSignal } = {},
): Promise<Reply<unknown>> {
  if (!isCommandName(name)) {
    return {
      ok: false,
      error: { code: CODES.UNKNOWN_COMMAND, message: `There is no command '${name.slice(0, 80)}'.` },
    };
  }
  const schema = commands[name];
  // An empty request body means "no arguments"; commands without inputs take `{}`.
  const parsed = schema.input.safeParse(rawInput === undefined ? {} : rawInput);
  if (!parsed.success) return { ok: false, error: validationError(name, parsed.error) };

  let value: unknown;
  try {
    const handler = handlers[name] as (input: unknown, call: CallContext) => Promise<unknown>;
    value = await handler(parsed.data, { signal: options.signal ?? NEVER });
  } catch (error) {
    return { ok: false, error: toContractError(error, name, log) };
  }

  const checked = schema.output.safeParse(value);
  if (!checked.success) {
    // Paths and messages only: the value itself may hold user data.
    const where = checked.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    log.error(`${name} returned output that does not match the contract: ${where}`);
    return {
      ok: false,
      error: {
        code: CODES.INTERNAL,
        message: `${name} produced an invalid reply; the details are in the engine log.`,
      },
    };
  }
  return { ok: true, value: checked.data };
}
