import type { ChatCompletion, ChatCompletionChunk, CompletionUsage, FinishReason } from '../usage/chat-types.js';
import type { ResponseObject, ResponsesEvent } from '../usage/responses-types.js';
import { startedOnReturn } from '../util/started-on-return.js';
import type { ResponsesEcho } from './translate-request.js';

/** Ids of one response and its items, from the request id (no dashes, as OpenAI's). */
export function responseIds(requestId: string) {
  const base = requestId.replace(/-/g, '');
  return { response: `resp_${base}`, message: `msg_${base}`, call: (n: number) => `fc_${base}_${n}` };
}

type Ids = ReturnType<typeof responseIds>;

/** Chat usage as the Responses API's. */
function responsesUsage(usage: CompletionUsage | null | undefined) {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

/** The response object around `output`, echoing the request as OpenAI does. */
function responseObject(ids: Ids, echo: ResponsesEcho, fields: { created: number; model: string; status: string; output: unknown[]; usage: ReturnType<typeof responsesUsage>; finish: FinishReason | null }): ResponseObject {
  return {
    id: ids.response,
    object: 'response',
    created_at: fields.created,
    status: fields.status,
    error: null,
    incomplete_details: fields.finish === 'length' ? { reason: 'max_output_tokens' } : fields.finish === 'content_filter' ? { reason: 'content_filter' } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_p: echo.top_p,
    truncation: 'disabled',
    usage: fields.usage,
    user: echo.user,
    metadata: echo.metadata,
  };
}

const statusOf = (finish: FinishReason | null) => (finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed');

const messageItem = (id: string, text: string, status: string) => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
});

const callItem = (id: string, call: { id: string; name: string; args: string }, status: string) => ({ type: 'function_call', id, call_id: call.id, name: call.name, arguments: call.args, status });

/** A chat completion as a Responses API response: the text as a message item, each tool call as a function_call item. */
export function responseOf(completion: ChatCompletion, requestId: string, echo: ResponsesEcho): ResponseObject {
  const ids = responseIds(requestId);
  const choice = completion.choices[0];
  const finish = choice?.finish_reason ?? null;
  const output: unknown[] = [];
  if (choice?.message.content) output.push(messageItem(ids.message, choice.message.content, 'completed'));
  (choice?.message.tool_calls ?? []).forEach((call, n) => output.push(callItem(ids.call(n), { id: call.id, name: call.function.name, args: call.function.arguments }, 'completed')));
  return responseObject(ids, echo, { created: completion.created, model: completion.model, status: statusOf(finish), output, usage: responsesUsage(completion.usage), finish });
}

/**
 * A chat stream as the Responses API's events: `response.created`, the message item and its text
 * deltas, function_call items and their argument deltas, each item done, then
 * `response.completed` (or `response.incomplete`) with the usage. A failure of the chat stream
 * is thrown, as the chat stream throws it. Returning the iterator early returns the chat stream's.
 */
export function responsesEventsOf(stream: AsyncIterable<ChatCompletionChunk>, requestId: string, echo: ResponsesEcho): AsyncIterableIterator<ResponsesEvent> {
  return startedOnReturn(generate(stream, responseIds(requestId), echo));
}

async function* generate(stream: AsyncIterable<ChatCompletionChunk>, ids: Ids, echo: ResponsesEcho): AsyncGenerator<ResponsesEvent, undefined> {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>): ResponsesEvent => ({ type, sequence_number: sequence++, ...data });
  let created = Math.floor(Date.now() / 1000);
  let model = '';
  let started = false;
  let text: string | null = null;
  let usage: CompletionUsage | null = null;
  let finish: FinishReason | null = null;
  const output: Array<{ kind: 'message' } | { kind: 'call'; n: number; call: { id: string; name: string; args: string } }> = [];
  const calls = new Map<number, { n: number; call: { id: string; name: string; args: string } }>();
  const response = (status: string, items: unknown[], withUsage: ReturnType<typeof responsesUsage>) => responseObject(ids, echo, { created, model, status, output: items, usage: withUsage, finish });
  for await (const chunk of stream) {
    if (!started) {
      started = true;
      created = chunk.created;
      model = chunk.model;
      yield event('response.created', { response: response('in_progress', [], null) });
      yield event('response.in_progress', { response: response('in_progress', [], null) });
    }
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    const delta = choice.delta.content;
    if (delta) {
      if (text === null) {
        text = '';
        output.push({ kind: 'message' });
        const index = output.length - 1;
        yield event('response.output_item.added', { output_index: index, item: messageItem(ids.message, '', 'in_progress') });
        yield event('response.content_part.added', { item_id: ids.message, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      }
      text += delta;
      yield event('response.output_text.delta', { item_id: ids.message, output_index: output.findIndex((o) => o.kind === 'message'), content_index: 0, delta, logprobs: [] });
    }
    for (const d of choice.delta.tool_calls ?? []) {
      let entry = calls.get(d.index);
      if (!entry) {
        entry = { n: calls.size, call: { id: d.id ?? `call_${d.index}`, name: d.function?.name ?? '', args: '' } };
        calls.set(d.index, entry);
        output.push({ kind: 'call', ...entry });
        yield event('response.output_item.added', { output_index: output.length - 1, item: callItem(ids.call(entry.n), { ...entry.call, args: '' }, 'in_progress') });
      }
      const args = d.function?.arguments;
      if (args) {
        entry.call.args += args;
        const index = output.findIndex((o) => o.kind === 'call' && o.n === entry.n);
        yield event('response.function_call_arguments.delta', { item_id: ids.call(entry.n), output_index: index, delta: args });
      }
    }
  }
  if (!started) yield event('response.created', { response: response('in_progress', [], null) });
  const items: unknown[] = [];
  for (const [index, o] of output.entries()) {
    if (o.kind === 'message') {
      const done = messageItem(ids.message, text ?? '', 'completed');
      yield event('response.output_text.done', { item_id: ids.message, output_index: index, content_index: 0, text: text ?? '', logprobs: [] });
      yield event('response.content_part.done', { item_id: ids.message, output_index: index, content_index: 0, part: (done.content as unknown[])[0] });
      yield event('response.output_item.done', { output_index: index, item: done });
      items.push(done);
    } else {
      const done = callItem(ids.call(o.n), o.call, 'completed');
      yield event('response.function_call_arguments.done', { item_id: ids.call(o.n), output_index: index, arguments: o.call.args });
      yield event('response.output_item.done', { output_index: index, item: done });
      items.push(done);
    }
  }
  const status = statusOf(finish);
  yield event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: response(status, items, responsesUsage(usage)) });
  return undefined;
}
