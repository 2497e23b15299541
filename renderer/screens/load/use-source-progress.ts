import { useEffect, useState } from 'react';
import type { EventPayload } from '../../../core/common/contract/index.ts';
import { useTransport } from '../../api/api-context.tsx';

export type SourceProgress = Pick<EventPayload<'source.progress'>, 'pages' | 'records'>;

/**
 * The pages an HTTP API source has read for the preview or the load named `id` (`progressId` /
 * `startId`), from its `source.progress` events; null before the first page (or with no id).
 * Starts again from null when the id changes.
 */
export function useSourceProgress(id: string | null): SourceProgress | null {
  const { api } = useTransport();
  const [progress, setProgress] = useState<{ id: string; read: SourceProgress } | null>(null);
  useEffect(() => {
    if (id === null) return;
    return api.on('source.progress', (p) => {
      if (p.id === id) setProgress({ id, read: { pages: p.pages, records: p.records } });
    });
  }, [api, id]);
  return progress !== null && progress.id === id ? progress.read : null;
}

/** `3 pages, 3,000 records read` (nothing before the first page). */
export function pagesReadText(progress: SourceProgress | null): string {
  if (!progress) return '';
  const n = (count: number, one: string, many: string) =>
    `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
  return `${n(progress.pages, 'page', 'pages')}, ${n(progress.records, 'record', 'records')} read`;
}
