import { ALERT_CHANNEL_KINDS, type AlertChannelKind } from '../../common/alerts/rules.ts';
import { LoadstoneError } from '../../common/errors.ts';
import { createAlertOutbox } from '../alerts/outbox.ts';
import { type AlertChannelConfig, type AlertDelivery, isWebhookSecret } from '../store/alerts.ts';
import type { RunStore } from '../store/open-store.ts';
import { parseCliArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import { ALERT_OPTIONS, alertFlags } from './job-options.ts';
import { cell, DATA_DIR_HELP, DATA_DIR_OPTION, withCliStore } from './store-command-support.ts';
import { renderTable } from './table.ts';

/** How long the CLI waits for alert deliveries after printing a load's outcome (10 s). */
export const ALERT_WAIT_MS = 10_000;

const USAGE = `Usage: loadstone alerts <add|list|remove|test|defaults> …

Alert channels: a message when a run fails, is aborted by the error threshold, passes the warning
rate, is found interrupted, succeeds (opt-in), or a scheduled run does not start or overruns.
The CLI cannot encrypt secrets: it takes the NAME of an environment variable that holds each one,
read when a message is sent (a secret given in clear is refused).

  alerts add webhook <name> --url <url> --secret-env VAR [--include-sample]
        JSON POST signed per Standard Webhooks; VAR holds the whsec_… signing secret
  alerts add slack <name> --webhook-url-env VAR [--include-sample]
        Slack incoming webhook (Block Kit); VAR holds the webhook URL
  alerts add telegram <name> --token-env VAR --chat-id ID [--api-base URL] [--include-sample]
        Telegram Bot API sendMessage; VAR holds the bot token (a group's negative id: --chat-id=-100…)
  alerts add email <name> --to a@example.com[,…] --smtp-url-env VAR [--from addr] [--include-sample]
        E-mail (plain text) through an SMTP server; VAR holds smtp(s)://user:password@host:port
  alerts add desktop <name>
        A desktop notification (desktop app and browser host; the CLI cannot show one)
  alerts list [--json]
  alerts remove <name>
  alerts test <name>
        Send a test message and print the channel's answer (exit 4 when it is not delivered)
  alerts defaults [--alert a,b --alert-on … --warn-error-rate R | --clear]
        Show or set the rule for jobs that have none

  --replace         With add: replace a channel of the same name
  --include-sample  Also send one example value per top reason (default: no cell value is sent)
  --json            With list: print one JSON array
${DATA_DIR_HELP}

Loads: --alert NAME[,NAME] --alert-on failure,threshold,warning,success --warn-error-rate R.
After printing its outcome, a load waits up to 10 s for deliveries ($LOADSTONE_ALERT_WAIT_MS),
then records those still going as 'abandoned' and exits.`;

const OPTIONS = {
  ...DATA_DIR_OPTION,
  ...ALERT_OPTIONS,
  json: { type: 'boolean' },
  replace: { type: 'boolean' },
  clear: { type: 'boolean' },
  'include-sample': { type: 'boolean' },
  url: { type: 'string' },
  'secret-env': { type: 'string' },
  'webhook-url-env': { type: 'string' },
  'token-env': { type: 'string' },
  'chat-id': { type: 'string' },
  'api-base': { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  'smtp-url-env': { type: 'string' },
  // Accepted only to be refused with the way to do it.
  secret: { type: 'string' },
  'webhook-url': { type: 'string' },
  token: { type: 'string' },
  'smtp-url': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCliArgs<typeof OPTIONS>>['values'];

/** `loadstone alerts …`: alert channels and the default rule. */
export const alertsCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(args, OPTIONS, USAGE);
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  refuseClearSecrets(values);
  const expect = (n: number, shape: string) => {
    if (rest.length !== n) throw new LoadstoneError('BAD_USAGE', `usage: loadstone alerts ${sub} ${shape}`);
  };
  const withStore = (fn: (store: RunStore) => Promise<number> | number) =>
    withCliStore(values['data-dir'], io, async (store) => fn(store));
  switch (sub) {
    case 'add': {
      expect(2, '<webhook|slack|telegram|desktop> <name> …');
      const kind = ALERT_CHANNEL_KINDS.find((k) => k === rest[0]);
      if (!kind)
        throw new LoadstoneError(
          'BAD_USAGE',
          `alerts add: the kind must be one of ${ALERT_CHANNEL_KINDS.join(', ')}, got '${rest[0]}'`,
        );
      const config = configOf(kind, values);
      return withStore((store) => {
        const saved = store.alerts.saveChannel(
          { name: rest[1]!, kind, config },
          { replace: values.replace === true },
        );
        io.stdout.write(`Saved ${kind} alert channel '${saved.name}'\n`);
        for (const env of [config.secretEnv, config.webhookUrlEnv, config.tokenEnv, config.smtpUrlEnv]) {
          if (env !== undefined && !io.env[env])
            io.stderr.write(
              `loadstone: warning: ${env} is not set here; it must be when a message is sent\n`,
            );
        }
        const secret = config.secretEnv === undefined ? undefined : io.env[config.secretEnv];
        if (secret && !isWebhookSecret(secret))
          io.stderr.write(
            `loadstone: warning: ${config.secretEnv} does not hold a webhook signing secret ('whsec_' followed by the base64 of at least 16 bytes); nothing is sent until it does\n`,
          );
        return EXIT.ok;
      });
    }
    case 'list':
      expect(0, '[--json]');
      return withStore((store) => list(store, values.json === true, io));
    case 'remove':
      expect(1, '<name>');
      return withStore((store) => {
        if (!store.alerts.removeChannel(rest[0]!))
          throw new LoadstoneError(
            'NOT_FOUND',
            `no alert channel named '${rest[0]}' (see 'loadstone alerts list')`,
          );
        io.stdout.write(`Removed alert channel '${rest[0]}'\n`);
        return EXIT.ok;
      });
    case 'test':
      expect(1, '<name>');
      return withStore(async (store) => {
        const outbox = createAlertOutbox({ store, env: io.env });
        const d = await outbox.test(rest[0]!);
        const tries = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
        if (d.status !== 'sent') {
          throw new LoadstoneError(
            'ALERT_DELIVERY_FAILED',
            `test message to '${d.channel}' (${d.kind}) not delivered after ${tries}: ${d.lastError ?? d.status}`,
          );
        }
        io.stdout.write(`Sent a test message to '${d.channel}' (${d.kind}) in ${tries}: ${d.answer}\n`);
        return EXIT.ok;
      });
    case 'defaults':
      expect(0, '[--alert a,b --alert-on … --warn-error-rate R | --clear]');
      return withStore((store) => defaults(store, values, io));
    default:
      throw new LoadstoneError(
        'BAD_USAGE',
        sub === undefined
          ? "alerts needs a subcommand: add, list, remove, test or defaults (see 'loadstone alerts --help')"
          : `unknown alerts subcommand '${sub}': use add, list, remove, test or defaults`,
      );
  }
};

function refuseClearSecrets(values: Values): void {
  const refused: Array<[keyof Values, string]> = [
    ['secret', '--secret-env VAR'],
    ['webhook-url', '--webhook-url-env VAR'],
    ['token', '--token-env VAR'],
    ['smtp-url', '--smtp-url-env VAR'],
  ];
  for (const [flag, instead] of refused) {
    if (values[flag] !== undefined) {
      throw new LoadstoneError(
        'BAD_USAGE',
        `--${String(flag)} is refused: the CLI cannot encrypt secrets, and a value on the command line ends up in shell history. Put it in an environment variable and give ${instead}`,
      );
    }
  }
}

function configOf(kind: AlertChannelKind, v: Values): AlertChannelConfig {
  const allowed: Record<AlertChannelKind, readonly string[]> = {
    webhook: ['url', 'secret-env'],
    slack: ['webhook-url-env'],
    telegram: ['token-env', 'chat-id', 'api-base'],
    desktop: [],
    email: ['to', 'from', 'smtp-url-env'],
  };
  const flags = [
    'url',
    'secret-env',
    'webhook-url-env',
    'token-env',
    'chat-id',
    'api-base',
    'to',
    'from',
    'smtp-url-env',
  ] as const;
  for (const flag of flags) {
    if (v[flag] !== undefined && !allowed[kind].includes(flag))
      throw new LoadstoneError('BAD_USAGE', `--${flag} does not apply to a ${kind} channel`);
  }
  const need = (
    flag: 'url' | 'secret-env' | 'webhook-url-env' | 'token-env' | 'chat-id' | 'to' | 'smtp-url-env',
  ): string => {
    const value = v[flag];
    if (value === undefined || value === '')
      throw new LoadstoneError(
        'BAD_USAGE',
        `alerts add ${kind} needs --${flag} (see 'loadstone alerts --help')`,
      );
    return value;
  };
  const config: AlertChannelConfig = {};
  if (v['include-sample']) config.includeSample = true;
  switch (kind) {
    case 'webhook':
      config.url = need('url');
      config.secretEnv = need('secret-env');
      break;
    case 'slack':
      config.webhookUrlEnv = need('webhook-url-env');
      break;
    case 'telegram':
      config.tokenEnv = need('token-env');
      config.chatId = need('chat-id');
      if (v['api-base'] !== undefined) config.apiBase = v['api-base'];
      break;
    case 'email':
      config.to = need('to');
      config.smtpUrlEnv = need('smtp-url-env');
      if (v.from !== undefined) config.from = v.from;
      break;
    case 'desktop':
      break;
  }
  return config;
}

function list(store: RunStore, json: boolean, io: CliIo): number {
  const channels = store.alerts.listChannels();
  if (json) {
    io.stdout.write(`${JSON.stringify(channels)}\n`);
    return EXIT.ok;
  }
  if (channels.length === 0) {
    io.stdout.write("No alert channels (add one: 'loadstone alerts add …').\n");
    return EXIT.ok;
  }
  const rows = channels.map((c) => [c.name, c.kind, cell(channelSettings(c.config, c.hasSavedSecret), 80)]);
  io.stdout.write(`${renderTable(['name', 'kind', 'settings'], rows)}\n`);
  const rule = store.alerts.defaultRules();
  if (rule) io.stdout.write(`\nDefault rule: ${ruleText(rule)}\n`);
  return EXIT.ok;
}

function channelSettings(c: AlertChannelConfig, saved: boolean): string {
  const parts: string[] = [];
  if (c.url) parts.push(`url ${new URL(c.url).origin}${new URL(c.url).pathname}`);
  if (c.secretEnv) parts.push(`secret from $${c.secretEnv}`);
  if (c.webhookUrlEnv) parts.push(`webhook URL from $${c.webhookUrlEnv}`);
  if (c.tokenEnv) parts.push(`token from $${c.tokenEnv}`);
  if (c.chatId) parts.push(`chat ${c.chatId}`);
  if (c.to) parts.push(`to ${c.to}`);
  if (c.smtpUrlEnv) parts.push(`SMTP URL from $${c.smtpUrlEnv}`);
  if (c.apiBase) parts.push(`api ${c.apiBase}`);
  if (saved) parts.push('secret saved (desktop app)');
  if (c.includeSample) parts.push('includes a sample');
  return parts.join(', ');
}

function ruleText(rule: { channels: string[]; on: string[]; warnErrorRate?: number | undefined }): string {
  const warn = rule.warnErrorRate === undefined ? '' : `, warn above ${rule.warnErrorRate}`;
  return `${rule.channels.join(', ')} on ${rule.on.join(', ')}${warn}`;
}

function defaults(store: RunStore, values: Values, io: CliIo): number {
  if (values.clear) {
    store.alerts.setDefaultRules(null);
    io.stdout.write('Cleared the default alert rule.\n');
    return EXIT.ok;
  }
  const flags = alertFlags(values);
  if (flags) {
    checkAlertChannels(store, flags.channels ?? []);
    const current = store.alerts.defaultRules();
    const rule = store.alerts.setDefaultRules({ ...(current ?? {}), ...flags });
    io.stdout.write(`Default alert rule: ${ruleText(rule!)}\n`);
    return EXIT.ok;
  }
  const rule = store.alerts.defaultRules();
  io.stdout.write(rule ? `Default alert rule: ${ruleText(rule)}\n` : 'No default alert rule.\n');
  return EXIT.ok;
}

/**
 * Refuses, before anything is loaded, alert channels that do not exist.
 * @throws LoadstoneError BAD_USAGE naming them.
 */
export function checkAlertChannels(store: RunStore, names: readonly string[]): void {
  const missing = names.filter((n) => !store.alerts.getChannel(n));
  if (missing.length > 0) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `no alert channel named ${missing.map((n) => `'${n}'`).join(', ')} (see 'loadstone alerts list')`,
    );
  }
}

/** `LOADSTONE_ALERT_WAIT_MS`, else 10 s. */
export function alertWaitMs(env: NodeJS.ProcessEnv): number {
  const raw = env.LOADSTONE_ALERT_WAIT_MS;
  if (raw === undefined || !/^\d+$/.test(raw)) return ALERT_WAIT_MS;
  return Number(raw);
}

/**
 * The load's alerts, after its outcome is printed: sends what the rule asks, waits at most `waitMs`,
 * records what is still going as `abandoned`, and says on stderr what became of each. Never throws:
 * an alert never changes a load's exit code.
 */
export async function deliverAlerts(
  store: RunStore,
  runId: string,
  io: CliIo,
  waitMs: number,
  verbose: boolean,
): Promise<void> {
  try {
    const outbox = createAlertOutbox({ store, env: io.env });
    // Runs this process found interrupted when it opened the store are reported too (once: they
    // are marked interrupted by whoever opens the store first).
    const interrupted = store.interruptedAtOpen.flatMap((id) => outbox.alertInterrupted(id));
    const started = outbox.alertRunEnded(runId);
    if (started.length === 0 && interrupted.length === 0) return;
    // Ctrl-C stops the wait (the load's outcome and exit code are already settled).
    await outbox.drain(waitMs, io.signal);
    const ended = [...store.interruptedAtOpen, runId].flatMap((id) => store.alerts.deliveriesOfRun(id));
    for (const d of ended) {
      if (d.status === 'sent' && !verbose) continue;
      io.stderr.write(`loadstone: alert ${d.event} → '${d.channel}': ${deliveryText(d)}\n`);
    }
  } catch (error) {
    io.stderr.write(`loadstone: warning: alerts not sent: ${(error as Error).message}\n`);
  }
}

/** `sent (HTTP 200 ok, 1 attempt)`, `failed after 5 attempts: HTTP 500`, `suppressed (cooldown)`. */
export function deliveryText(d: Omit<AlertDelivery, 'id' | 'runId'>): string {
  const tries = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  switch (d.status) {
    case 'sent':
      return `sent (${d.answer ?? ''}, ${tries})`;
    case 'suppressed':
      return 'suppressed (cooldown: counted by the next message)';
    case 'pending':
      return `pending (${tries})`;
    default:
      return `${d.status} after ${tries}: ${d.lastError ?? ''}`;
  }
}
