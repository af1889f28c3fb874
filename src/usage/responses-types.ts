/**
 * OpenAI's Responses API (`POST /v1/responses`), as far as the gateway reads it. Every other
 * field passes through unchanged, in both directions.
 */

/** A Responses request body. */
export interface ResponsesRequestBody {
  model: string;
  /** A string, or input items (messages, function calls and their outputs, reasoning items). */
  input: string | unknown[];
  instructions?: string | null;
  stream?: boolean | null;
  /** Every output token, reasoning included. */
  max_output_tokens?: number | null;
  tools?: unknown[];
  metadata?: Record<string, string>;
  [extra: string]: unknown;
}

/** Usage as the Responses API reports it: cached tokens inside input, reasoning inside output. */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details?: { cached_tokens?: number | null } | null;
  output_tokens: number;
  output_tokens_details?: { reasoning_tokens?: number | null } | null;
  total_tokens?: number;
}

/** A response object (`object: 'response'`). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: string;
  model: string;
  output: unknown[];
  usage?: ResponsesUsage | null;
  [extra: string]: unknown;
}

/** One event of a Responses stream (`response.created`, `response.output_text.delta`, ..., `response.completed`). */
export interface ResponsesEvent {
  type: string;
  sequence_number?: number;
  [field: string]: unknown;
}
