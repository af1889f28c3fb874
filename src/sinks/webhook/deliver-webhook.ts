import { randomUUID } from 'node:crypto';
import { redactText } from '../../secrets/redact-secrets.js';
import type { SinkNotice } from '../../events/sink.js';
import { parseRetryAfter } from '../../util/retry-after.js';
import { AttemptSignal } from '../../util/link-signal.js';
import { retrying } from '../../util/retry.js';
import { untilAborted } from '../../util/until-aborted.js';
import { WebhookDeliveryError } from './webhook-delivery-error.js';
import { webhookHeaders } from './webhook-headers.js';
import type { ParsedWebhookOptions } from './webhook-options.js';
import { webhookBody } from './webhook-payload.js';

/** Why one attempt failed, and whether another may succeed. */
class AttemptFailure extends Error {
  constructor(
    readonly reason: string,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(reason);
    this.name = 'AttemptFailure';
  }
}

/** Timeouts, rate limits and server errors may pass on a later attempt; other answers will not. */
const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * POSTs one notice: a new delivery id, the body serialized once, each attempt signed anew.
 * Resolves on a 2xx; otherwise rejects with a WebhookDeliveryError (reported by the gateway as
 * `sink.error`), or with the signal's reason once the gateway stopped waiting: no attempt and
 * no wait outlives the delivery's signal.
 */
export async function deliverWebhook(notice: SinkNotice, signal: AbortSignal, o: ParsedWebhookOptions): Promise<void> {
  const id = randomUUID();
  const body = webhookBody(notice, id);
  const fail = (reason: string, attempts: number, status: number | null) =>
    new WebhookDeliveryError({ deliveryId: id, event: notice.type, target: o.target.display, attempts, status, reason });

  let secret: string;
  try {
    secret = await untilAborted(o.secret(), signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // A SecretResolutionError names the source (`env:NAME`), never a value.
    throw fail(`the signing secret is unavailable: ${error instanceof Error ? error.message : 'unknown error'}`, 0, null);
  }
  // Whatever a fetch implementation puts in its errors, none of these may come out.
  const redact = (text: string) => redactText(text, [...o.target.redactions, secret]);

  const attempt = async (): Promise<void> => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders({ id, type: notice.type, body, secret, timestamp, authorization: o.target.authorization });
    const attemptSignal = new AttemptSignal(signal, o.attemptTimeoutMs);
    let response: Response;
    try {
      response = await o.fetch(o.target.url, { method: 'POST', headers, body, signal: attemptSignal.signal, redirect: 'manual' });
      // The answer's body means nothing to us; cancelling it frees the connection.
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (attemptSignal.timedOut) throw new AttemptFailure(`no answer within ${o.attemptTimeoutMs} ms`, null, true);
      throw new AttemptFailure(`network error: ${redact(networkReason(error))}`, null, true);
    } finally {
      attemptSignal.dispose();
    }
    if (response.ok) return;
    const status = response.status;
    const text = `HTTP ${status}${response.statusText ? ` ${redact(response.statusText)}` : ''}`;
    if (status >= 300 && status < 400) throw new AttemptFailure(`${text} (redirects are not followed: point the sink at the final URL)`, status, false);
    if (!isRetryableStatus(status)) throw new AttemptFailure(`${text} (not retried)`, status, false);
    throw new AttemptFailure(text, status, true, parseRetryAfter(response.headers));
  };

  // Retry-After within the bound, else exponential backoff minus up to 25 % jitter, so that many
  // gateways failing together do not come back together (the gateway's own retry loop).
  let attempts = 0;
  try {
    await retrying(
      () => {
        attempts++;
        return attempt();
      },
      {
        policy: o.retry,
        signal,
        retryable: (error) => (error instanceof AttemptFailure && error.retryable ? error : null),
        giveUp: (error, reason) => {
          const failure = error as AttemptFailure;
          if (reason === 'exhausted') return failure;
          return new AttemptFailure(`${failure.reason} (Retry-After of ${failure.retryAfterMs} ms is beyond retry.maxRetryAfterMs, ${o.retry.maxRetryAfterMs} ms)`, failure.status, false);
        },
      },
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof AttemptFailure) throw fail(error.reason, attempts, error.status);
    throw fail(redact(error instanceof Error ? error.message : String(error)), attempts, null);
  }
}

/** Node's fetch says `fetch failed` and puts the reason (`connect ECONNREFUSED 127.0.0.1:9`) in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
