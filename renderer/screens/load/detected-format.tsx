import { useId } from 'react';
import type { GrantedFileDto } from '../../../core/common/contract/shared-schemas.ts';
import type { FileSourceRef, SourceOptions } from '../../../core/common/contract/source-ref.ts';
import { ENCODINGS, SOURCE_KINDS } from '../../../core/common/spec/job-spec.ts';
import { useCommand } from '../../api/queries.ts';
import { formatBytes } from '../../components/format.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { useWizard } from './wizard-context.tsx';

const DELIMITERS: { value: string; label: string }[] = [
  { value: ',', label: 'Comma ,' },
  { value: ';', label: 'Semicolon ;' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe |' },
];

function delimiterLabel(d: string | undefined): string {
  if (d === undefined) return '—';
  return DELIMITERS.find((x) => x.value === d)?.label ?? `“${d}”`;
}

/** What Loadstone detected about the file, each item overridable. */
export function DetectedFormat(props: { source: FileSourceRef; file: GrantedFileDto }) {
  const { dispatch } = useWizard();
  const inspect = useCommand('sources.inspect', props.source, { retry: false, refetchOnWindowFocus: false });
  const s = props.source;
  const ids = useId();

  if (inspect.isPending) return <Loading label="Reading the file…" />;
  if (inspect.isError) {
    return (
      <ErrorBox
        title={`Cannot read ${props.file.name}`}
        error={inspect.error}
        onRetry={() => inspect.refetch()}
        testId="source-error"
      />
    );
  }
  const f = inspect.data.format;
  const set = (patch: Partial<SourceOptions>) => dispatch({ type: 'sourceOptions', patch });
  const delimited = f.kind === 'csv' || f.kind === 'tsv';

  return (
    <div className="panel" data-testid="detected-format">
      <div className="panel-head">
        <h3 className="panel-title">Detected format</h3>
        <span className="muted">
          {formatBytes(inspect.data.sizeBytes)} · {inspect.data.columns.length} columns
          {inspect.isFetching ? ' · re-reading…' : ''}
        </span>
      </div>
      <dl className="facts" data-testid="detected-facts">
        <dt>Kind</dt>
        <dd data-testid="detected-kind">{f.kind.toUpperCase()}</dd>
        <dt>Encoding</dt>
        <dd data-testid="detected-encoding">
          {f.encoding}
          {f.bom ? ' (BOM)' : ''}
        </dd>
        <dt>Compression</dt>
        <dd>{f.compression}</dd>
        {delimited ? (
          <>
            <dt>Delimiter</dt>
            <dd data-testid="detected-delimiter">{delimiterLabel(f.delimiter)}</dd>
          </>
        ) : null}
        <dt>Header row</dt>
        <dd data-testid="detected-header">{f.header ? 'yes' : 'no'}</dd>
        {f.sheet ? (
          <>
            <dt>Sheet</dt>
            <dd>{f.sheet}</dd>
          </>
        ) : null}
      </dl>
      <fieldset className="overrides">
        <legend>Override</legend>
        <div className="field">
          <label htmlFor={`${ids}-kind`}>Format</label>
          <select
            id={`${ids}-kind`}
            className="input"
            value={s.format ?? ''}
            onChange={(e) => set({ format: (e.target.value || undefined) as SourceOptions['format'] })}
            data-testid="override-format"
          >
            <option value="">Detected ({f.kind})</option>
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k.toUpperCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-enc`}>Encoding</label>
          <select
            id={`${ids}-enc`}
            className="input"
            value={s.encoding ?? ''}
            onChange={(e) => set({ encoding: (e.target.value || undefined) as SourceOptions['encoding'] })}
            data-testid="override-encoding"
          >
            <option value="">Detected ({f.encoding})</option>
            {ENCODINGS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        {delimited ? (
          <>
            <div className="field">
              <label htmlFor={`${ids}-delim`}>Delimiter</label>
              <select
                id={`${ids}-delim`}
                className="input"
                value={s.delimiter ?? ''}
                onChange={(e) => set({ delimiter: e.target.value || undefined })}
                data-testid="override-delimiter"
              >
                <option value="">Detected ({delimiterLabel(f.delimiter)})</option>
                {DELIMITERS.map((d) => (
                  <option key={d.label} value={d.value}>
                    {d.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${ids}-quote`}>Quote</label>
              <select
                id={`${ids}-quote`}
                className="input"
                value={s.quote === undefined ? 'auto' : s.quote === '' ? 'none' : s.quote}
                onChange={(e) => {
                  const v = e.target.value;
                  set({ quote: v === 'auto' ? undefined : v === 'none' ? '' : v });
                }}
                data-testid="override-quote"
              >
                <option value="auto">Detected ({f.quote === '' ? 'none' : (f.quote ?? '"')})</option>
                <option value={'"'}>Double quote "</option>
                <option value="'">Single quote '</option>
                <option value="none">No quoting</option>
              </select>
            </div>
          </>
        ) : null}
        <div className="field">
          <label htmlFor={`${ids}-header`}>Header row</label>
          <select
            id={`${ids}-header`}
            className="input"
            value={s.header === undefined ? '' : s.header ? 'yes' : 'no'}
            onChange={(e) => set({ header: e.target.value === '' ? undefined : e.target.value === 'yes' })}
            data-testid="override-header"
          >
            <option value="">Detected ({f.header ? 'yes' : 'no'})</option>
            <option value="yes">First row is the header</option>
            <option value="no">No header (column_1, column_2, …)</option>
          </select>
        </div>
        {f.sheets && f.sheets.length > 0 ? (
          <div className="field">
            <label htmlFor={`${ids}-sheet`}>Sheet</label>
            <select
              id={`${ids}-sheet`}
              className="input"
              value={s.sheet ?? ''}
              onChange={(e) => set({ sheet: e.target.value || undefined })}
              data-testid="override-sheet"
            >
              <option value="">First sheet ({f.sheets[0]})</option>
              {f.sheets.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </fieldset>
      <div className="step-actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => dispatch({ type: 'step', step: 'columns' })}
          data-testid="source-next"
        >
          Preview rows →
        </button>
      </div>
    </div>
  );
}
