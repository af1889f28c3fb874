import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import type { Usage } from '../../usage/usage.js';
import type { OpenAIUsage } from '../openai/openai-api.js';
import { createCompatibleAdapter } from '../openai-compatible/openai-compatible-provider.js';
import type { ProviderDefinition } from '../provider-definition.js';

/**
 * A vendor that speaks OpenAI's Chat Completions, known by name: where it lives, how it is
 * authenticated, how it reports usage. What it does not say is OpenAI's behaviour.
 */
export interface VendorPreset {
  /** The provider id integrations name (`provider: 'deepseek'`). */
  readonly id: string;
  /** Its API root in OpenAI's format, used when the integration gives no `baseURL`. */
  readonly baseURL: string;
  /** A server run by the user (Ollama, vLLM, LM Studio): no key required, a localhost default. */
  readonly local?: boolean;
  /**
   * How it reports a stream's usage: `ask` when asked with `stream_options.include_usage` (sent
   * on every stream), `sent` unasked, in its last chunk or in every one: the option is then not
   * sent (Mistral rejects it, OpenRouter has deprecated it).
   */
  readonly streamUsage: 'ask' | 'sent';
  /** Its usage as normalized usage, where it differs from OpenAI's. */
  readonly convertUsage?: (usage: OpenAIUsage) => Usage;
  /** Where its chunks carry usage besides `usage`. */
  readonly usageOf?: (body: Record<string, unknown>) => unknown;
  /** Its answers state what it charged: the integration may charge that figure (`chargeProviderCost`). */
  readonly statesCost?: boolean;
}

/** The integration fields of a preset: its credentials, and `chargeProviderCost` where the vendor states a cost. */
function presetFields(preset: VendorPreset): z.ZodRawShape {
  return {
    /** Sent as `Authorization: Bearer` (optional for a local server). */
    credentials: preset.local ? z.strictObject({ apiKey: secretSchema.optional() }).default({}) : z.strictObject({ apiKey: secretSchema }),
    ...(preset.statesCost
      ? {
          /**
           * Charge budgets what the vendor says it charged (its usage's cost) rather than
           * tollgate's figure from the catalog, when an answer states one. Default false.
           */
          chargeProviderCost: z.boolean().default(false),
        }
      : {}),
  };
}

/** The provider definition of a preset: OpenAI's adapter at the vendor's URL, with its usage. */
export function presetProvider(preset: VendorPreset): ProviderDefinition {
  return {
    id: preset.id,
    fields: presetFields(preset),
    createAdapter(settings) {
      return createCompatibleAdapter(preset.id, settings.baseURL ?? preset.baseURL, {
        streamUsage: preset.streamUsage,
        ...(preset.convertUsage ? { convertUsage: preset.convertUsage } : {}),
        ...(preset.usageOf ? { usageOf: preset.usageOf } : {}),
      });
    },
  };
}
