import { useMemo } from 'react';
import type { PreviewColumnDto } from '../../../core/common/contract/index.ts';
import { useCommand } from '../../api/queries.ts';
import { useDebounced } from '../../components/use-debounced.ts';
import type { WizardState } from './wizard-state.ts';

/**
 * The engine's check of the wizard's target against the database, with every option that changes
 * what the load refuses or runs (mode, key, added columns, truncate). `passed` is true only once
 * the check answered ok for the current choices: Plan and Load stay disabled until then.
 */
export function useTargetCheck(state: WizardState, columns: readonly PreviewColumnDto[] | undefined) {
  const t = state.target;
  const keyed = t.mode === 'upsert' || t.mode === 'incremental';
  const loadable = useMemo(() => (columns ?? []).filter((c) => !c.skip), [columns]);
  const input = useDebounced(
    {
      connection: t.connection,
      table: t.table.trim(),
      columns: loadable.map(checkedColumn),
      mode: t.mode,
      ...(keyed && t.key.length > 0 ? { key: t.key } : {}),
      ...(t.mode === 'incremental' && t.watermark ? { watermark: t.watermark } : {}),
      addMissingColumns: t.addMissingColumns,
      truncate: t.mode === 'append' && (t.truncate ?? false),
    },
    250,
  );
  const ready = columns !== undefined && input.table !== '';
  const check = useCommand('targets.check', input, { enabled: ready, retry: false });
  // A key not chosen yet is the form's to say (see the target step's issues), not the check's.
  const current = JSON.stringify(input.columns) === JSON.stringify(loadable.map(checkedColumn));
  const passed = ready && current && !check.isFetching && check.data?.ok === true;
  return { check, ready, passed, table: input.table };
}

/**
 * What the check needs of a column: its name and type, a text column's own type in the source, and
 * whether the job or the source types it (a column neither does takes the table's type, as the load).
 */
function checkedColumn(c: PreviewColumnDto) {
  const typed = {
    name: c.name,
    type: c.type,
    declared: c.declared,
    ...(c.sourceType !== undefined ? { sourceType: c.sourceType } : {}),
  };
  // A type override makes the column another type: the source's own type no longer applies.
  return c.nativeType !== undefined && c.type === 'text' ? { ...typed, nativeType: c.nativeType } : typed;
}
