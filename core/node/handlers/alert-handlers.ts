import type { AlertChannelDto, AlertDeliveryDto } from '../../common/contract/alert-schemas.ts';
import { LoadstoneError } from '../../common/errors.ts';
import type {
  AlertChannelConfig,
  AlertChannelInfo,
  AlertChannelSecrets,
  AlertDelivery,
} from '../store/alerts.ts';
import type { HandlerContext } from './context.ts';
import type { Handlers } from './types.ts';

type AlertHandlers = Pick<
  Handlers,
  'alerts.list' | 'alerts.save' | 'alerts.delete' | 'alerts.test' | 'alerts.setDefaults' | 'runs.alerts'
>;

/** A channel as the UI may see it: never a secret, only whether one is saved or which variable holds it. */
function toDto(c: AlertChannelInfo): AlertChannelDto {
  return {
    name: c.name,
    kind: c.kind,
    url: c.config.url ?? null,
    chatId: c.config.chatId ?? null,
    apiBase: c.config.apiBase ?? null,
    includeSample: c.config.includeSample === true,
    secretEnv: c.config.secretEnv ?? null,
    webhookUrlEnv: c.config.webhookUrlEnv ?? null,
    tokenEnv: c.config.tokenEnv ?? null,
    to: c.config.to ?? null,
    from: c.config.from ?? null,
    smtpUrlEnv: c.config.smtpUrlEnv ?? null,
    hasSavedSecret: c.hasSavedSecret,
  };
}

/** A delivery as the UI shows it with its run. */
export function deliveryDto(d: AlertDelivery): AlertDeliveryDto {
  return {
    messageId: d.messageId,
    channel: d.channel,
    kind: d.kind,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    errorCode: d.errorCode,
    lastError: d.lastError,
    answer: d.answer,
    counted: d.counted,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** alerts.*: channels (secrets saved encrypted, write-only), the default rule, a run's deliveries. */
export function alertHandlers(ctx: HandlerContext): AlertHandlers {
  const { store, bus } = ctx;
  return {
    async 'alerts.list'() {
      return { channels: store.alerts.listChannels().map(toDto), defaults: store.alerts.defaultRules() };
    },

    async 'alerts.save'(input) {
      const previous = input.previousName ?? input.name;
      const existing = store.alerts.getChannel(previous);
      if (input.previousName && !existing)
        throw new LoadstoneError('NOT_FOUND', `no alert channel named '${input.previousName}'`);
      // Secrets are write-only: a field left empty keeps what is saved (or the variable it names).
      const kept: AlertChannelSecrets = existing?.hasSavedSecret ? store.alerts.savedSecrets(previous) : {};
      const secrets: AlertChannelSecrets = { ...kept };
      if (input.secret) secrets.secret = input.secret;
      if (input.webhookUrl) secrets.webhookUrl = input.webhookUrl;
      if (input.token) secrets.token = input.token;
      if (input.smtpUrl) secrets.smtpUrl = input.smtpUrl;
      const config: AlertChannelConfig = {};
      if (input.url) config.url = input.url;
      if (input.chatId) config.chatId = input.chatId;
      if (input.apiBase) config.apiBase = input.apiBase;
      if (input.to) config.to = input.to;
      if (input.from) config.from = input.from;
      if (input.includeSample) config.includeSample = true;
      // A channel the CLI added keeps reading its secret from the environment unless one is given here.
      if (existing?.kind === input.kind) {
        const e = existing.config;
        if (e.secretEnv && !secrets.secret) config.secretEnv = e.secretEnv;
        if (e.webhookUrlEnv && !secrets.webhookUrl) config.webhookUrlEnv = e.webhookUrlEnv;
        if (e.tokenEnv && !secrets.token) config.tokenEnv = e.tokenEnv;
        if (e.smtpUrlEnv && !secrets.smtpUrl) config.smtpUrlEnv = e.smtpUrlEnv;
      }
      const renamed = existing !== undefined && previous.toLowerCase() !== input.name.toLowerCase();
      if (renamed && store.alerts.getChannel(input.name))
        throw new LoadstoneError('BAD_USAGE', `an alert channel named '${input.name}' exists`);
      const saved = store.alerts.saveChannel(
        { name: input.name, kind: input.kind, config, secrets: relevant(input.kind, secrets) },
        { replace: existing !== undefined && !renamed },
      );
      if (renamed) store.alerts.removeChannel(previous);
      bus.publish('data.changed', { domain: 'alerts' });
      return toDto(saved);
    },

    async 'alerts.delete'({ name }) {
      if (!store.alerts.removeChannel(name))
        throw new LoadstoneError('NOT_FOUND', `no alert channel named '${name}'`);
      bus.publish('data.changed', { domain: 'alerts' });
      return { ok: true as const };
    },

    async 'alerts.test'({ name }) {
      return deliveryDto(await ctx.alerts.test(name));
    },

    async 'alerts.setDefaults'({ rules }) {
      const saved = store.alerts.setDefaultRules(rules);
      bus.publish('data.changed', { domain: 'alerts' });
      return saved;
    },

    async 'runs.alerts'({ runId }) {
      if (!store.runs.get(runId)) throw new LoadstoneError('NOT_FOUND', `no run '${runId}'`);
      return store.alerts.deliveriesOfRun(runId).map(deliveryDto);
    },
  };
}

/** Only the secret the kind uses is saved (a kind changed in the form leaves no stray secret). */
function relevant(kind: AlertChannelInfo['kind'], s: AlertChannelSecrets): AlertChannelSecrets {
  switch (kind) {
    case 'webhook':
      return s.secret ? { secret: s.secret } : {};
    case 'slack':
      return s.webhookUrl ? { webhookUrl: s.webhookUrl } : {};
    case 'telegram':
      return s.token ? { token: s.token } : {};
    case 'email':
      return s.smtpUrl ? { smtpUrl: s.smtpUrl } : {};
    case 'desktop':
      return {};
  }
}
