import { readFileSync } from 'node:fs';

/** `fixtureText` and `fixtureJson`, reading the files of `folder` (a `file:` URL ending in `/`). */
export function fixtureReader(folder: URL) {
  const fixtureText = (name: string): string => readFileSync(new URL(name, folder), 'utf8');
  const fixtureJson = <T = Record<string, unknown>>(name: string): T => JSON.parse(fixtureText(name)) as T;
  return { fixtureText, fixtureJson };
}
