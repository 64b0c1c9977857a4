// SimFramework's call latency recording, against a scripted master on 127.0.0.1: every call it
// makes (ACCEPT, DECLINE, SUPPRESS, ACKNOWLEDGE) is timed from send to the master's answer, a
// refused call is counted as an error instead, and only updates with a uuid are acknowledged.
// The latencies come from an injected reading, so they are exact. The simulator against a real
// master is test/sim/cluster-sim.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { SystemClock } from '../common/clock.ts';
import { encodeRecord, encodeSchedulerEvent, type Offer, type SchedulerEvent } from '../protocol/index.ts';
import { callLatencies, SimFramework, type FrameworkDemand } from './sim-framework.ts';
import { TimerWheel } from './timer-wheel.ts';

const DEMAND: FrameworkDemand = {
  name: 'latency', role: '*', user: 'root', tasksPerSecond: 0, initialTasks: 2, maxTasks: 2,
  shape: { cpus: 1, mem: 100, durationMs: -1 }, maxTasksPerOffer: 2, declineSeconds: 5, suppressWhenIdle: true,
};

type Scripted = { url: string; calls: string[]; heldAccept: ServerResponse | undefined; send(event: SchedulerEvent): void; close(): Promise<void> };

/**
 * A master that streams what `send` gives, holds the first ACCEPT's answer (unless `holdAccept`
 * is false), refuses ACKNOWLEDGEs of task `refused`, and accepts the rest. `firstOffers` go out
 * in the same write as SUBSCRIBED.
 */
async function scriptedMaster(options: { holdAccept?: boolean; firstOffers?: Offer[] } = {}): Promise<Scripted> {
  const record = (event: SchedulerEvent): Buffer => encodeRecord(JSON.stringify(encodeSchedulerEvent(event)));
  let stream: ServerResponse | undefined;
  const scripted: Scripted = {
    url: '', calls: [], heldAccept: undefined,
    send: (event) => stream!.write(record(event)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as { type: string; acknowledge?: { task_id: { value: string } } };
      scripted.calls.push(call.type);
      if (call.type === 'SUBSCRIBE') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'stream-1' });
        stream = res;
        const subscribed = record({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 } });
        const offers = options.firstOffers === undefined ? [] : [record({ type: 'OFFERS', offers: { offers: options.firstOffers } })];
        res.write(Buffer.concat([subscribed, ...offers]));
      } else if (call.type === 'ACCEPT' && scripted.heldAccept === undefined && options.holdAccept !== false) {
        scripted.heldAccept = res;
      } else if (call.acknowledge?.task_id.value === 'refused') {
        res.writeHead(400).end('no such task');
      } else {
        res.writeHead(202).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scripted.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return scripted;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const offer = (id: string, cpus: number): Offer => ({
  id: { value: id }, framework_id: { value: 'fw-1' }, agent_id: { value: `agent-${id}` }, hostname: 'sim-0',
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1000 } },
  ],
});

const update = (taskId: string, uuid: string | undefined): SchedulerEvent => ({
  type: 'UPDATE',
  update: { status: { task_id: { value: taskId }, agent_id: { value: 'agent-o1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', ...(uuid !== undefined && { uuid }) } },
});

test('every scheduler call is timed from send to answer; refused calls are errors, not samples', { timeout: 10_000 }, async () => {
  const master = await scriptedMaster();
  const wheel = new TimerWheel(new SystemClock());
  let now = 1000;
  const fw = new SimFramework(master.url, DEMAND, { wheel, clock: new SystemClock(), elapsedMs: () => now });
  try {
    await fw.start();
    // o1 takes both tasks; o2 is then of no use: one ACCEPT, one DECLINE, and a SUPPRESS as nothing is pending.
    master.send({ type: 'OFFERS', offers: { offers: [offer('o1', 4), offer('o2', 4)] } });
    await until(() => fw.stats.callLatencyMs.DECLINE.length === 1 && fw.stats.callLatencyMs.SUPPRESS.length === 1 && master.heldAccept !== undefined);
    assert.deepEqual(fw.stats.callLatencyMs.DECLINE, [0]);
    assert.deepEqual(fw.stats.callLatencyMs.ACCEPT, [], 'the ACCEPT is not answered yet');
    assert.equal(fw.callsInFlight, 1);

    now += 40;
    master.heldAccept!.writeHead(202).end();
    await until(() => fw.stats.callLatencyMs.ACCEPT.length === 1);
    assert.deepEqual(fw.stats.callLatencyMs.ACCEPT, [40]);
    assert.equal(fw.callsInFlight, 0);

    // Only updates with a uuid are acknowledged; the refused ACKNOWLEDGE counts as an error.
    master.send(update('latency-1', 'AAAAAAAAAAAAAAAAAAAAAA=='));
    master.send(update('latency-2', undefined));
    master.send(update('refused', 'AQEBAQEBAQEBAQEBAQEBAQ=='));
    await until(() => fw.stats.running === 3 && fw.stats.callLatencyMs.ACKNOWLEDGE.length === 1 && fw.stats.callErrors === 1);
    assert.equal(master.calls.filter((c) => c === 'ACKNOWLEDGE').length, 2);
    assert.deepEqual(fw.stats.launchToRunningMs.length, 2, 'the two launched tasks, not the unknown one');
    assert.deepEqual(callLatencies(fw.stats).sort((a, b) => a - b), [0, 0, 0, 40]);
    assert.deepEqual(callLatencies(fw.stats, ['ACCEPT']), [40]);
  } finally {
    await fw.stop(false);
    wheel.clear();
    await master.close();
  }
});

test('offers that arrive with SUBSCRIBED are used for the initial demand, not declined', { timeout: 10_000 }, async () => {
  const master = await scriptedMaster({ holdAccept: false, firstOffers: [offer('o1', 4)] });
  const wheel = new TimerWheel(new SystemClock());
  const fw = new SimFramework(master.url, DEMAND, { wheel, clock: new SystemClock() });
  try {
    await fw.start();
    await until(() => fw.stats.callLatencyMs.ACCEPT.length === 1 && fw.stats.callLatencyMs.SUPPRESS.length === 1);
    assert.equal(fw.stats.launched, 2);
    assert.deepEqual(master.calls, ['SUBSCRIBE', 'ACCEPT', 'SUPPRESS']);
  } finally {
    await fw.stop(false);
    wheel.clear();
    await master.close();
  }
});
