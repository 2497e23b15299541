import { z } from 'zod';
import { jobSpecSchema, sourceSpecSchema } from '../spec/job-spec.ts';

/** How to read a source, without saying which file: every source option but `path`. */
export const sourceOptionsSchema = sourceSpecSchema.omit({ path: true });
export type SourceOptions = z.infer<typeof sourceOptionsSchema>;

/**
 * A source as the renderer names it: a granted file handle (see `grantedFileSchema`) and how to read
 * it. The engine puts the granted path in place of the handle; a renderer never sends a path.
 */
export const sourceRefSchema = sourceOptionsSchema.extend({ handle: z.string().min(1).max(100) }).strict();
export type SourceRef = z.infer<typeof sourceRefSchema>;

/** Same rules as a job spec (key for upsert, watermark for incremental…), checked on the rest. */
function jobSpecRules(spec: { source: object }, ctx: z.RefinementCtx): void {
  const { handle: _handle, ...options } = spec.source as { handle?: string };
  const result = jobSpecSchema.safeParse({ ...spec, source: { ...options, path: '(granted file)' } });
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue } as never);
}

/** A job spec as it crosses a transport: its source is a `SourceRef` (a handle), not a path. */
export const jobSpecRefSchema = z
  .object({ ...jobSpecSchema.shape, source: sourceRefSchema })
  .strict()
  .superRefine(jobSpecRules);
export type JobSpecRef = z.output<typeof jobSpecRefSchema>;
/** What the renderer builds and sends (defaults are applied by the engine). */
export type JobSpecRefInput = z.input<typeof jobSpecRefSchema>;

/** A saved job's spec as `jobs.get` returns it: the source's options; its file comes apart, granted. */
export const savedJobSpecSchema = z.object({ ...jobSpecSchema.shape, source: sourceOptionsSchema }).strict();
export type SavedJobSpec = z.input<typeof savedJobSpecSchema>;
