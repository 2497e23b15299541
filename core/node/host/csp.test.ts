import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  CSP_DIRECTIVES,
  CSP_HEADER_ONLY_DIRECTIVES,
  META_CONTENT_SECURITY_POLICY,
  parseCsp,
} from '../../common/csp.ts';
import { SECURITY_HEADERS } from './security.ts';

// The page's meta CSP and the header CSP both apply; they must say the same thing (issue 13 §6).

const indexHtml = fs.readFileSync(
  fileURLToPath(new URL('../../../renderer/index.html', import.meta.url)),
  'utf8',
);

function metaPolicy(html: string): string {
  const tag = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
  if (!tag?.[1]) throw new Error('renderer/index.html has no CSP meta tag');
  return tag[1];
}

describe('content security policy', () => {
  it("renderer/index.html's meta tag states exactly the app's policy", () => {
    expect(parseCsp(metaPolicy(indexHtml))).toEqual(parseCsp(META_CONTENT_SECURITY_POLICY));
    expect(parseCsp(META_CONTENT_SECURITY_POLICY)).toEqual(CSP_DIRECTIVES);
  });

  it('the header states the same policy plus what only a header can carry', () => {
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(parseCsp(CONTENT_SECURITY_POLICY)).toEqual({ ...CSP_DIRECTIVES, ...CSP_HEADER_ONLY_DIRECTIVES });
  });

  it('allows no inline code, eval or remote source', () => {
    for (const [directive, sources] of Object.entries(parseCsp(CONTENT_SECURITY_POLICY))) {
      for (const source of sources) {
        expect([directive, source]).toEqual([directive, expect.stringMatching(/^('self'|'none'|data:)$/)]);
      }
    }
  });
});
