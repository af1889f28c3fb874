import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests can run here; under CI=true a missing browser is a failure, elsewhere a loud warning. */
export function chromiumAvailable(what: string): boolean {
  const found = spawnSync(CHROMIUM, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found) {
    const message = `${CHROMIUM} not found: the ${what} is SKIPPED (apt-get install chromium, or set CHROMIUM_PATH)`;
    if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
    console.warn(`\n\n!!! ${message} !!!\n\n`);
  }
  return found;
}

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });

/** A node:http server for `listener` on a free loopback port: its origin, and how to stop it. */
export async function serveOnLoopback(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
