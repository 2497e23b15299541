import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { CallError } from '../../../core/common/contract/index.ts';
import {
  httpSourceSpecSchema,
  INCREMENTAL_FORMATS,
  type SecretRef,
} from '../../../core/common/spec/http-source.ts';
import { toValidationIssues } from '../../../core/common/spec/job-spec.ts';
import { useTransport } from '../../api/api-context.tsx';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { useWizard } from './wizard-context.tsx';
import { type ApiSource, isApiSource } from './wizard-state.ts';

const AUTH_TYPES = [
  ['none', 'None'],
  ['bearer', 'Bearer token'],
  ['basic', 'Basic (user + password)'],
  ['apiKey', 'API key'],
  ['oauth2ClientCredentials', 'OAuth2 client credentials'],
] as const;
type AuthType = (typeof AUTH_TYPES)[number][0];

const PAGINATION_TYPES = [
  ['none', 'None (one request)'],
  ['pageNumber', 'Page number'],
  ['offset', 'Offset / limit'],
  ['cursor', 'Cursor from the body'],
  ['linkHeader', 'Link header (rel="next")'],
  ['nextUrl', 'Next URL from the body'],
] as const;
type PaginationType = (typeof PAGINATION_TYPES)[number][0];

/** The form's fields as typed; secrets are typed here and saved, never read back. */
interface Draft {
  url: string;
  method: 'GET' | 'POST';
  authType: AuthType;
  user: string;
  keyName: string;
  keyIn: 'header' | 'query';
  tokenUrl: string;
  clientId: string;
  scope: string;
  clientAuth: 'basic' | 'post';
  records: string;
  pagination: PaginationType;
  /** pageNumber: param; offset: offsetParam; cursor: cursorParam. */
  param: string;
  pageSize: string;
  /** cursor: cursorPath; nextUrl: nextUrlPath. */
  path: string;
  hasMorePath: string;
  maxPages: string;
  /** Incremental loads send the watermark as this parameter ('' : none). */
  incParam: string;
  incFormat: IncrementalFormat;
}

type IncrementalFormat = (typeof INCREMENTAL_FORMATS)[number];

/** Secrets already saved for the source being edited (from an opened job or an earlier test). */
type SavedSecrets = Partial<Record<'secret', SecretRef>>;

function draftOf(source: ApiSource | null): { draft: Draft; saved: SavedSecrets } {
  const auth = (source?.auth ?? { type: 'none' }) as Record<string, unknown> & { type: AuthType };
  const p = (source?.pagination ?? { type: 'none' }) as Record<string, unknown> & { type: PaginationType };
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const secret = (auth.token ?? auth.password ?? auth.value ?? auth.clientSecret) as SecretRef | undefined;
  return {
    draft: {
      url: source?.url ?? '',
      method: source?.method ?? 'GET',
      authType: auth.type,
      user: str(auth.user),
      keyName: str(auth.name),
      keyIn: (auth.in as 'header' | 'query' | undefined) ?? 'header',
      tokenUrl: str(auth.tokenUrl),
      clientId: str(auth.clientId),
      scope: str(auth.scope),
      clientAuth: (auth.clientAuth as 'basic' | 'post' | undefined) ?? 'basic',
      records: source?.records ?? '',
      pagination: p.type,
      param: str(p.param ?? p.offsetParam ?? p.cursorParam),
      pageSize: str(p.pageSize ?? p.limit),
      path: str(p.cursorPath ?? p.nextUrlPath),
      hasMorePath: str(p.hasMorePath),
      maxPages: str(p.maxPages),
      incParam: source?.incremental?.param ?? '',
      incFormat: source?.incremental?.format ?? 'raw',
    },
    saved: secret ? { secret } : {},
  };
}

/** The spec of the draft, with `secret` the saved reference of the auth's one secret. */
function specOf(d: Draft, secret: SecretRef | undefined): unknown {
  const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
  const num = (v: string) => (v.trim() === '' ? undefined : Number(v));
  let auth: unknown = { type: 'none' };
  if (d.authType === 'bearer') auth = { type: 'bearer', token: secret };
  if (d.authType === 'basic') auth = { type: 'basic', user: d.user, password: secret };
  if (d.authType === 'apiKey') auth = { type: 'apiKey', name: d.keyName, value: secret, in: d.keyIn };
  if (d.authType === 'oauth2ClientCredentials') {
    auth = {
      type: 'oauth2ClientCredentials',
      tokenUrl: d.tokenUrl,
      clientId: d.clientId,
      clientSecret: secret,
      scope: opt(d.scope),
      clientAuth: d.clientAuth,
    };
  }
  const stops = { hasMorePath: opt(d.hasMorePath), maxPages: num(d.maxPages) };
  let pagination: unknown = { type: 'none' };
  if (d.pagination === 'pageNumber')
    pagination = { type: 'pageNumber', param: opt(d.param), pageSize: num(d.pageSize), ...stops };
  if (d.pagination === 'offset')
    pagination = { type: 'offset', offsetParam: opt(d.param), limit: num(d.pageSize), ...stops };
  if (d.pagination === 'cursor')
    pagination = { type: 'cursor', cursorPath: d.path, cursorParam: opt(d.param), ...stops };
  if (d.pagination === 'linkHeader') pagination = { type: 'linkHeader', ...stops };
  if (d.pagination === 'nextUrl') pagination = { type: 'nextUrl', nextUrlPath: d.path, ...stops };
  return JSON.parse(
    JSON.stringify({
      kind: 'http',
      url: d.url.trim(),
      method: d.method,
      auth,
      records: opt(d.records),
      pagination,
      incremental: opt(d.incParam) ? { param: d.incParam.trim(), format: d.incFormat } : undefined,
    }),
  );
}

interface TestResult {
  request: string;
  status: number;
  headers: [string, string][];
  recordCount: number;
  records: Record<string, unknown>[];
  next: string;
  events: string[];
}

/**
 * The source step for an HTTP API: URL, method, auth (secrets write-only: typed, saved encrypted by
 * the engine, named by id in the spec), records path, pagination. "Test request" saves the source in
 * the wizard and shows what the first request gave.
 */
export function ApiSourceForm() {
  const { state, dispatch } = useWizard();
  const transport = useTransport();
  const ids = useId();
  const initial = draftOf(isApiSource(state.source) ? state.source : null);
  const [draft, setDraft] = useState<Draft>(initial.draft);
  const [saved, setSaved] = useState<SavedSecrets>(initial.saved);
  const [typedSecret, setTypedSecret] = useState('');
  const [issues, setIssues] = useState<{ path: string; message: string }[]>([]);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const needsSecret = draft.authType !== 'none';

  const test = useMutation<TestResult, CallError | Error>({
    mutationFn: async () => {
      let secret = saved.secret;
      if (needsSecret && typedSecret !== '') {
        const { id } = await transport.api.call('sources.saveSecret', { value: typedSecret });
        secret = { secret: id };
        setSaved({ secret });
        setTypedSecret('');
      }
      const parsed = httpSourceSpecSchema.safeParse(specOf(draft, needsSecret ? secret : undefined));
      if (!parsed.success) {
        setIssues(toValidationIssues(parsed.error));
        throw new Error('Fix the fields marked below first.');
      }
      setIssues([]);
      const source = specOf(draft, needsSecret ? secret : undefined) as ApiSource;
      dispatch({ type: 'apiSource', source });
      return (await transport.api.call('sources.testRequest', {
        source: parsed.data,
        limit: 5,
      })) as TestResult;
    },
  });

  const field = (
    key: keyof Draft,
    label: string,
    testId: string,
    props: { placeholder?: string; type?: string; wide?: boolean } = {},
  ) => (
    <div className={`field${props.wide ? ' grow' : ''}`}>
      <label htmlFor={`${ids}-${key}`}>{label}</label>
      <input
        id={`${ids}-${key}`}
        className="input"
        type={props.type ?? 'text'}
        value={String(draft[key])}
        placeholder={props.placeholder}
        onChange={(e) => set({ [key]: e.target.value } as Partial<Draft>)}
        data-testid={testId}
      />
    </div>
  );

  const secretLabel =
    draft.authType === 'bearer'
      ? 'Token'
      : draft.authType === 'basic'
        ? 'Password'
        : draft.authType === 'apiKey'
          ? 'Key value'
          : 'Client secret';

  return (
    <div className="panel" data-testid="api-source">
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${ids}-method`}>Method</label>
          <select
            id={`${ids}-method`}
            className="input"
            value={draft.method}
            onChange={(e) => set({ method: e.target.value as 'GET' | 'POST' })}
            data-testid="api-method"
          >
            <option value="GET">GET</option>
            <option value="POST">POST</option>
          </select>
        </div>
        {field('url', 'URL', 'api-url', { placeholder: 'https://api.example.com/v1/orders', wide: true })}
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${ids}-auth`}>Authentication</label>
          <select
            id={`${ids}-auth`}
            className="input"
            value={draft.authType}
            onChange={(e) => set({ authType: e.target.value as AuthType })}
            data-testid="api-auth-type"
          >
            {AUTH_TYPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {draft.authType === 'basic' ? field('user', 'User', 'api-auth-user') : null}
        {draft.authType === 'apiKey'
          ? field('keyName', 'Header or parameter name', 'api-auth-key-name')
          : null}
        {draft.authType === 'apiKey' ? (
          <div className="field">
            <label htmlFor={`${ids}-in`}>Sent in</label>
            <select
              id={`${ids}-in`}
              className="input"
              value={draft.keyIn}
              onChange={(e) => set({ keyIn: e.target.value as 'header' | 'query' })}
              data-testid="api-auth-key-in"
            >
              <option value="header">a header</option>
              <option value="query">the query string</option>
            </select>
          </div>
        ) : null}
        {draft.authType === 'oauth2ClientCredentials' ? (
          <>
            {field('tokenUrl', 'Token URL', 'api-auth-token-url', { wide: true })}
            {field('clientId', 'Client id', 'api-auth-client-id')}
            {field('scope', 'Scope', 'api-auth-scope')}
          </>
        ) : null}
        {needsSecret ? (
          <div className="field">
            <label htmlFor={`${ids}-secret`}>{secretLabel}</label>
            <input
              id={`${ids}-secret`}
              className="input"
              type="password"
              autoComplete="off"
              value={typedSecret}
              placeholder={saved.secret ? 'saved (type to replace)' : ''}
              onChange={(e) => setTypedSecret(e.target.value)}
              data-testid="api-auth-secret"
            />
          </div>
        ) : null}
      </div>
      <div className="field-row">
        {field('records', 'Records path', 'api-records', {
          placeholder: 'data.items (empty: the body is the array)',
        })}
        <div className="field">
          <label htmlFor={`${ids}-pagination`}>Pagination</label>
          <select
            id={`${ids}-pagination`}
            className="input"
            value={draft.pagination}
            onChange={(e) => set({ pagination: e.target.value as PaginationType })}
            data-testid="api-pagination-type"
          >
            {PAGINATION_TYPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {draft.pagination === 'cursor' ? field('path', 'Cursor path', 'api-pagination-path') : null}
        {draft.pagination === 'nextUrl' ? field('path', 'Next URL path', 'api-pagination-path') : null}
        {draft.pagination === 'pageNumber' || draft.pagination === 'offset' || draft.pagination === 'cursor'
          ? field(
              'param',
              draft.pagination === 'cursor'
                ? 'Cursor parameter'
                : draft.pagination === 'offset'
                  ? 'Offset parameter'
                  : 'Page parameter',
              'api-pagination-param',
              {
                placeholder:
                  draft.pagination === 'cursor'
                    ? 'cursor'
                    : draft.pagination === 'offset'
                      ? 'offset'
                      : 'page',
              },
            )
          : null}
        {draft.pagination === 'pageNumber' || draft.pagination === 'offset'
          ? field('pageSize', draft.pagination === 'offset' ? 'Limit' : 'Page size', 'api-pagination-size')
          : null}
        {draft.pagination !== 'none'
          ? field('hasMorePath', 'Has-more path', 'api-pagination-has-more')
          : null}
        {draft.pagination !== 'none' ? field('maxPages', 'Max pages', 'api-pagination-max-pages') : null}
      </div>
      <div className="field-row">
        {field('incParam', 'Incremental parameter', 'api-incremental-param', {
          placeholder: 'updated_since (incremental loads send the watermark)',
          wide: true,
        })}
        <div className="field">
          <label htmlFor={`${ids}-inc-format`}>Watermark sent as</label>
          <select
            id={`${ids}-inc-format`}
            className="input"
            value={draft.incFormat}
            onChange={(e) => set({ incFormat: e.target.value as IncrementalFormat })}
            data-testid="api-incremental-format"
          >
            {INCREMENTAL_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint">
        Secrets are saved encrypted by the engine and never shown again. URLs are shown with their query
        values masked.
      </p>
      {issues.length > 0 ? (
        <ul className="issues" data-testid="api-issues">
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="step-actions">
        <button
          type="button"
          className="btn"
          onClick={() => test.mutate()}
          disabled={test.isPending || draft.url.trim() === ''}
          data-testid="api-test"
        >
          Test request
        </button>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => dispatch({ type: 'step', step: 'columns' })}
          disabled={!isApiSource(state.source)}
          data-testid="source-next"
        >
          Preview rows →
        </button>
      </div>
      {test.isPending ? <Loading label="Requesting the first page…" /> : null}
      {test.isError ? (
        <ErrorBox title="The request failed" error={test.error} testId="api-test-error" />
      ) : null}
      {test.data ? <TestResultView result={test.data} /> : null}
    </div>
  );
}

function TestResultView({ result }: { result: TestResult }) {
  return (
    <div className="panel" data-testid="api-test-result">
      <dl className="facts">
        <dt>Request</dt>
        <dd className="mono" data-testid="api-test-request">
          {result.request}
        </dd>
        <dt>Status</dt>
        <dd data-testid="api-test-status">{result.status}</dd>
        <dt>Records</dt>
        <dd data-testid="api-test-count">{result.recordCount} in the first page</dd>
        <dt>Next page</dt>
        <dd className="mono" data-testid="api-test-next">
          {result.next}
        </dd>
      </dl>
      {result.events.length > 0 ? (
        <ul className="hint">
          {result.events.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
      <details>
        <summary>Response headers</summary>
        <dl className="facts mono" data-testid="api-test-headers">
          {result.headers.map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </details>
      <pre className="mono" data-testid="api-test-records">
        {JSON.stringify(result.records, null, 2)}
      </pre>
    </div>
  );
}
