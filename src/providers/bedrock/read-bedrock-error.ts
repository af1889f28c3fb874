import type { ErrorBodyReader } from '../shared/provider-fetch.js';
import { bedrockErrorBodySchema } from './bedrock-api.js';

/**
 * AWS JSON errors put the message in the body and the type in the `x-amzn-errortype` header
 * (`ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/`), or in `__type`.
 */
export function readBedrockError(headers: Headers): ErrorBodyReader {
  return (body) => {
    const parsed = bedrockErrorBodySchema.safeParse(body);
    const json = parsed.success ? parsed.data : null;
    const rawType = headers.get('x-amzn-errortype') ?? (typeof json?.__type === 'string' ? json.__type : null);
    // `Type:namespace` in the header, `namespace#Type` in `__type`.
    const type = rawType ? (rawType.split(':')[0]!.split('#').at(-1) ?? null) : null;
    const message = json?.message ?? json?.Message;
    if (!type && !message) return null;
    return { message: message ?? type ?? undefined, type };
  };
}
