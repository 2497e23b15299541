import { keepPreviousData } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { PreviewResultDto } from '../../../core/common/contract/index.ts';
import { type JobSpecRefInput, jobSpecRefSchema } from '../../../core/common/contract/source-ref.ts';
import { toValidationIssues } from '../../../core/common/spec/job-spec.ts';
import { useCommand } from '../../api/queries.ts';
import { uiWording } from '../../components/ui-words.ts';
import { useDebounced } from '../../components/use-debounced.ts';
import { buildSpec, type WizardState } from './wizard-state.ts';

/** Debounce before re-running the preview, so typing a name does not fire one call per key. */
const PREVIEW_DEBOUNCE_MS = 150;

/**
 * The live preview of the wizard's spec: re-runs ~150 ms after the last change and keeps showing the
 * previous result while the new one is computed. An invalid spec is reported locally, by path,
 * without a round trip.
 */
export function usePreview(state: WizardState) {
  const spec = useMemo(() => buildSpec(state, { withTarget: false }), [state]);
  const settled = useDebounced(spec, PREVIEW_DEBOUNCE_MS);
  const issues = useMemo(() => {
    if (!settled) return [];
    const r = jobSpecRefSchema.safeParse(settled);
    return r.success ? [] : toValidationIssues(r.error);
  }, [settled]);
  const query = useCommand(
    'preview.run',
    { spec: (settled ?? { source: { handle: '' } }) as JobSpecRefInput, limit: state.previewLimit },
    {
      enabled: settled !== null && issues.length === 0,
      placeholderData: keepPreviousData,
      refetchOnWindowFocus: false,
      staleTime: 60_000,
      retry: false,
      select: inUiWords,
    },
  );
  const pending = JSON.stringify(spec) !== JSON.stringify(settled) || query.isFetching;
  return { query, issues, pending };
}

/** The preview's warnings name the controls that change them, not spec fields. */
function inUiWords(result: PreviewResultDto): PreviewResultDto {
  return {
    ...result,
    warnings: result.warnings.map(uiWording),
    columns: result.columns.map((c) => ({ ...c, warnings: c.warnings.map(uiWording) })),
  };
}
