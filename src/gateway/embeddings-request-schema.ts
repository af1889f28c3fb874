import { z } from 'zod';
import { compiledOnUse } from '../util/compiled-on-use.js';

/** An embeddings request: OpenAI's body plus the gateway's own fields. Other fields pass through. */
export const embeddingsRequestSchema = z.looseObject({
  /** `@integration/model`, or a bare model id when `key` is given. */
  model: z.string().min(1, 'is required'),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1, 'must not be empty'),
    z.array(z.number().int()).min(1, 'must not be empty'),
    z.array(z.array(z.number().int()).min(1)).min(1, 'must not be empty'),
  ]),
  workspace: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  dimensions: z.number().int().positive().optional(),
  encoding_format: z.enum(['float', 'base64']).optional(),
  user: z.string().optional(),
});

/** The parse of every embeddings request: compiled once hot. */
export const embeddingsRequestParser = compiledOnUse(embeddingsRequestSchema);
