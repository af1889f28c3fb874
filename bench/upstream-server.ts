/**
 * An OpenAI-shaped upstream for the bench, in its own process (role `upstream`): node:http with
 * keep-alive, answering `POST .../chat/completions` as OpenAI documents it. A stream sends
 * `max_tokens` content chunks (so one server serves a 1-chunk and a 100-chunk stream), then the
 * usage chunk and `[DONE]`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { untilStdinEnds } from './roles.js';

const content = 'Revenue grew 12%. Costs fell 3%. Margin rose to 21%.';

const completion = (model: string) =>
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 14, completion_tokens: 18, total_tokens: 32 },
    system_fingerprint: 'fp_bench',
  });

const chunk = (model: string, delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;

export async function serveUpstream(): Promise<void> {
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { model: string; stream?: boolean; max_tokens?: number; max_completion_tokens?: number };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-bench' });
        res.end(completion(body.model));
        return;
      }
      const n = body.max_tokens ?? body.max_completion_tokens ?? 1;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req-bench' });
      for (let i = 0; i < n; i++) res.write(chunk(body.model, i === 0 ? { role: 'assistant', content: 'tok ' } : { content: 'tok ' }, i === n - 1 ? 'stop' : null));
      const usage = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model, choices: [], usage: { prompt_tokens: 14, completion_tokens: n, total_tokens: 14 + n } };
      res.end(`data: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  await untilStdinEnds();
  server.closeAllConnections();
  server.close();
}
