import { z } from 'zod';
import {
  fileSourceSpecSchema,
  httpSourceSpecSchema,
  jobSpecSchema,
  mysqlSourceSpecSchema,
  postgresSourceSpecSchema,
  sqliteSourceSpecSchema,
} from '../spec/job-spec.ts';

const handleSchema = z.string().min(1).max(100);

/** How to read a file source, without saying which file: every file source option but `path`. */
export const sourceOptionsSchema = fileSourceSpecSchema.omit({ path: true });
export type SourceOptions = z.infer<typeof sourceOptionsSchema>;

/** An SQLite source without its file: the table or query and how to read it. */
export const sqliteSourceOptionsSchema = sqliteSourceSpecSchema.omit({ path: true });

/**
 * A file source as the renderer names it: a granted file handle (see `grantedFileSchema`) and how to
 * read it. The engine puts the granted path in place of the handle; a renderer never sends a path.
 */
export const fileSourceRefSchema = sourceOptionsSchema.extend({ handle: handleSchema }).strict();
export type FileSourceRef = z.infer<typeof fileSourceRefSchema>;

/** An SQLite file source as the renderer names it: a granted handle in place of the path. */
export const sqliteSourceRefSchema = sqliteSourceOptionsSchema.extend({ handle: handleSchema }).strict();

/**
 * Any source as the renderer sends it: a file or an SQLite database by granted handle, a database
 * by saved connection name (a URL is accepted too; a saved connection keeps its password encrypted),
 * an HTTP API whose secrets are references (`{ "secret": id }` from `sources.saveSecret`, or `{ "env" }`).
 */
export const sourceRefSchema = z.discriminatedUnion('kind', [
  fileSourceRefSchema,
  sqliteSourceRefSchema,
  postgresSourceSpecSchema,
  mysqlSourceSpecSchema,
  httpSourceSpecSchema,
]);
export type SourceRef = z.infer<typeof sourceRefSchema>;

/** Same rules as a job spec (key for upsert, watermark for incremental…), checked on the rest. */
function jobSpecRules(spec: { source: SourceRef }, ctx: z.RefinementCtx): void {
  const source =
    'handle' in spec.source
      ? (({ handle: _handle, ...options }) => ({ ...options, path: '(granted file)' }))(spec.source)
      : spec.source;
  const result = jobSpecSchema.safeParse({ ...spec, source });
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue } as never);
}

/** A job spec as it crosses a transport: a file source is a `SourceRef` (a handle), not a path. */
export const jobSpecRefSchema = z
  .object({ ...jobSpecSchema.shape, source: sourceRefSchema })
  .strict()
  .superRefine(jobSpecRules);
export type JobSpecRef = z.output<typeof jobSpecRefSchema>;
/** What the renderer builds and sends (defaults are applied by the engine). */
export type JobSpecRefInput = z.input<typeof jobSpecRefSchema>;

/** A saved job's spec as `jobs.get` returns it: the source's options; its file comes apart, granted. */
export const savedJobSpecSchema = z
  .object({
    ...jobSpecSchema.shape,
    source: z.discriminatedUnion('kind', [
      sourceOptionsSchema,
      sqliteSourceOptionsSchema,
      postgresSourceSpecSchema,
      mysqlSourceSpecSchema,
      httpSourceSpecSchema,
    ]),
  })
  .strict();
export type SavedJobSpec = z.input<typeof savedJobSpecSchema>;
