// Measures what one command executor costs: start-up time (spawn to its SUBSCRIBE reaching the
// agent) and memory (RSS, PSS, private) while its task runs, against a minimal stand-in for the
// agent's executor endpoint. `--with-codec` preloads the TypeBox codec into the executor and
// decodes one event with it, to show what using the full schema set would cost.
//
//   npx node src/executor/command/measure-overhead.ts [--with-codec] [--runs=5] [--node-flag=--max-semi-space-size=1 ...]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeRecord } from '../../protocol/recordio.ts';

const MAIN = resolve(import.meta.dirname, 'main.ts');
const withCodec = process.argv.includes('--with-codec');
const nodeFlags = process.argv.filter((a) => a.startsWith('--node-flag=')).map((a) => a.slice('--node-flag='.length));
const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);

function memoryOf(pid: number): { rss: number; pss: number; private: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024, private: (kb('Private_Clean') + kb('Private_Dirty')) / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measureOnce(dir: string): Promise<{ startMs: number; rss: number; pss: number; private: number }> {
  let stream: ServerResponse | undefined;
  let subscribedAt = 0;
  let running: () => void = () => {};
  const isRunning = new Promise<void>((r) => (running = r));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as { type: string; update?: { status: { state: string; task_id: unknown; uuid: string } } };
      const send = (e: unknown): boolean | undefined => stream?.write(encodeRecord(JSON.stringify(e)));
      if (call.type === 'SUBSCRIBE') {
        subscribedAt = performance.now();
        stream = res;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        send({ type: 'SUBSCRIBED', subscribed: { executor_info: { executor_id: { value: 'm' } }, framework_info: { user: 'u', name: 'n' }, agent_info: { hostname: 'h' } } });
        send({ type: 'LAUNCH', launch: { task: { name: 'm', task_id: { value: 'm' }, agent_id: { value: 'S0' }, command: { value: 'sleep 30' } } } });
        return;
      }
      res.writeHead(202).end();
      const status = call.update?.status;
      if (status) {
        send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
        if (status.state === 'TASK_RUNNING') running();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const preload = join(dir, 'codec-preload.ts');
  writeFileSync(preload, `import { decodeExecutorEvent } from '${resolve(import.meta.dirname, '../../protocol/api.ts')}';\ndecodeExecutorEvent({ type: 'HEARTBEAT' });\n`);
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, ...(withCodec ? ['--import', preload] : []), MAIN], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH, MESOS_FRAMEWORK_ID: 'f', MESOS_EXECUTOR_ID: 'm', MESOS_AGENT_ENDPOINT: `127.0.0.1:${port}`, MESOS_SANDBOX: dir },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await isRunning;
  await new Promise((r) => setTimeout(r, 300)); // let start-up garbage settle, as a long task would
  const memory = memoryOf(child.pid!);
  stream?.write(encodeRecord(JSON.stringify({ type: 'SHUTDOWN' })));
  await exited;
  server.closeAllConnections();
  server.close();
  return { startMs: subscribedAt - started, ...memory };
}

const dir = mkdtempSync(join(tmpdir(), 'agora-executor-measure-'));
try {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await measureOnce(dir));
  const row = (name: string, values: number[], unit: string): string => `${name.padEnd(28)} ${median(values).toFixed(1).padStart(7)} ${unit}  (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
  console.log(`command executor${withCodec ? ' + TypeBox codec' : ''}${nodeFlags.length ? ` with ${nodeFlags.join(' ')}` : ''}, ${runs} runs, node ${process.version}, medians:`);
  console.log(row('start (spawn -> SUBSCRIBE)', samples.map((s) => s.startMs), 'ms'));
  console.log(row('RSS', samples.map((s) => s.rss), 'MB'));
  console.log(row('PSS', samples.map((s) => s.pss), 'MB'));
  console.log(row('private (USS)', samples.map((s) => s.private), 'MB'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
