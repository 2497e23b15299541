import { useEffect, useId, useRef, useState } from 'react';
import type { RejectedRowDto } from '../../../core/common/contract/index.ts';
import { placeText } from '../../../core/common/types.ts';
import { formatCount } from '../../components/format.ts';
import {
  type InspectedValue,
  inspectedValues,
  placeFacts,
  rawValuesJson,
  sizeText,
  splitLines,
} from './rejected-row-view.ts';

/**
 * The whole of one rejected row, in a modal dialog: where it came from, each problem with its
 * column, reason and message, and every raw value in full (the grid cuts them to a line). Values
 * keep their whitespace and line breaks (each break marked), wrap instead of being cut, and NULL is
 * a marker, never empty text. Copy puts the raw values on the clipboard as JSON. Escape or Close
 * calls `onClose`, which gives the focus back to the row.
 */
export function RowInspector(props: {
  row: RejectedRowDto;
  /** The row's place among the rows the filters show (0-based) and how many there are. */
  index: number;
  total: number;
  sourceColumns: string[];
  columnNames: Array<string | null> | null;
  onClose: () => void;
}) {
  const { row, onClose } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const ids = useId();
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    closeRef.current?.focus();
    const onCancel = (e: Event) => {
      // Escape: React closes it (unmounting), so the row can take the focus back.
      e.preventDefault();
      onClose();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
    };
  }, [onClose]);

  const place = placeFacts(row);
  // As the grid's first column names it: line 5, page 3 record 7, key id=17, row 5.
  const where = placeText(row.line, row.at).replace(/ \(.*\)$/, '');
  const values = inspectedValues(row, props.sourceColumns, props.columnNames);
  // A record with fields may also carry the text it was read from; show it apart.
  const sourceText = Object.keys(row.raw).length > 0 ? row.rawText : null;

  const copy = async () => {
    const ok = await copyText(rawValuesJson(row), ref.current);
    setCopied(ok ? 'copied' : 'failed');
  };

  return (
    <dialog
      ref={ref}
      className="dialog row-inspector"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-where`}
      data-testid="row-inspector"
      data-line={row.line}
    >
      <div className="inspector-head">
        <h2 id={`${ids}-title`} className="dialog-title">
          Rejected row, {where}
        </h2>
        <span className="muted">
          {formatCount(props.index + 1)} of {formatCount(props.total)}
        </span>
        <span className="spacer" />
        <span className="inspector-status" role="status" data-testid="inspector-copy-status">
          {copied === 'copied'
            ? 'Raw values copied as JSON.'
            : copied === 'failed'
              ? 'Could not reach the clipboard: select the values and copy them.'
              : ''}
        </span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => void copy()}
          data-testid="inspector-copy"
        >
          Copy raw values (JSON)
        </button>
        <button
          ref={closeRef}
          type="button"
          className="btn btn-small"
          onClick={onClose}
          data-testid="inspector-close"
        >
          Close
        </button>
      </div>
      {/* One scroller for the whole row; it takes the focus so the keyboard can scroll it. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take the focus to be scrolled by keyboard. */}
      <section className="inspector-body" tabIndex={0} aria-label="The whole row">
        <h3 className="inspector-section">Where</h3>
        <dl className="inspector-facts" id={`${ids}-where`} data-testid="inspector-where">
          {place.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd className="mono">{v}</dd>
            </div>
          ))}
          <div>
            <dt>Stage</dt>
            <dd className="mono">{row.stage}</dd>
          </div>
        </dl>
        <h3 className="inspector-section">
          {row.errors.length === 1 ? 'Problem' : `${row.errors.length} problems`}
        </h3>
        <ul className="inspector-problems">
          {row.errors.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a row's problems are a fixed list.
            <li key={i} data-testid="inspector-problem">
              <span className="mono" data-testid="inspector-problem-column">
                {e.column ?? '(whole row)'}
              </span>{' '}
              <span className="mono text-bad" data-testid="inspector-problem-reason">
                {e.reason}
              </span>
              {e.sqlstate ? <span className="mono muted"> SQLSTATE {e.sqlstate}</span> : null}
              <p className="inspector-message" data-testid="inspector-problem-message">
                {e.message}
              </p>
            </li>
          ))}
        </ul>
        <h3 className="inspector-section">Raw values</h3>
        <dl className="inspector-values">
          {values.map((v) => (
            <ValueEntry key={v.column} value={v} />
          ))}
          {sourceText !== null ? (
            <ValueEntry value={{ column: 'source text', kind: 'text', text: sourceText, rejected: false }} />
          ) : null}
        </dl>
      </section>
    </dialog>
  );
}

function ValueEntry(props: { value: InspectedValue }) {
  const v = props.value;
  return (
    <div className={v.rejected ? 'inspector-value value-rejected' : 'inspector-value'}>
      <dt>
        <span className="mono">{v.column}</span>
        {v.rejected ? <span className="badge badge-failed">rejected</span> : null}
        {v.kind === 'text' || v.kind === 'json' ? <span className="muted"> {sizeText(v.text)}</span> : null}
      </dt>
      <dd data-testid="inspector-value" data-column={v.column} data-kind={v.kind}>
        {v.kind === 'null' ? (
          <span className="value-marker">NULL</span>
        ) : v.kind === 'empty' ? (
          <span className="value-marker">empty text</span>
        ) : v.kind === 'missing' ? (
          <span className="value-marker">no such field</span>
        ) : (
          <pre className="raw-value" data-testid="inspector-value-text">
            {splitLines(v.text).map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one value, in order.
              <span key={i}>
                <Spaced text={line.text} />
                {line.br ? (
                  <>
                    {/* The mark is drawn by CSS, so it is not part of the text copied or read. */}
                    <span className="line-break" aria-hidden="true" />
                    {line.br}
                  </>
                ) : null}
              </span>
            ))}
          </pre>
        )}
      </dd>
    </div>
  );
}

/** A line with its leading and trailing blanks marked (they are easy to miss and often the problem). */
function Spaced(props: { text: string }) {
  const m = /^([ \t]*)(.*?)([ \t]*)$/s.exec(props.text);
  if (!m || (m[1] === '' && m[3] === '')) return <>{props.text}</>;
  return (
    <>
      {m[1] ? <span className="edge-space">{m[1]}</span> : null}
      {m[2]}
      {m[3] ? <span className="edge-space">{m[3]}</span> : null}
    </>
  );
}

/**
 * Puts `text` on the clipboard: the async Clipboard API, else a selected text area and the copy
 * command (inside the modal dialog, the only part of the page that can take a selection).
 */
async function copyText(text: string, host: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!host) return false;
    const active = document.activeElement as HTMLElement | null;
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    host.append(area);
    area.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      area.remove();
      active?.focus();
    }
  }
}
