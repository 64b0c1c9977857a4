// The `agora` executable: wiring only. Daemons (master, agent, dev) are separate entry points
// that will be dispatched from here as they land; everything else is the operator CLI.
import { runCli } from './cli/main.ts';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
