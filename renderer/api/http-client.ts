import {
  CallError,
  CODES,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type ContractError,
  type EventName,
  type EventPayload,
  events,
  type GrantedFileDto,
  type LoadstoneApi,
  type Reply,
  type ReportRowFilter,
} from '../../core/common/contract/index.ts';

/** State of the push-event stream, for the "reconnecting" banner. */
export type StreamState = 'connecting' | 'open' | 'reconnecting';

/** The browser host's client: the typed API plus the two things only HTTP needs. */
export interface HttpApi extends LoadstoneApi {
  /** Sends a picked or dropped file to the host; resolves to the host's grant for it (a handle). */
  upload(file: Blob, name: string): Promise<GrantedFileDto>;
  /**
   * URL of a run's error report: the rows `filter` selects (every row without one). It holds no
   * credential: follow it with `download`.
   */
  exportUrl(runId: string, format: 'csv' | 'json' | 'ndjson', filter?: ReportRowFilter): string;
  /** URL of a run's export for fixing (`bom`: with a byte-order mark); follow it with `download`. */
  fixingUrl(runId: string, bom: boolean): string;
  /**
   * Downloads `url` (an `exportUrl` or `fixingUrl` of `runId`) as `fileName`: asks the host for a
   * one-use ticket with the token, then follows the link with the ticket. A followed link's URL stays
   * in the browser's download list, so it never holds the launch token.
   */
  download(runId: string, url: string, fileName: string): Promise<void>;
  /** Observes the event stream's state; returns the unsubscribe function. */
  onStreamState(listener: (state: StreamState) => void): () => void;
  /** Closes the event stream. */
  close(): void;
}

export interface HttpClientOptions {
  /** Origin (and optional path prefix) of the host, e.g. `http://127.0.0.1:5173`; '' for same origin. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** EventSource constructor (injected for environments without one). */
  EventSource?: typeof EventSource;
}

const EVENT_NAMES = Object.keys(events) as EventName[];
const MAX_BACKOFF_MS = 10_000;

/**
 * Implements `LoadstoneApi` over the browser host's protocol:
 * `POST /api/call/<command>` with a bearer token, Server-Sent Events on `/api/events`.
 */
export function createHttpClient(options: HttpClientOptions): HttpApi {
  const base = options.baseUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const ES = options.EventSource ?? globalThis.EventSource;
  const auth = { Authorization: `Bearer ${options.token}` };
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: StreamState) => void>();
  let source: EventSource | null = null;
  let state: StreamState = 'connecting';
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let backoff = 500;
  let closed = false;

  const setState = (next: StreamState) => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const dispatch = (name: EventName, data: string) => {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      console.warn(`loadstone: ignored a '${name}' event that is not JSON`);
      return;
    }
    // Validate what the engine pushes like any input: a bad payload must not reach the UI as truth.
    const parsed = events[name].safeParse(json);
    if (!parsed.success) {
      console.warn(`loadstone: ignored a malformed '${name}' event`, parsed.error.issues);
      return;
    }
    for (const l of listeners.get(name) ?? []) l(parsed.data);
  };

  const connect = () => {
    if (closed || source || !ES) return;
    const es = new ES(`${base}/api/events?token=${encodeURIComponent(options.token)}`);
    source = es;
    for (const name of EVENT_NAMES)
      es.addEventListener(name, (e) => dispatch(name, (e as MessageEvent).data));
    es.onopen = () => {
      backoff = 500;
      setState('open');
    };
    es.onerror = () => {
      // EventSource retries by itself while CONNECTING; once CLOSED (e.g. a 401 or the host
      // restarted) it gives up, so reconnect with a capped backoff.
      if (es.readyState === ES.CLOSED) {
        es.close();
        source = null;
        setState('reconnecting');
        if (!closed && retryTimer === null) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            connect();
          }, backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      } else {
        setState('reconnecting');
      }
    };
  };

  async function readReply<T>(response: Response, what: string): Promise<T> {
    const text = await response.text();
    let reply: Reply<T> | undefined;
    try {
      reply = JSON.parse(text) as Reply<T>;
    } catch {
      reply = undefined;
    }
    if (reply && typeof reply === 'object' && 'ok' in reply) {
      if (reply.ok) return reply.value;
      throw new CallError(reply.error);
    }
    // Not a contract reply (a proxy's error page, a crashed host): say what came back.
    const error: ContractError =
      response.status === 401
        ? {
            code: CODES.UNAUTHORIZED,
            message: 'The engine refused the access token. Open the URL printed by `npm run serve` again.',
          }
        : {
            code: CODES.BAD_REPLY,
            message: `${what} failed: HTTP ${response.status} ${response.statusText}`.trim(),
            details: { status: response.status },
          };
    throw new CallError(error);
  }

  async function post<T>(url: string, body: BodyInit, contentType: string, what: string): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': contentType },
        body,
      });
    } catch (cause) {
      throw new CallError({
        code: CODES.ENGINE_UNREACHABLE,
        message: `Cannot reach the Loadstone engine (${cause instanceof Error ? cause.message : String(cause)}). Is the host still running?`,
      });
    }
    return readReply<T>(response, what);
  }

  return {
    call<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>> {
      return post<CommandOutput<N>>(
        `${base}/api/call/${encodeURIComponent(name)}`,
        JSON.stringify(input ?? {}),
        'application/json',
        name,
      );
    },
    on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      connect();
      return () => {
        set.delete(l);
      };
    },
    upload(file: Blob, name: string): Promise<GrantedFileDto> {
      return post<GrantedFileDto>(
        `${base}/api/upload?name=${encodeURIComponent(name)}`,
        file,
        file.type || 'application/octet-stream',
        'Upload',
      );
    },
    exportUrl(runId, format, filter = {}) {
      const query = new URLSearchParams({ format });
      for (const key of ['stage', 'column', 'reason', 'text'] as const) {
        const value = filter[key];
        if (value) query.set(key, value);
      }
      return `${base}/api/reports/${encodeURIComponent(runId)}/export?${query}`;
    },
    fixingUrl(runId, bom) {
      return `${base}/api/reports/${encodeURIComponent(runId)}/export?format=fixing${bom ? '&bom=1' : ''}`;
    },
    async download(runId, url, fileName) {
      const { ticket } = await post<{ ticket: string }>(
        `${base}/api/reports/${encodeURIComponent(runId)}/ticket`,
        '{}',
        'application/json',
        'Download',
      );
      const link = document.createElement('a');
      link.href = `${url}${url.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`;
      link.download = fileName;
      document.body.append(link);
      link.click();
      link.remove();
    },
    onStreamState(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close() {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      source?.close();
      source = null;
    },
  };
}
