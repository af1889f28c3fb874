import type { CallTarget } from './limiter-context.js';
import type { CallAttributes } from './limit-plan.js';
import type { ResolvedPrice } from './pricing/resolve-price.js';

/** What the gateway tells the limits of a call for its note (the gateway's record of the call fits it). */
export interface CallAbout {
  readonly operation: 'chat' | 'embeddings';
  readonly stream: boolean;
  readonly requestedModel: string | null;
  /** Epoch ms, the gateway's clock. */
  readonly startedAt: number;
}

/**
 * The note a call's reservation keeps (see AdmitInput.note): everything its usage event needs
 * should its process die before settling it, when the reservation expires and is charged at the
 * worst case it reserved. The ledger fields are named as a LedgerEntry's, for a store that writes
 * the ledger row of such a call itself (PostgreSQL).
 */
export interface CallNote extends CallAbout {
  requestId: string;
  workspace: string;
  integration: string;
  provider: string;
  model: string;
  key: string | null;
  user: string | null;
  metadata: Readonly<Record<string, string>>;
  /** The reservation: input tokens bounded, output tokens reserved, their worst-case cost (null: unpriced). */
  inputTokens: number;
  outputTokens: number;
  costMicros: number | null;
  priceSource: ResolvedPrice['source'] | null;
}

/** The note of an admission, made only when the store asks for it (at admission for a shared store, at expiry for the memory store). */
export function callNote(
  requestId: string,
  about: CallAbout,
  target: CallTarget,
  attributes: CallAttributes,
  reserved: { inputTokens: number; outputTokens: number; costMicros: number | null },
  price: ResolvedPrice | null,
): () => string {
  return () => {
    const note: CallNote = {
      requestId,
      operation: about.operation,
      stream: about.stream,
      requestedModel: about.requestedModel,
      startedAt: about.startedAt,
      workspace: target.workspace,
      integration: target.integration.slug,
      provider: target.integration.provider,
      model: target.model,
      key: target.key?.id ?? null,
      user: attributes.user,
      metadata: attributes.metadata,
      inputTokens: reserved.inputTokens,
      outputTokens: reserved.outputTokens,
      costMicros: reserved.costMicros,
      priceSource: price?.source ?? null,
    };
    return JSON.stringify(note);
  };
}
