import { RequestValidationError } from '../errors/request-validation-error.js';
import type { ChatRequestBody } from '../usage/chat-types.js';
import type { Usage } from '../usage/usage.js';
import { CallLifecycle, providerBody } from './call-lifecycle.js';
import { chatRequestParser } from './chat-request-schema.js';
import type { GatewayState } from './gateway-state.js';
import { resolveTarget } from './resolve-target.js';
import type { ChatOptions, TargetInfo } from './types.js';

/** How a call admitted by `gateway.admit` ended: what `end` records. */
export interface AdmittedCallEnd {
  /** The usage the provider reported; null when unknown (then the call is charged nothing beyond its request). */
  usage?: Usage | null;
  finishReason?: string | null;
  /** The model id the provider answered with, when it says. */
  servedModel?: string | null;
  providerRequestId?: string | null;
  /** The call failed: the event records the error (a tollgate error by its code). */
  error?: unknown;
  /** The caller stopped reading a stream: the event records `aborted`. */
  cancelled?: boolean;
}

/** A call admitted by `gateway.admit`: made by the caller's code, recorded by `end`. */
export interface AdmittedCall {
  /** The usage event's `requestId`. */
  readonly requestId: string;
  /** Where the call is counted: integration, provider, workspace, key, model. */
  readonly target: TargetInfo;
  /**
   * The output limit the call must send upstream, or null when the request's own `max_tokens`
   * stands: without one, the gateway reserved a default (or shrank it to what a limit has
   * left), and only an upstream limit that low keeps the cost within the reservation.
   */
  readonly maxOutputTokens: number | null;
  /**
   * Settles the call: its reservation replaced by the usage, one usage event. Only the first
   * call counts. Returns the cost in USD (null when the price is unknown or nothing was admitted).
   */
  end(result: AdmittedCallEnd): number | null;
}

/**
 * Admits a call the caller's own code makes (another SDK, a provider tollgate has no adapter
 * for): validation, the target, access and the model allowlist, and every limit of every scope,
 * reserved in one store call, as `gateway.chat` does; the caller then makes the call and ends it
 * with its usage. A refusal throws the same typed errors, and emits its usage event.
 */
export async function runAdmit(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<AdmittedCall> {
  const call = new CallLifecycle(state, 'chat', input, options);
  try {
    const data = call.begin(chatRequestParser);
    if (data.fallbacks) throw new RequestValidationError([{ path: 'fallbacks', message: 'gateway.admit takes one model: the caller makes the call, and its own fallbacks' }]);
    let policy = call.ready();
    if (policy instanceof Promise) policy = await policy;
    const target = resolveTarget({ model: data.model, workspace: data.workspace, key: data.key }, policy, call.record.startedAt);
    const info = call.enter(target);
    let cap = call.admit(providerBody<ChatRequestBody>(data, target.model));
    if (cap instanceof Promise) cap = await cap;
    return {
      requestId: call.record.requestId,
      target: info,
      maxOutputTokens: cap,
      end: (result) =>
        call.finish({
          usage: result.usage ?? null,
          finishReason: result.finishReason ?? null,
          servedModel: result.servedModel ?? null,
          providerRequestId: result.providerRequestId ?? null,
          ...(result.error !== undefined ? { error: result.error } : {}),
          ...(result.cancelled ? { cancelled: true } : {}),
        }),
    };
  } catch (error) {
    throw call.fail(error);
  }
}
