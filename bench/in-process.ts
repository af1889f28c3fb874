/**
 * The in-process part of `npm run bench`: what `createFetch` costs over calling `gateway.chat`
 * directly (the full policy, a key by its token), through the WHATWG Request/Response round trip
 * alone and through the official `openai` client, whose own work (request building, response
 * parsing) is measured too, with the same client over a fetch that answers at once.
 */
import OpenAI from 'openai';
import { createFetch, generateKey } from '../src/http.js';
import { median, p50 } from './latency.js';
import { fullPolicyGateway, gatewayCall, messages } from './full-policy.js';

export interface InProcessFigures {
  /** p50 of each way in, µs, the median of interleaved rounds. */
  p50Micros: { gatewayChat: number; createFetch: number; openaiClient: number; openaiClientBare: number };
  /** createFetch minus gateway.chat; the openai client minus the same client on a fetch that answers at once. */
  addedMicros: { createFetch: number; openaiClient: number };
}

const ROUNDS = 5;
const body = JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 200 });



export async function benchInProcess(timeMs: number): Promise<InProcessFigures> {
  const { token, hash } = generateKey();
  const { gateway } = fullPolicyGateway({ hash });
  const direct = gatewayCall(gateway);
  const fetch = createFetch(gateway);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const viaFetch = async () => (await fetch('http://tollgate/v1/chat/completions', { method: 'POST', headers, body })).json();
  const client = new OpenAI({ apiKey: token, baseURL: 'http://tollgate/v1', fetch, maxRetries: 0 });
  const viaClient = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 200 });
  // The same client on a fetch that answers a fixed completion at once: the client's own cost.
  const reply = JSON.stringify(await viaFetch());
  const bare = new OpenAI({ apiKey: token, baseURL: 'http://tollgate/v1', fetch: async () => new Response(reply, { headers: { 'content-type': 'application/json' } }), maxRetries: 0 });
  const viaBare = () => bare.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 200 });

  const n = Math.max(500, Math.round(timeMs / ROUNDS / 4 / 0.05)); // about timeMs in all
  const rounds = { gatewayChat: [] as number[], createFetch: [] as number[], openaiClient: [] as number[], openaiClientBare: [] as number[] };
  for (const warm of [direct, viaFetch, viaClient, viaBare]) await p50(warm, 200);
  for (let r = 0; r < ROUNDS; r++) {
    rounds.gatewayChat.push(await p50(direct, n));
    rounds.createFetch.push(await p50(viaFetch, n));
    rounds.openaiClient.push(await p50(viaClient, n));
    rounds.openaiClientBare.push(await p50(viaBare, n));
  }
  await gateway.close();
  const p = { gatewayChat: median(rounds.gatewayChat), createFetch: median(rounds.createFetch), openaiClient: median(rounds.openaiClient), openaiClientBare: median(rounds.openaiClientBare) };
  return { p50Micros: p, addedMicros: { createFetch: p.createFetch - p.gatewayChat, openaiClient: p.openaiClient - p.openaiClientBare } };
}
