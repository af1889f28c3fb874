import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '../helpers/http-gateway.js';

/**
 * A local OpenAI-compatible server (node:http on 127.0.0.1), as a self-hosted model serves one:
 * `POST /v1/chat/completions` answers `reply` as JSON, or as Server-Sent Events word by word with
 * the usage in a last chunk when `stream_options.include_usage` is set. It reports `usage`
 * tokens, and records the bodies it received.
 */
export async function localLlmServer(options: { reply?: string; usage?: { prompt: number; completion: number } } = {}) {
  const reply = options.reply ?? 'Hello from the local model';
  const usage = options.usage ?? { prompt: 40, completion: 12 };
  const bodies: Array<Record<string, unknown>> = [];
  const served = await listen((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      bodies.push(body);
      const wireUsage = { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion };
      const base = { id: 'chatcmpl-local-1', created: 1_764_800_000, model: body.model };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }], usage: wireUsage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      reply.split(/(?<= )/).forEach((word) => chunk([{ index: 0, delta: { content: word }, finish_reason: null }]));
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
      if (body.stream_options?.include_usage) chunk([], { usage: wireUsage });
      res.end('data: [DONE]\n\n');
    });
  });
  return { baseURL: `${served.origin}/v1`, bodies, reply, usage };
}
