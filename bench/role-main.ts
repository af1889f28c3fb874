/** The entry of a bench child process (see roles.ts): runs the role this process was started as. */
import { serveHttp } from './http-servers.js';
import { scaleRole } from './scale.js';
import { serveUpstream } from './upstream-server.js';

export async function runRole(role: string): Promise<void> {
  if (role === 'upstream') return serveUpstream();
  if (role === 'handler' || role === 'proxy') return serveHttp(role);
  if (role === 'scale') return scaleRole();
  throw new Error(`unknown bench role: ${role}`);
}
