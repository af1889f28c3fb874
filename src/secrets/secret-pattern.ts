import { LRUCache } from 'lru-cache';

/**
 * What redaction looks for, built once per list of secret values. Upstream text echoes a key in
 * many shapes besides the key itself: cut short, without its `sk-` prefix, upper-cased, inside a
 * Basic header (base64), as hex, or masked (`sk-abc…wxyz`). So a secret is matched by its runs:
 * any RUN characters in a row of the value, of its base64 forms (each byte alignment, standard
 * and URL alphabets) or of its hex form, in any ASCII letter case. A value shorter than RUN is
 * matched whole (from MIN_LENGTH characters on).
 */
export const RUN = 8;
const MIN_LENGTH = 4;

export interface SecretPattern {
  /** Every RUN-character window of the forms of the secrets, ASCII lower-cased. */
  readonly runs: ReadonlySet<string>;
  /** Values too short for runs, lower-cased: matched whole. */
  readonly short: readonly string[];
  /** Every secret value, lower-cased: what the visible ends of a mask are compared with. */
  readonly values: readonly string[];
}

/** ASCII letters lowered, nothing else: indices in the result are indices in the text. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The forms a value is echoed in: itself, its base64 at each of the three byte alignments (both alphabets), its hex. */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [value, bytes.toString('hex')];
  for (let offset = 0; offset < 3 && offset < bytes.length; offset++) {
    // Bytes before the value change the first characters of its encoding, bytes after the last
    // ones: the characters in between are the same wherever the value stands.
    const b64 = bytes.subarray(offset).toString('base64').replace(/=+$/, '');
    forms.push(b64, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

function buildPattern(secrets: readonly string[]): SecretPattern {
  const runs = new Set<string>();
  const short: string[] = [];
  const values: string[] = [];
  for (const secret of secrets) {
    if (secret.length < MIN_LENGTH) continue;
    values.push(asciiLower(secret));
    if (secret.length < RUN) {
      short.push(asciiLower(secret));
      continue;
    }
    for (const form of formsOf(secret)) {
      const lower = asciiLower(form);
      for (let i = 0; i + RUN <= lower.length; i++) runs.add(lower.slice(i, i + RUN));
    }
  }
  return { runs, short, values };
}

// Redaction runs on the error path, with the same few credentials each time.
const cache = new LRUCache<string, SecretPattern>({ max: 256 });

/** The pattern of these secrets (cached: an integration's credentials come back call after call). */
export function secretPattern(secrets: readonly string[]): SecretPattern {
  const key = secrets.join('\u0000');
  let pattern = cache.get(key);
  if (!pattern) cache.set(key, (pattern = buildPattern(secrets)));
  return pattern;
}
