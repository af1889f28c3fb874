/**
 * Reading the `.chunks.txt` fixtures: raw Server-Sent Events as a provider sends them, one event
 * per blank-line-terminated block (`\n\n`, or `\r\n\r\n` as Google sends).
 */

/** The raw SSE events of `text`, each with its terminating blank line. */
export function sseEvents(text: string): string[] {
  return text.split(/(?<=\r\n\r\n|\n\n)/).filter((e) => e.length > 0);
}

/**
 * The JSON `data` payloads of `text`'s events, in order. OpenAI's closing `data: [DONE]` is a
 * sentinel, not a payload, and is left out.
 */
export function ssePayloads<T = Record<string, unknown>>(text: string): T[] {
  return sseEvents(text)
    .map((event) => {
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (data === undefined) throw new Error(`an SSE event without data: ${event}`);
      return data.trim();
    })
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as T);
}
