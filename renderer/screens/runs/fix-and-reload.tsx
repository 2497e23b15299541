import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import type {
  CallError,
  CommandOutput,
  GrantedFileDto,
  RunSummaryDto,
} from '../../../core/common/contract/index.ts';
import { countOf } from '../../../core/common/outcome/words.ts';
import { reportFileName } from '../../../core/common/report-file-name.ts';
import { reloadMode } from '../../../core/common/spec/source-dialect.ts';
import { labelIsFile } from '../../../core/common/spec/source-label.ts';
import { useTransport } from '../../api/api-context.tsx';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { formatCount } from '../../components/format.ts';
import { ErrorBox } from '../../components/states.tsx';
import { href, navigate } from '../../router.ts';

/**
 * Fix and reload in one step: export the rejected rows for fixing (the source's own dialect, its
 * columns plus `loadstone_error`), then load the fixed file through this run's job; the new run
 * links back here.
 */
export function FixAndReload(props: { run: RunSummaryDto }) {
  const { run } = props;
  const transport = useTransport();
  const ids = useId();
  const [bom, setBom] = useState(false);
  const [picked, setPicked] = useState<GrantedFileDto | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const exportNative = useMutation<CommandOutput<'reports.exportForFixing'> | null, CallError>({
    mutationFn: async () => {
      const { file } = await transport.api.call('dialogs.saveFile', {
        defaultName: reportFileName(run.id, 'fixing'),
        title: 'Export the rejected rows for fixing',
      });
      if (!file) return null;
      return transport.api.call('reports.exportForFixing', { runId: run.id, file: file.handle, bom });
    },
  });
  const grant = useMutation<GrantedFileDto, CallError | Error, File>({
    mutationFn: (file) => {
      if (!transport.grantFile) throw new Error('This window cannot receive files; use Choose… instead.');
      return transport.grantFile(file);
    },
    onSuccess: setPicked,
  });
  const pickNative = useMutation<GrantedFileDto | null, CallError>({
    mutationFn: async () =>
      (await transport.api.call('dialogs.openFile', { title: 'Choose the fixed file' })).file,
    onSuccess: (file) => {
      if (file) setPicked(file);
    },
  });
  const reload = useMutation<CommandOutput<'loads.reload'>, CallError, GrantedFileDto>({
    mutationFn: (file) => transport.api.call('loads.reload', { runId: run.id, file: file.handle }),
    onSuccess: ({ runId }) => {
      setPicked(null);
      navigate({ name: 'run', runId });
    },
  });

  const fixingUrl = transport.fixingUrl;
  const downloadFixing = useMutation<void, CallError, string>({
    mutationFn: async (url) => transport.download?.(run.id, url, reportFileName(run.id, 'fixing')),
  });
  const http = transport.kind === 'http';
  const mode = reloadMode(run.mode as Parameters<typeof reloadMode>[0]);
  const canReload = !run.dryRun && run.status !== 'running';
  return (
    <section className="fix-reload" aria-labelledby={`${ids}-title`} data-testid="fix-and-reload">
      <h2 id={`${ids}-title`} className="panel-title">
        Fix and reload
      </h2>
      {labelIsFile(run.source) ? (
        <p className="hint">
          Export the {countOf(run.counts.rejected, 'rejected row')} as the source was written (its encoding,
          delimiter and columns, plus a <span className="mono">loadstone_error</span> column), fix the cells,
          and reload the file: it runs through this run's job and the rows are added to{' '}
          <span className="mono">{run.table}</span>.
        </p>
      ) : (
        <p className="hint" data-testid="fix-reload-not-file">
          Export the {countOf(run.counts.rejected, 'rejected row')} as a CSV file (their columns as they were
          read, plus a <span className="mono">loadstone_error</span> column), fix the cells, and reload that
          file: it runs through this run's columns, types and target (not its source again) and the rows are
          added to <span className="mono">{run.table}</span>.
        </p>
      )}
      {run.status !== 'succeeded' ? (
        // The rows a stopped load read and had not committed were rolled back too: the fixed rows
        // alone would leave the table without the others, and nothing else on the page says so here.
        <p className="notice" data-testid="fix-reload-unfinished">
          This load {stoppedWords(run.status)}: the good rows it read after its last commit were rolled back (
          {formatCount(run.counts.inserted + run.counts.updated)} of the {countOf(run.counts.read, 'row')}{' '}
          read reached <span className="mono">{run.table}</span>). Reloading the fixed file adds its rows
          only: load the others too — resume the load from its last commit, or run it again.
        </p>
      ) : null}
      {run.reloadedBy.length > 0 ? (
        <p className="notice" data-testid="already-reloaded">
          Its fixed rows were reloaded by{' '}
          {run.reloadedBy.map((id, i) => (
            <span key={id} className="mono">
              {i > 0 ? ', ' : ''}
              <a href={href({ name: 'run', runId: id })}>{id}</a>
            </span>
          ))}
          ; reloading again adds the rows of the file you pick once more.
        </p>
      ) : null}
      <div className="toolbar">
        <label className="check">
          <input
            type="checkbox"
            checked={bom}
            onChange={(e) => setBom(e.target.checked)}
            data-testid="fixing-bom"
          />
          Byte-order mark (Excel on Windows)
        </label>
        {fixingUrl ? (
          <a
            className="btn btn-small"
            href={fixingUrl(run.id, bom)}
            download={reportFileName(run.id, 'fixing')}
            onClick={(e) => {
              // The link holds no credential: ask for a one-use ticket and follow it with that.
              e.preventDefault();
              downloadFixing.mutate(fixingUrl(run.id, bom));
            }}
            data-testid="export-for-fixing"
          >
            Export for fixing
          </a>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            disabled={exportNative.isPending}
            onClick={() => exportNative.mutate()}
            data-testid="export-for-fixing"
          >
            Export for fixing…
          </button>
        )}
        <span className="spacer" />
        {http ? (
          <>
            <button
              type="button"
              className="btn btn-small btn-primary"
              disabled={!canReload || grant.isPending}
              onClick={() => fileInput.current?.click()}
              data-testid="reload-fixed"
            >
              Reload fixed file…
            </button>
            <input
              ref={fileInput}
              type="file"
              className="visually-hidden"
              tabIndex={-1}
              aria-label="Choose the fixed file to upload"
              data-testid="reload-file-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) grant.mutate(file);
                e.target.value = '';
              }}
            />
          </>
        ) : (
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={!canReload || pickNative.isPending}
            onClick={() => pickNative.mutate()}
            data-testid="reload-fixed"
          >
            Reload fixed file…
          </button>
        )}
      </div>
      {exportNative.isSuccess && exportNative.data ? (
        <p className="text-ok" role="status">
          ✓ {countOf(exportNative.data.rows, 'row')} → {exportNative.data.path}
        </p>
      ) : null}
      {exportNative.isError ? <ErrorBox title="Export failed" error={exportNative.error} /> : null}
      {downloadFixing.isError ? <ErrorBox title="Download failed" error={downloadFixing.error} /> : null}
      {grant.isError ? <ErrorBox title="Cannot read the fixed file" error={grant.error} /> : null}
      {pickNative.isError ? <ErrorBox title="Cannot open the fixed file" error={pickNative.error} /> : null}
      {reload.isError ? <ErrorBox title="The reload did not start" error={reload.error} /> : null}
      <ConfirmDialog
        open={picked !== null}
        title="Reload the fixed file?"
        confirmLabel="Reload"
        busy={reload.isPending}
        onConfirm={() => picked && reload.mutate(picked)}
        onCancel={() => setPicked(null)}
        testId="reload-confirm"
      >
        <p>
          Load <span className="mono">{picked?.name}</span> into{' '}
          <span className="mono">
            {run.target}:{run.table}
          </span>{' '}
          with this run's columns, types and formats, as <strong>{mode}</strong>
          {mode !== run.mode ? ` (this run was ${run.mode}: the fixed rows are added, not replacing)` : ''}. A
          trailing <span className="mono">loadstone_error</span> column is ignored.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** How a run that did not succeed ended, after "This load". */
function stoppedWords(status: RunSummaryDto['status']): string {
  if (status === 'cancelled') return 'was cancelled';
  if (status === 'interrupted') return 'was interrupted';
  return 'failed';
}

/** The links between a run and its reloads, for the run page's facts. */
export function RunLinks(props: { run: RunSummaryDto }) {
  const { reloadOf, reloadedBy } = props.run;
  return (
    <>
      {reloadOf ? (
        <>
          <dt>Reload of</dt>
          <dd className="mono" data-testid="reload-of">
            <a href={href({ name: 'run', runId: reloadOf })}>{reloadOf}</a> (its fixed rejected rows)
          </dd>
        </>
      ) : null}
      {reloadedBy.length > 0 ? (
        <>
          <dt>Reloaded by</dt>
          <dd className="mono" data-testid="reloaded-by">
            {reloadedBy.map((id, i) => (
              <span key={id}>
                {i > 0 ? ', ' : ''}
                <a href={href({ name: 'run', runId: id })}>{id}</a>
              </span>
            ))}
          </dd>
        </>
      ) : null}
    </>
  );
}
