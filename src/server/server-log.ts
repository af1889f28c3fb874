import type { AnsweredRequest } from '../http/answered-request.js';

/** One request as the server logs it: the endpoint's own report, or the dashboard's and the probes'. */
export type RequestLine = Omit<AnsweredRequest, 'aborted'> & { aborted?: boolean };

/** The server's log: one line per request, and its startup and shutdown lines. */
export interface ServerLog {
  request(line: RequestLine): void;
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A log on stdout (errors on stderr): one JSON object per line (`json`, for log collectors), or
 * a line a person reads (`pretty`). A request line names the key by its id, never its token.
 */
export function serverLog(format: 'json' | 'pretty', out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), err: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): ServerLog {
  const time = () => new Date().toISOString();
  const fieldsText = (fields: Record<string, unknown>) =>
    Object.entries(fields)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${v instanceof Error ? v.message : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
  const plain = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v.message : v]));
  if (format === 'pretty') {
    return {
      request: (r) => out(`${time().slice(11, 23)} ${r.status} ${r.method} ${r.route ?? '-'} ${r.durationMs.toFixed(1)} ms ${fieldsText({ key: r.key, workspace: r.workspace, model: r.model, aborted: r.aborted || null, id: r.requestId })}`.trimEnd()),
      info: (message, fields = {}) => out(`${time().slice(11, 23)} ${message} ${fieldsText(fields)}`.trimEnd()),
      error: (message, fields = {}) => err(`${time().slice(11, 23)} ERROR ${message} ${fieldsText(fields)}`.trimEnd()),
    };
  }
  return {
    request: (r) =>
      out(
        JSON.stringify({
          time: time(),
          level: 'info',
          msg: 'request',
          requestId: r.requestId,
          method: r.method,
          route: r.route,
          status: r.status,
          durationMs: Math.round(r.durationMs * 10) / 10,
          key: r.key,
          workspace: r.workspace,
          model: r.model,
          ...(r.aborted ? { aborted: true } : {}),
        }),
      ),
    info: (message, fields = {}) => out(JSON.stringify({ time: time(), level: 'info', msg: message, ...plain(fields) })),
    error: (message, fields = {}) => err(JSON.stringify({ time: time(), level: 'error', msg: message, ...plain(fields) })),
  };
}
