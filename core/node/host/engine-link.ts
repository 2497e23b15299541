import type { Writable } from 'node:stream';
import type { ReportRowFilter } from '../../common/contract/commands.ts';
import type { GrantReply, GrantRequest } from '../../common/contract/engine-protocol.ts';
import type { Reply } from '../../common/contract/errors.ts';
import { toContractError } from '../handlers/contract-errors.ts';
import { dispatch } from '../handlers/dispatch.ts';
import { answerGrant } from '../handlers/engine-server.ts';
import type { EventBus } from '../handlers/event-bus.ts';
import type { Logger } from '../handlers/logger.ts';
import type { DownloadFormat, Engine } from '../handlers/types.ts';

/**
 * What the browser host needs of an engine, wherever it runs: in a child process of its own
 * (`ChildEngine`, what `npm run serve` uses, so a file that kills the engine does not kill the host),
 * or in the host's process (`inProcessLink`, for tests of the HTTP layer alone).
 */
export interface EngineLink {
  readonly dataDir: string;
  readonly log: Logger;
  /** Events of the engine, as the host's event stream forwards them. */
  readonly bus: EventBus;
  /** One contract call; `signal` aborts it (the HTTP client went away). Always resolves with a reply. */
  call(name: string, input: unknown, signal?: AbortSignal): Promise<Reply<unknown>>;
  /** Grants a file the operator uploaded (see `FileGrants`). */
  grant(request: GrantRequest): Promise<GrantReply>;
  /** Streams a run's error report into `out` and ends it; resolves with a reply. */
  exportReport(
    runId: string,
    format: DownloadFormat,
    out: Writable,
    signal: AbortSignal,
    filter?: ReportRowFilter,
  ): Promise<Reply<{ rows: number }>>;
}

/** An engine in the host's own process behind the link (a fatal error in it ends the host). */
export function inProcessLink(engine: Engine): EngineLink {
  return {
    dataDir: engine.dataDir,
    log: engine.log,
    bus: engine.bus,
    call: (name, input, signal) =>
      dispatch(engine.handlers, name, input, engine.log, signal ? { signal } : {}),
    grant: (request) => answerGrant(engine, request),
    async exportReport(runId, format, out, signal, filter) {
      try {
        return { ok: true, value: await engine.exportReport(runId, format, out, signal, filter) };
      } catch (error) {
        return { ok: false, error: toContractError(error, 'reports.export', engine.log) };
      }
    },
  };
}
