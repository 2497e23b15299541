import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { CallError, CommandOutput } from '../../../core/common/contract/index.ts';
import { prettyJson } from '../../../core/common/json-numbers.ts';
import { httpSourceSpecSchema, INCREMENTAL_FORMATS } from '../../../core/common/spec/http-source.ts';
import { toValidationIssues } from '../../../core/common/spec/job-spec.ts';
import { useTransport } from '../../api/api-context.tsx';
import { ErrorBox, Loading } from '../../components/states.tsx';
import {
  AUTH_TYPES,
  type AuthType,
  type Draft,
  draftOf,
  fieldLabel,
  type HeldSecret,
  type IncrementalFormat,
  originOf,
  PAGINATION_TYPES,
  type PaginationType,
  secretDestination,
  secretLabel,
  specOf,
  usableSecret,
} from './api-source-draft.ts';
import { useWizard } from './wizard-context.tsx';
import { type ApiSource, isApiSource } from './wizard-state.ts';

type TestResult = CommandOutput<'sources.testRequest'>;

/** The spec a committed source stands for, made the way the form makes one, for comparing. */
function committedSpecText(source: ApiSource | null): string | null {
  if (!source) return null;
  const { draft, kept, keptQuery, extra, secret } = draftOf(source);
  return JSON.stringify(
    specOf(draft, draft.authType === 'none' ? undefined : secret, kept, extra, keptQuery).spec,
  );
}

/**
 * The source step for an HTTP API: URL, method, auth (secrets write-only: typed, saved encrypted by
 * the engine, named by id in the spec), records path, pagination. What the form shows is the source:
 * "Test request" and "Preview rows" both take the fields as they are now (a newly typed secret is
 * saved first), so a change made after a test is never dropped; while the fields differ from the
 * wizard's source the later steps wait (`sourceEdits`).
 */
export function ApiSourceForm() {
  const { state, dispatch } = useWizard();
  const transport = useTransport();
  const ids = useId();
  const committed = isApiSource(state.source) ? state.source : null;
  const [initial] = useState(() => draftOf(committed));
  // As left on an earlier visit (another screen or step was shown meanwhile), else the source's.
  const [left] = useState(() => state.drafts.api);
  const [draft, setDraft] = useState<Draft>(left?.draft ?? initial.draft);
  const [held, setHeld] = useState<HeldSecret | undefined>(() =>
    left
      ? left.held
      : initial.secret
        ? {
            ref: initial.secret,
            authType: initial.draft.authType,
            origin: originOf(secretDestination(initial.draft).url),
          }
        : undefined,
  );
  const saved = usableSecret(held, draft);
  const [typedSecret, setTypedSecret] = useState('');
  const [issues, setIssues] = useState<{ path: string; message: string }[]>([]);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const needsSecret = draft.authType !== 'none';

  const shownText = JSON.stringify(
    specOf(draft, needsSecret ? saved : undefined, initial.kept, initial.extra, initial.keptQuery).spec,
  );
  const committedText = committedSpecText(committed);
  // A typed secret is not the source's until it is saved, so it counts as a change too.
  const pending = typedSecret !== '' || committedText === null || shownText !== committedText;
  useEffect(() => {
    dispatch({ type: 'sourceEdits', pending });
  }, [dispatch, pending]);
  // Left (another source kind, another screen): the wizard's source is what is read again, and the
  // fields stay as they are for when the operator comes back (not a typed secret).
  const latest = useRef({ draft, held });
  latest.current = { draft, held };
  const session = state.session;
  useEffect(
    () => () => {
      dispatch({ type: 'sourceEdits', pending: false });
      dispatch({ type: 'formDrafts', session, patch: { api: latest.current } });
    },
    [dispatch, session],
  );

  /**
   * Makes the fields as shown the wizard's source: saves a newly typed secret, checks the spec (the
   * problems are listed by field) and hands it to the wizard when it differs from the current one
   * (an opened job's source is kept as saved when nothing changed). Returns the checked spec.
   */
  const commit = async () => {
    let secret = saved;
    if (needsSecret && typedSecret !== '') {
      const to = secretDestination(draft);
      const origin = originOf(to.url);
      if (origin === null) {
        setIssues([
          { path: to.path, message: 'an http(s) URL: the secret is saved for it and sent only there' },
        ]);
        throw new Error('Fix the fields marked below first.');
      }
      const { id } = await transport.api.call('sources.saveSecret', { value: typedSecret, url: to.url });
      secret = { secret: id };
      const now: HeldSecret = { ref: secret, authType: draft.authType, origin };
      setHeld(now);
      // The step may change in this same update (Preview rows): the form then unmounts without
      // rendering again, and what it leaves must hold the secret just saved.
      latest.current = { draft, held: now };
      setTypedSecret('');
    }
    const made = specOf(
      draft,
      needsSecret ? secret : undefined,
      initial.kept,
      initial.extra,
      initial.keptQuery,
    );
    const parsed = httpSourceSpecSchema.safeParse(made.spec);
    const problems = [...made.issues, ...(parsed.success ? [] : toValidationIssues(parsed.error))];
    if (problems.length > 0 || !parsed.success) {
      setIssues(problems);
      throw new Error('Fix the fields marked below first.');
    }
    setIssues([]);
    if (JSON.stringify(made.spec) !== committedText) {
      dispatch({ type: 'apiSource', source: made.spec as ApiSource });
    }
    return parsed.data;
  };

  const test = useMutation<TestResult, CallError | Error>({
    mutationFn: async () => {
      const source = await commit();
      return (await transport.api.call('sources.testRequest', { source, limit: 5 })) as TestResult;
    },
  });

  const preview = useMutation<void, CallError | Error>({
    mutationFn: async () => {
      await commit();
      dispatch({ type: 'step', step: 'columns' });
    },
  });
  const busy = test.isPending || preview.isPending;

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

  const checkbox = (key: 'stopOnShortPage' | 'endOnMissingRecords', label: string, testId: string) => (
    <div className="field">
      <label className="check">
        <input
          type="checkbox"
          checked={draft[key]}
          onChange={(e) => set({ [key]: e.target.checked } as Partial<Draft>)}
          data-testid={testId}
        />
        {label}
      </label>
    </div>
  );

  const area = (key: 'headers' | 'query' | 'body', label: string, testId: string, placeholder: string) => (
    <div className="field grow">
      <label htmlFor={`${ids}-${key}`}>{label}</label>
      <textarea
        id={`${ids}-${key}`}
        className="input mono"
        rows={3}
        spellCheck={false}
        value={draft[key]}
        placeholder={placeholder}
        onChange={(e) => set({ [key]: e.target.value } as Partial<Draft>)}
        data-testid={testId}
      />
    </div>
  );

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
        {area('headers', 'Headers (one "Name: value" a line)', 'api-headers', 'Accept: application/json')}
        {area('query', 'Query parameters (one "name=value" a line)', 'api-query', 'status=open')}
        {draft.method === 'POST'
          ? area('body', 'Body (JSON object)', 'api-body', '{ "filter": { "status": "open" } }')
          : null}
      </div>
      {Object.keys(initial.kept).length + Object.keys(initial.keptQuery).length > 0 ? (
        <p className="hint" data-testid="api-kept-headers">
          Also sent, from secrets:{' '}
          {[...Object.keys(initial.kept), ...Object.keys(initial.keptQuery).map((name) => `?${name}`)].join(
            ', ',
          )}{' '}
          (edit them in the job spec).
        </p>
      ) : null}
      <div className="field-row">
        {field('timeoutSeconds', 'Timeout (s)', 'api-timeout', { placeholder: '60' })}
        {field('requestsPerSecond', 'Requests per second', 'api-rate', { placeholder: 'no limit' })}
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
            <div className="field">
              <label htmlFor={`${ids}-client-auth`}>Client authentication</label>
              <select
                id={`${ids}-client-auth`}
                className="input"
                value={draft.clientAuth}
                onChange={(e) => set({ clientAuth: e.target.value as 'basic' | 'post' })}
                data-testid="api-auth-client-auth"
              >
                <option value="basic">HTTP Basic header</option>
                <option value="post">client_id and client_secret in the form body</option>
              </select>
            </div>
          </>
        ) : null}
        {needsSecret ? (
          <div className="field">
            <label htmlFor={`${ids}-secret`}>{secretLabel(draft.authType)}</label>
            <input
              id={`${ids}-secret`}
              className="input"
              type="password"
              autoComplete="off"
              value={typedSecret}
              placeholder={
                saved
                  ? 'saved (type to replace)'
                  : held
                    ? 'type it again: the saved one is for another auth type or server'
                    : ''
              }
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
        <div className="field field-keep">
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
        {draft.pagination === 'cursor' ? (
          <div className="field">
            <label htmlFor={`${ids}-cursor-in`}>Cursor sent as</label>
            <select
              id={`${ids}-cursor-in`}
              className="input"
              value={draft.cursorIn}
              onChange={(e) => set({ cursorIn: e.target.value as 'query' | 'body' })}
              data-testid="api-pagination-cursor-in"
            >
              <option value="query">a query parameter</option>
              <option value="body">a field of the JSON body (POST)</option>
            </select>
          </div>
        ) : null}
        {draft.pagination === 'cursor'
          ? draft.cursorIn === 'body'
            ? field('param', 'Cursor body field', 'api-pagination-param', { placeholder: 'cursor' })
            : field('param', 'Cursor parameter', 'api-pagination-param', { placeholder: 'cursor' })
          : null}
        {draft.pagination === 'pageNumber' ? (
          <>
            {field('param', 'Page parameter', 'api-pagination-param', { placeholder: 'page' })}
            {field('start', 'First page', 'api-pagination-start', { placeholder: '1' })}
            {field('pageSizeParam', 'Page size parameter', 'api-pagination-size-param', {
              placeholder: 'per_page (needed with a page size)',
            })}
            {field('pageSize', 'Page size', 'api-pagination-size', { placeholder: "the API's own" })}
          </>
        ) : null}
        {draft.pagination === 'offset' ? (
          <>
            {field('param', 'Offset parameter', 'api-pagination-param', { placeholder: 'offset' })}
            {field('start', 'First offset', 'api-pagination-start', { placeholder: '0' })}
            {field('limitParam', 'Limit parameter', 'api-pagination-limit-param', { placeholder: 'limit' })}
            {field('pageSize', 'Limit', 'api-pagination-size', { placeholder: '100' })}
          </>
        ) : null}
        {draft.pagination !== 'none'
          ? field('hasMorePath', 'Has-more path', 'api-pagination-has-more')
          : null}
        {draft.pagination !== 'none' ? field('totalPath', 'Total path', 'api-pagination-total') : null}
        {draft.pagination !== 'none' ? field('maxPages', 'Max pages', 'api-pagination-max-pages') : null}
        {draft.pagination === 'pageNumber' || draft.pagination === 'offset'
          ? checkbox(
              'stopOnShortPage',
              'A page shorter than the page size is the last',
              'api-pagination-short-page',
            )
          : null}
        {draft.pagination !== 'none'
          ? checkbox(
              'endOnMissingRecords',
              'A page without the records path is the last (else it fails the run)',
              'api-pagination-missing-records-end',
            )
          : null}
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
              <strong>{fieldLabel(i.path, draft)}</strong>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="step-actions">
        <button
          type="button"
          className="btn"
          onClick={() => {
            preview.reset();
            test.mutate();
          }}
          disabled={busy || draft.url.trim() === ''}
          data-testid="api-test"
        >
          Test request
        </button>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => preview.mutate()}
          disabled={busy || draft.url.trim() === ''}
          data-testid="source-next"
        >
          Preview rows →
        </button>
      </div>
      {test.isPending ? <Loading label="Requesting the first page…" /> : null}
      {preview.isError ? (
        <ErrorBox title="Cannot preview this source" error={preview.error} testId="api-preview-error" />
      ) : null}
      {test.isError ? (
        <ErrorBox title="The request failed" error={test.error} testId="api-test-error" />
      ) : null}
      {test.data && pending ? (
        <p className="hint" data-testid="api-test-stale">
          The fields changed since this test: "Preview rows" reads them as they are now.
        </p>
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
        {prettyJson(result.recordsJson)}
      </pre>
    </div>
  );
}
