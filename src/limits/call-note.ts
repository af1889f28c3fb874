import { NOTE } from '../stores/call-note-fields.js';
import type { Target } from '../config/policy.js';
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
 * A call as its reservation's note describes it (see AdmitInput.note): everything its usage
 * event needs should its process die before settling it, when the reservation expires and is
 * charged at the worst case it reserved.
 */
export interface CallNote extends CallAbout {
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

const OPERATIONS = { chat: 'c', embeddings: 'e' } as const;

/** The note of an admission, made only when the store asks for it (at admission for a shared store, at expiry for the memory store). */
export function callNote(
  about: CallAbout,
  target: Target,
  attributes: CallAttributes,
  inputTokens: number,
  outputTokens: number,
  costMicros: number | null,
  price: ResolvedPrice | null,
): () => string {
  return () => {
    const slug = target.integration.slug;
    const note: unknown[] = [];
    note[NOTE.version] = 1;
    note[NOTE.operation] = OPERATIONS[about.operation];
    note[NOTE.stream] = about.stream ? 1 : 0;
    note[NOTE.startedAt] = about.startedAt;
    note[NOTE.workspace] = target.workspace;
    note[NOTE.integration] = slug;
    note[NOTE.provider] = target.integration.provider;
    note[NOTE.model] = target.model;
    note[NOTE.key] = target.key?.id ?? null;
    note[NOTE.user] = attributes.user;
    note[NOTE.inputTokens] = inputTokens;
    note[NOTE.outputTokens] = outputTokens;
    note[NOTE.costMicros] = costMicros;
    note[NOTE.priceSource] = price?.source ?? null;
    const metadata = Object.keys(attributes.metadata).length > 0 ? attributes.metadata : null;
    if (about.requestedModel !== `@${slug}/${target.model}` || metadata) note[NOTE.requestedModel] = about.requestedModel;
    if (metadata) note[NOTE.metadata] = metadata;
    return JSON.stringify(note);
  };
}

/** A note read back; null for a text that is not one. */
export function readCallNote(text: string): CallNote | null {
  let note: unknown;
  try {
    note = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(note) || note[NOTE.version] !== 1) return null;
  const str = (i: number) => (typeof note[i] === 'string' ? (note[i] as string) : null);
  const num = (i: number) => (typeof note[i] === 'number' ? (note[i] as number) : null);
  const integration = str(NOTE.integration) ?? '';
  const model = str(NOTE.model) ?? '';
  return {
    operation: note[NOTE.operation] === 'e' ? 'embeddings' : 'chat',
    stream: note[NOTE.stream] === 1,
    startedAt: num(NOTE.startedAt) ?? 0,
    workspace: str(NOTE.workspace) ?? '',
    integration,
    provider: str(NOTE.provider) ?? '',
    model,
    key: str(NOTE.key),
    user: str(NOTE.user),
    inputTokens: num(NOTE.inputTokens) ?? 0,
    outputTokens: num(NOTE.outputTokens) ?? 0,
    costMicros: num(NOTE.costMicros),
    priceSource: str(NOTE.priceSource) as CallNote['priceSource'],
    requestedModel: note.length > NOTE.requestedModel ? str(NOTE.requestedModel) : `@${integration}/${model}`,
    metadata: (note[NOTE.metadata] as Record<string, string> | undefined) ?? {},
  };
}
