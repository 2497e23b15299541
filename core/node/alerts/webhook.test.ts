import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { slackEscape } from './slack.ts';
import { telegramEscape } from './telegram.ts';
import { signWebhook } from './webhook.ts';

describe('signWebhook', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // From the Standard Webhooks specification's example.
    expect(
      signWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is what the standardwebhooks library verifies', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'run.failed', runId: 'r_1' });
    const headers = {
      'webhook-id': 'id-1',
      'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(secret, 'id-1', ts, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'run.failed', runId: 'r_1' });
  });
});

describe('escaping', () => {
  it('Slack mrkdwn and Telegram HTML escape &, < and > only', () => {
    expect(slackEscape('a <b> & *c*')).toBe('a &lt;b&gt; &amp; *c*');
    expect(telegramEscape('<i>&amp;</i> "q"')).toBe('&lt;i&gt;&amp;amp;&lt;/i&gt; "q"');
  });
});
