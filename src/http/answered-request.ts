import type { HttpAnswer } from './http-exchange.js';

/** One request the endpoint answered, as `createFetchHandler({ onAnswered })` receives it: an access log line. */
export interface AnsweredRequest {
  /** The call's id (`x-request-id`, the usage event's `requestId`). */
  requestId: string;
  method: string;
  /** The route the endpoint matched (`/v1/chat/completions`, `/v1/models/{id}`); null for a path it does not serve. */
  route: string | null;
  status: number;
  /** From the request's arrival to its answer; for a stream, to its last event (or the client leaving). */
  durationMs: number;
  /** The key the caller authenticated as (its id: never a token). */
  key: string | null;
  workspace: string | null;
  /** The model the request named. */
  model: string | null;
  /** A stream the client left before its end. */
  aborted: boolean;
}

/** What the endpoint learns of a request as it answers it. */
export interface AnswerFacts {
  route: string | null;
  key: string | null;
  workspace: string | null;
  model: string | null;
}

/**
 * The answer, reporting itself once complete: a JSON answer at once, a stream when its events
 * end, fail or are abandoned by the client (the iterator returned early).
 */
export function reportedWhenDone(answer: HttpAnswer, report: (status: number, aborted: boolean) => void): HttpAnswer {
  const body = answer.body;
  if (typeof body === 'string') {
    report(answer.status, false);
    return answer;
  }
  let reported = false;
  const done = (aborted: boolean) => {
    if (reported) return;
    reported = true;
    report(answer.status, aborted);
  };
  const events: AsyncIterableIterator<string> = {
    async next() {
      try {
        const result = await body.next();
        if (result.done) done(false);
        return result;
      } catch (error) {
        done(true);
        throw error;
      }
    },
    async return(value?: unknown) {
      done(true);
      return (await body.return?.(value)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return events;
    },
  };
  return { ...answer, body: events };
}
