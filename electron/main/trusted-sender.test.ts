import { describe, expect, it } from 'vitest';
import { rendererSource } from './app-origin.ts';
import { type FrameFacts, isTrustedFrame } from './trusted-sender.ts';

const app = rendererSource(undefined, true);
const main = { processId: 4, routingId: 1 };
const top: FrameFacts = { ...main, url: 'app://loadstone/index.html#/runs', isTop: true };

describe("main's IPC sender check", () => {
  it("answers the app window's main frame showing an app URL", () => {
    expect(isTrustedFrame(top, true, main, app.isAppUrl)).toBe(true);
  });

  it('refuses sub-frames, other frames, other web contents and frames that are gone', () => {
    expect(isTrustedFrame({ ...top, isTop: false }, true, main, app.isAppUrl)).toBe(false);
    expect(isTrustedFrame({ ...top, routingId: 2 }, true, main, app.isAppUrl)).toBe(false);
    expect(isTrustedFrame({ ...top, processId: 5 }, true, main, app.isAppUrl)).toBe(false);
    expect(isTrustedFrame(top, false, main, app.isAppUrl)).toBe(false);
    expect(isTrustedFrame(null, true, main, app.isAppUrl)).toBe(false);
  });

  it('refuses the main frame once it shows anything but the app', () => {
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://loadstone.evil/index.html',
      'data:text/html,<script>1</script>',
      'about:blank',
      '',
    ]) {
      expect(isTrustedFrame({ ...top, url }, true, main, app.isAppUrl), url).toBe(false);
    }
  });

  it('in development, answers the dev server on loopback only', () => {
    const dev = rendererSource('http://127.0.0.1:5173/', false);
    expect(isTrustedFrame({ ...top, url: 'http://127.0.0.1:5173/#/jobs' }, true, main, dev.isAppUrl)).toBe(
      true,
    );
    for (const url of ['http://127.0.0.1:5174/', 'http://localhost:5173/', 'app://loadstone/index.html']) {
      expect(isTrustedFrame({ ...top, url }, true, main, dev.isAppUrl), url).toBe(false);
    }
    // A packaged app ignores the dev server; a dev server that is not on loopback is refused.
    expect(rendererSource('http://127.0.0.1:5173/', true).url).toBe('app://loadstone/index.html');
    expect(() => rendererSource('http://192.168.1.2:5173/', false)).toThrow(/127\.0\.0\.1 or localhost/);
    expect(() => rendererSource('https://localhost:5173/', false)).toThrow();
  });
});
