/** Where deliveries go, with the parts of the URL that must never be printed kept apart. */
export interface WebhookTarget {
  /** The URL fetched: without credentials (fetch refuses them) and without a fragment. */
  readonly url: string;
  /** `Basic ...` from the URL's `user:password@`, or null. */
  readonly authorization: string | null;
  /** Safe to print: the origin only. Webhook URLs often carry a token in their path or query. */
  readonly display: string;
  /** Strings to remove from any error text: the URL, its path and query, the credentials. */
  readonly redactions: readonly string[];
}

/** Parses the webhook URL; returns a problem as a message that never repeats the URL. */
export function parseWebhookUrl(input: unknown): WebhookTarget | { problem: string } {
  if (typeof input !== 'string' && !(input instanceof URL)) return { problem: 'must be an http(s) URL (a string or a URL)' };
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return { problem: 'is not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `must use http: or https: (got ${url.protocol}); webhooks are POSTed over HTTP` };
  }
  const redactions = new Set<string>([String(input), url.href]);
  let authorization: string | null = null;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    for (const part of [url.username, url.password, user, password]) redactions.add(part);
    authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    redactions.add(authorization.slice('Basic '.length));
    url.username = '';
    url.password = '';
  }
  url.hash = '';
  redactions.add(url.href);
  redactions.add(`${url.pathname}${url.search}`);
  if (url.search !== '') redactions.add(url.search.slice(1));
  return { url: url.href, authorization, display: url.origin, redactions: [...redactions].filter((s) => s !== '' && s !== '/') };
}
