import { useMutation } from '@tanstack/react-query';
import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import type { CallError } from '../../../core/common/contract/index.ts';
import { useTransport } from '../../api/api-context.tsx';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { DetectedFormat } from './detected-format.tsx';
import { useWizard } from './wizard-context.tsx';

/** Step 1: choose the file (path, browse, or drop) and confirm or override how it is read. */
export function SourceStep() {
  const { state, dispatch } = useWizard();
  const transport = useTransport();
  const [pathText, setPathText] = useState(state.source?.path ?? '');
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const pathId = useId();

  useEffect(() => {
    if (state.source?.path) setPathText(state.source.path);
  }, [state.source?.path]);

  const upload = useMutation<string, CallError, File>({
    mutationFn: (file) => {
      if (!transport.upload)
        throw new Error('This window cannot receive dropped files; use Browse… instead.');
      return transport.upload(file);
    },
    onSuccess: (path) => dispatch({ type: 'source', path }),
  });

  const browseNative = useMutation<string | null, CallError>({
    mutationFn: async () =>
      (await transport.api.call('dialogs.openFile', { title: 'Choose a file to load' })).path,
    onSuccess: (path) => {
      if (path) dispatch({ type: 'source', path });
    },
  });

  const openPath = () => {
    const p = pathText.trim();
    if (p) dispatch({ type: 'source', path: p });
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    // In the desktop app the file is already on this disk: use it where it is.
    const local = transport.pathForFile?.(file);
    if (local) dispatch({ type: 'source', path: local });
    else upload.mutate(file);
  };

  return (
    <section className="step-body" aria-labelledby="source-heading">
      <h2 id="source-heading" className="section-title">
        Source file
      </h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a mouse shortcut; the path field and the Browse button are the keyboard path */}
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
            <label htmlFor={pathId}>
              File path {transport.kind === 'http' ? 'on the engine host' : 'on this computer'}
            </label>
            <input
              id={pathId}
              className="input mono"
              value={pathText}
              onChange={(e) => setPathText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') openPath();
              }}
              placeholder="/data/exports/customers.csv"
              spellCheck={false}
              data-testid="source-path"
            />
          </div>
          <button
            type="button"
            className="btn btn-primary"
            onClick={openPath}
            disabled={!pathText.trim()}
            data-testid="source-open"
          >
            Open
          </button>
          {transport.kind === 'electron' ? (
            <button
              type="button"
              className="btn"
              onClick={() => browseNative.mutate()}
              data-testid="source-browse"
            >
              Browse…
            </button>
          ) : (
            <>
              <button
                type="button"
                className="btn"
                onClick={() => fileInput.current?.click()}
                data-testid="source-browse"
              >
                Upload a file…
              </button>
              <input
                ref={fileInput}
                type="file"
                className="visually-hidden"
                tabIndex={-1}
                aria-label="Choose a file to upload"
                data-testid="source-file-input"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) upload.mutate(file);
                  e.target.value = '';
                }}
              />
            </>
          )}
        </div>
        <p className="hint">
          CSV, TSV, JSON, NDJSON or XLSX, optionally gzipped.{' '}
          {transport.upload
            ? 'You can also drop a file here; it is copied to the engine host.'
            : transport.pathForFile
              ? 'You can also drop a file here.'
              : null}
        </p>
        {upload.isPending ? <Loading label={`Uploading ${upload.variables?.name ?? 'file'}…`} /> : null}
        {upload.isError ? (
          <ErrorBox title="Upload failed" error={upload.error} testId="upload-error" />
        ) : null}
        {browseNative.isError ? (
          <ErrorBox title="Could not open the file dialog" error={browseNative.error} />
        ) : null}
      </div>
      {state.source ? <DetectedFormat source={state.source} /> : null}
    </section>
  );
}
