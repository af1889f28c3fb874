// The `tollgate` command (bin/tollgate.js): see src/server/cli.ts.
import { main } from './server/cli.js';

const code = await main(process.argv.slice(2));
if (code !== null) process.exit(code);
