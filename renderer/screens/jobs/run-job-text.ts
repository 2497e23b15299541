import type { LoadMode } from '../../../core/common/spec/job-spec.ts';

/** What the Jobs screen knows of a saved job (a `jobs.list` row). */
export interface JobSummary {
  name: string;
  sourceName: string;
  uploaded: boolean;
  table: string | null;
  mode: LoadMode | null;
}

/**
 * What running a saved job again will do to its table, in words, for the confirmation: the mode
 * decides, and an append says plainly that it adds the rows again.
 */
export function runJobEffect(job: JobSummary): string {
  const file = job.sourceName;
  const table = job.table ?? '(no table)';
  switch (job.mode ?? 'append') {
    case 'append':
      return `Append adds every row of ${file} to ${table} again: rows that earlier runs of this job loaded will be in the table twice.`;
    case 'replace':
      return `Replace swaps the contents of ${table} for the rows of ${file}; what the table holds now is gone once the load commits.`;
    case 'upsert':
      return `Upsert inserts the keys of ${file} that ${table} does not have and updates rows whose values changed; unchanged rows stay as they are.`;
    case 'incremental':
      return `Incremental loads only the rows of ${file} above the watermark this job's last committed run stored, and updates ${table} with them.`;
  }
}

/** Which file the run reads, when that is not the operator's own copy. */
export function runJobSourceNote(job: JobSummary): string | null {
  return job.uploaded
    ? `It reads the copy of ${job.sourceName} uploaded when the job was saved, not the file on your computer; to load a newer version, open the job and upload it again.`
    : null;
}
