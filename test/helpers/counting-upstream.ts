import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../../src/index.js';
import { listen } from './http-gateway.js';

/**
 * An OpenAI-compatible upstream (node:http on 127.0.0.1) that answers each chat completion after
 * `delayMs` and counts the requests it holds at once: what a concurrency limit must bound.
 */
export async function countingUpstream(delayMs: number) {
  const counts = { inFlight: 0, max: 0, served: 0 };
  const served = await listen((req: IncomingMessage, res: ServerResponse) => {
    counts.inFlight++;
    counts.max = Math.max(counts.max, counts.inFlight);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        counts.inFlight--;
        counts.served++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${counts.served}`,
            object: 'chat.completion',
            created: 1_764_800_000,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
          }),
        );
      }, delayMs);
    });
  });
  return { baseURL: `${served.origin}/v1`, counts };
}

/** An OpenAI-compatible integration `up` on that upstream, whose workspace `team-a` may run `limit` calls at once. */
export const countingIntegration = (baseURL: string, limit: number): GatewayConfig['integrations'][number] => ({
  slug: 'up',
  provider: 'openai-compatible',
  baseURL,
  customModels: [{ id: 'm', pricing: { input: 1, output: 1 } }],
  workspaces: { 'team-a': { rateLimits: [{ type: 'concurrency', limit }] } },
});
