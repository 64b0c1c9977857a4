import { parseArgs } from 'node:util';
import { EXIT, type Command } from '../command.ts';
import { AGORA_VERSION, MESOS_API_VERSION } from '../../common/version.ts';

export const versionCommand: Command = {
  path: ['version'],
  summary: 'print the Agora version',
  help: `usage: agora version [--json]

Prints the Agora version and the Mesos API version it speaks.

  --json   print {"version": ..., "mesos_api_version": ..., "node": ...}`,
  run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    if (values.json) {
      io.stdout.write(JSON.stringify({ version: AGORA_VERSION, mesos_api_version: MESOS_API_VERSION, node: process.version }) + '\n');
    } else {
      io.stdout.write(`agora ${AGORA_VERSION} (Mesos v1 API ${MESOS_API_VERSION}, node ${process.version})\n`);
    }
    return EXIT.OK;
  },
};
