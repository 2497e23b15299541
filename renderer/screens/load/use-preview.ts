import { keepPreviousData } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { PreviewResultDto } from '../../../core/common/contract/index.ts';
import { type JobSpecRefInput, jobSpecRefSchema } from '../../../core/common/contract/source-ref.ts';
import { toValidationIssues } from '../../../core/common/spec/job-spec.ts';
import { useCommand } from '../../api/queries.ts';
import { uiWording } from '../../components/ui-words.ts';
import { useDebounced } from '../../components/use-debounced.ts';
import { useSourceProgress } from './use-source-progress.ts';
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
  // Names each preview, so an HTTP API source's pages read show while its first pages arrive. Made
  // from the spec, not drawn at random: the steps that show the preview share one query (one key).
  const progressId = useMemo(
    () => (settled ? `preview-${textHash(JSON.stringify(settled))}-${state.previewLimit}` : null),
    [settled, state.previewLimit],
  );
  const query = useCommand(
    'preview.run',
    {
      spec: (settled ?? { source: { handle: '' } }) as JobSpecRefInput,
      limit: state.previewLimit,
      ...(progressId ? { progressId } : {}),
    },
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
  const progress = useSourceProgress(progressId);
  return { query, issues, pending, progress };
}

/** FNV-1a of a text, in hex: a short name for it (not a secret, not unique beyond need). */
function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

/** The preview's warnings name the controls that change them, not spec fields. */
function inUiWords(result: PreviewResultDto): PreviewResultDto {
  return {
    ...result,
    warnings: result.warnings.map(uiWording),
    columns: result.columns.map((c) => ({ ...c, warnings: c.warnings.map(uiWording) })),
  };
}
