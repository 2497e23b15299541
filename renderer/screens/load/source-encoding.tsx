import type { PreviewResultDto } from '../../../core/common/contract/index.ts';
import { formatCount } from '../../components/format.ts';
import { useWizard } from './wizard-context.tsx';
import { SOURCE_ENCODINGS, type SourceEncoding } from './wizard-state.ts';

/** The Text encoding choices, in the select's order; '' is automatic (the spec says nothing). */
export function encodingChoices(current: SourceEncoding | undefined): Array<[string, string]> {
  const choices: Array<[string, string]> = [
    ['', 'Automatic (UTF-8)'],
    ['windows-1252', 'Windows-1252'],
    ['latin1', 'Latin-1 (read as Windows-1252)'],
  ];
  // An opened job that names UTF-8 keeps saying it (the same reading as automatic).
  if (current === 'utf-8') choices.splice(1, 0, ['utf-8', 'UTF-8']);
  return choices;
}

/** The select's value as a source encoding (undefined: automatic). */
export function encodingOf(value: string): SourceEncoding | undefined {
  return (SOURCE_ENCODINGS as readonly string[]).includes(value) ? (value as SourceEncoding) : undefined;
}

/**
 * Rows of a preview's sample rejected because their bytes are not valid UTF-8 (a SQL_ASCII
 * PostgreSQL database's other bytes), over the sample; 0 when there are none.
 */
export function invalidEncodingRows(result: Pick<PreviewResultDto, 'counts'> | undefined): number {
  return result?.counts.sample.unreadableByReason.invalid_encoding ?? 0;
}

/** The "Text encoding" select of a PostgreSQL database source. */
export function SourceEncodingSelect(props: {
  id: string;
  value: SourceEncoding | undefined;
  onChange: (encoding: SourceEncoding | undefined) => void;
  testId: string;
}) {
  return (
    <select
      id={props.id}
      className="input"
      value={props.value ?? ''}
      onChange={(e) => props.onChange(encodingOf(e.target.value))}
      data-testid={props.testId}
    >
      {encodingChoices(props.value).map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </select>
  );
}

/**
 * Above the preview of a PostgreSQL database whose rows were rejected as `invalid_encoding` (a
 * SQL_ASCII database keeps any bytes): says so and offers the Text encoding right there; a change
 * re-runs the preview. Nothing for other sources or a preview without such rows.
 */
export function EncodingHint(props: { result: PreviewResultDto | undefined; id: string }) {
  const { state, dispatch } = useWizard();
  const source = state.database;
  const rows = invalidEncodingRows(props.result);
  // Windows-1252 reads every byte, so only an automatic (UTF-8) read rejects rows this way.
  if (source?.kind !== 'postgres' || rows === 0) return null;
  return (
    <div className="notice" role="status" data-testid="encoding-hint">
      <p>
        {formatCount(rows)} {rows === 1 ? 'row holds' : 'rows hold'} bytes that are not UTF-8: this database
        is SQL_ASCII, which keeps whatever bytes a program stored. If you know their encoding (legacy systems
        often wrote Windows-1252 or Latin-1), choose it:
      </p>
      <div className="field field-inline">
        <label htmlFor={`${props.id}-hint-encoding`}>Text encoding</label>
        <SourceEncodingSelect
          id={`${props.id}-hint-encoding`}
          value={source.encoding}
          onChange={(encoding) => dispatch({ type: 'sourceEncoding', encoding })}
          testId="encoding-hint-select"
        />
      </div>
    </div>
  );
}
