import { useMutation } from '@tanstack/react-query';
import { type DragEvent, useRef, useState } from 'react';
import type { CallError, GrantedFileDto } from '../../../core/common/contract/index.ts';
import { useTransport } from '../../api/api-context.tsx';
import { formatBytes } from '../../components/format.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { ApiSourceForm } from './api-source-form.tsx';
import { DatabaseSource, SQLITE } from './database-source.tsx';
import { DetectedFormat } from './detected-format.tsx';
import { useWizard } from './wizard-context.tsx';
import { fileSource, isApiSource } from './wizard-state.ts';

/**
 * Step 1: choose the file (Browse…, upload, or drop) and confirm or override how it is read. There is
 * no path field: the engine reads only files the operator picked, by the handle it granted for them.
 */
export function SourceStep() {
  const { state, dispatch } = useWizard();
  const transport = useTransport();
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<'file' | 'database' | 'http'>(
    () => state.drafts.kind ?? (state.database ? 'database' : isApiSource(state.source) ? 'http' : 'file'),
  );
  const choose = (file: GrantedFileDto) => {
    dispatch({ type: 'source', file });
    if (!file.sqlite) return;
    // An SQLite database (by its header) is read as a database: its tables are listed at once.
    setKind('database');
    dispatch({ type: 'database', source: null });
    dispatch({
      type: 'formDrafts',
      session: state.session,
      patch: { kind: 'database', database: { where: SQLITE, mode: 'table', query: '' } },
    });
  };

  // A file picked in the page or dropped on it: uploaded to the browser host, granted where it is in
  // the desktop app.
  const grant = useMutation<GrantedFileDto, CallError | Error, File>({
    mutationFn: (file) => {
      if (!transport.grantFile) throw new Error('This window cannot receive files; use Browse… instead.');
      return transport.grantFile(file);
    },
    onSuccess: choose,
  });

  const browseNative = useMutation<GrantedFileDto | null, CallError>({
    mutationFn: async () =>
      (await transport.api.call('dialogs.openFile', { title: 'Choose a file to load' })).file,
    onSuccess: (file) => {
      if (file) choose(file);
    },
  });

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) grant.mutate(file);
  };

  const http = transport.kind === 'http';
  const busy = grant.isPending || browseNative.isPending;
  return (
    <section className="step-body" aria-labelledby="source-heading">
      <h2 id="source-heading" className="section-title">
        Source
      </h2>
      <div className="field-row" role="radiogroup" aria-label="Source kind">
        {(
          [
            ['file', 'File'],
            ['database', 'Database'],
            ['http', 'HTTP API'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="radio">
            <input
              type="radio"
              name="source-kind"
              checked={kind === value}
              onChange={() => {
                setKind(value);
                dispatch({ type: 'formDrafts', session: state.session, patch: { kind: value } });
                if (value !== 'database') dispatch({ type: 'database', source: null });
              }}
              data-testid={`source-kind-${value}`}
            />{' '}
            {label}
          </label>
        ))}
      </div>
      {/* A newly picked SQLite file opens its own tables (the form reads its drafts when it mounts). */}
      {kind === 'database' ? <DatabaseSource key={state.file?.sqlite ? state.file.handle : 'saved'} /> : null}
      {kind === 'http' ? <ApiSourceForm /> : null}
      {kind === 'file' && state.openedJob && !state.file ? (
        <p className="notice" data-testid="job-file-missing">
          The file of job {state.openedJob} cannot be read any more; choose it again.
        </p>
      ) : null}
      {kind === 'http' ? null : (
        /* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a mouse shortcut; the buttons are the keyboard path */
        <div
          className={`dropzone${dragging ? ' dropzone-active' : ''}`}
          data-testid="source-drop"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <div className="field-row">
            <div className="field grow">
              <span className="label">{kind === 'database' ? 'SQLite file' : 'File'}</span>
              <div className="source-file" data-testid="source-file">
                {state.file ? (
                  <>
                    <strong className="mono" data-testid="source-file-name">
                      {state.file.name}
                    </strong>{' '}
                    <span className="muted">{formatBytes(state.file.sizeBytes)}</span>
                    {state.file.uploaded ? (
                      <span
                        className="badge"
                        data-testid="source-uploaded"
                        title="Loadstone reads a copy kept in its data folder"
                      >
                        uploaded copy
                      </span>
                    ) : null}
                  </>
                ) : (
                  <span className="muted">No file chosen yet.</span>
                )}
              </div>
            </div>
            {http ? null : (
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => browseNative.mutate()}
                disabled={busy}
                data-testid="source-browse"
              >
                Browse…
              </button>
            )}
            <button
              type="button"
              className={`btn${http ? ' btn-primary' : ''}`}
              onClick={() => fileInput.current?.click()}
              disabled={busy || !transport.grantFile}
              data-testid={http ? 'source-browse' : 'source-pick'}
            >
              {http ? 'Upload a file…' : 'Pick in the page…'}
            </button>
            <input
              ref={fileInput}
              type="file"
              className="visually-hidden"
              tabIndex={-1}
              aria-label={http ? 'Choose a file to upload' : 'Choose a file'}
              data-testid="source-file-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) grant.mutate(file);
                e.target.value = '';
              }}
            />
          </div>
          <p className="hint" data-testid="source-file-hint">
            {kind === 'database'
              ? 'Or an SQLite database file: its tables are listed above. You can also drop it here'
              : 'CSV, TSV, JSON, NDJSON or XLSX, optionally gzipped, or an SQLite database (read as a Database: its tables are listed). You can also drop a file here'}
            {http ? '; it is copied to the engine host, which reads that copy.' : '.'}
          </p>
          {grant.isPending ? (
            <Loading label={`${http ? 'Uploading' : 'Opening'} ${grant.variables?.name ?? 'file'}…`} />
          ) : null}
          {grant.isError ? (
            <ErrorBox
              title={http ? 'Upload failed' : 'Cannot use this file'}
              error={grant.error}
              testId="upload-error"
            />
          ) : null}
          {browseNative.isError ? (
            <ErrorBox title="Cannot use this file" error={browseNative.error} testId="browse-error" />
          ) : null}
        </div>
      )}
      {kind === 'file' && fileSource(state.source) && state.file && !state.database ? (
        <DetectedFormat source={fileSource(state.source)!} file={state.file} />
      ) : null}
    </section>
  );
}
