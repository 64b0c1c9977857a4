import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../common/clock.ts';
import { silentLogger } from '../common/log.ts';
import { Metrics } from '../common/metrics.ts';
import { SandboxGc, findSandboxes, statfsUsage } from './gc.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'agora-gc-'));
  dirs.push(d);
  return d;
}

/** Creates `<work>/slaves/S/frameworks/<fw>/executors/<ex>/runs/<c>` with a file and `runs/latest`. */
function sandbox(work: string, fw: string, ex: string, container: string): string {
  const runs = join(work, 'slaves', 'S', 'frameworks', fw, 'executors', ex, 'runs');
  const dir = join(runs, container);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'stdout'), 'hello\n');
  try {
    unlinkSync(join(runs, 'latest'));
  } catch {
    // First run.
  }
  symlinkSync(container, join(runs, 'latest'));
  return dir;
}

function setup(options: { work?: string; live?: string[]; usage?: () => number | undefined; delayMs?: number } = {}) {
  const work = options.work ?? workDir();
  const clock = new ManualClock(1_000_000);
  const metrics = new Metrics();
  const live = options.live ?? [];
  const gc = new SandboxGc({
    workDir: work,
    clock,
    logger: silentLogger(),
    metrics,
    policy: { gcDelayMs: options.delayMs ?? 10_000, diskHeadroom: 0.1 },
    diskWatchIntervalMs: 1_000,
    liveSandboxes: () => live,
    measureUsage: options.usage ?? (() => 0),
  });
  return { work, clock, metrics, gc, live };
}

test('a sandbox is detached and removed after the delay, then its empty parents', async () => {
  const { work, clock, metrics, gc } = setup();
  gc.start();
  const dir = sandbox(work, 'F', 'E', 'C1');
  let detached = 0;
  gc.schedule(dir, () => detached++);
  assert.equal(metrics.snapshot()['gc/path_removals_pending'], 1);
  // usage 0, headroom 0.1: delay 9 s.
  clock.advance(8_999);
  await gc.settled();
  assert.ok(existsSync(dir));
  assert.equal(detached, 0);
  clock.advance(1);
  await gc.settled();
  assert.equal(existsSync(dir), false);
  assert.equal(detached, 1);
  assert.equal(existsSync(join(work, 'slaves', 'S', 'frameworks', 'F')), false, 'empty framework dir removed');
  assert.ok(existsSync(join(work, 'slaves', 'S', 'frameworks')), 'nothing above the framework dir is removed');
  const snap = metrics.snapshot();
  assert.equal(snap['gc/path_removals_succeeded'], 1);
  assert.equal(snap['gc/path_removals_failed'], 0);
  assert.equal(snap['gc/path_removals_pending'], 0);
  await gc.stop();
});

test('sandboxes found at start-up are aged by their mtime; one already scheduled keeps its entry', async () => {
  const { work, clock, gc } = setup();
  gc.start();
  const old = sandbox(work, 'F', 'E1', 'C1');
  const recent = sandbox(work, 'F', 'E2', 'C2');
  const scheduled = sandbox(work, 'F', 'E3', 'C3');
  // The clock reads 1,000,000 ms: `old` was last touched 6 s ago, `recent` just now.
  utimesSync(old, new Date(994_000), new Date(994_000));
  utimesSync(recent, new Date(1_000_000), new Date(1_000_000));
  utimesSync(scheduled, new Date(0), new Date(0));
  gc.schedule(scheduled);
  const found = findSandboxes(work).map((f) => f.path).sort();
  assert.deepEqual(found, [old, recent, scheduled].sort(), 'run dirs only, no latest links');
  for (const f of findSandboxes(work)) gc.scheduleFound(f.path, f.mtimeMs);
  // Delay 9 s: `old` is due 3 s from now, the others 9 s from now.
  clock.advance(3_000);
  await gc.settled();
  assert.equal(existsSync(old), false);
  assert.ok(existsSync(recent));
  assert.ok(existsSync(scheduled), 'an entry scheduled by its executor is not aged again');
  clock.advance(6_000);
  await gc.settled();
  assert.equal(existsSync(recent) || existsSync(scheduled), false);
  assert.deepEqual(findSandboxes(join(work, 'nowhere')), []);
  await gc.stop();
});

test('directories still holding another run or executor are kept', async () => {
  const { work, clock, gc } = setup();
  const old = sandbox(work, 'F', 'E', 'C1');
  const other = sandbox(work, 'F', 'E2', 'C3');
  const newer = sandbox(work, 'F', 'E', 'C2');
  gc.schedule(old);
  clock.advance(10_000);
  await gc.settled();
  assert.equal(existsSync(old), false);
  assert.ok(existsSync(newer));
  assert.ok(existsSync(join(work, 'slaves', 'S', 'frameworks', 'F', 'executors', 'E', 'runs', 'latest')), 'latest of the newer run kept');
  assert.ok(existsSync(other));
  await gc.stop();
});

test("a running executor's sandbox is never removed", async () => {
  const work = workDir();
  const dir = sandbox(work, 'F', 'E', 'C1');
  const { clock, metrics, gc } = setup({ work, live: [dir] });
  let detached = 0;
  gc.schedule(dir, () => detached++);
  // A parent of a live sandbox is refused too.
  gc.schedule(join(work, 'slaves', 'S', 'frameworks', 'F'));
  clock.advance(60_000);
  await gc.settled();
  assert.ok(existsSync(join(dir, 'stdout')));
  assert.equal(detached, 0);
  assert.equal(metrics.snapshot()['gc/path_removals_succeeded'], 0);
  await gc.stop();
});

test('symlinks and paths outside the work dir are never followed or removed', async () => {
  const work = workDir();
  const outside = workDir();
  writeFileSync(join(outside, 'precious'), 'x');
  const link = join(work, 'slaves', 'S', 'frameworks', 'F', 'executors', 'E', 'runs', 'C1');
  mkdirSync(join(link, '..'), { recursive: true });
  symlinkSync(outside, link);
  const inner = sandbox(work, 'F', 'E2', 'C2');
  symlinkSync(outside, join(inner, 'escape'));
  const { clock, metrics, gc } = setup({ work });
  gc.schedule(link);
  gc.schedule(inner);
  gc.schedule(outside);
  gc.schedule(work);
  clock.advance(10_000);
  await gc.settled();
  assert.ok(existsSync(join(outside, 'precious')), 'nothing outside the work dir was touched');
  assert.equal(existsSync(inner), false, 'a sandbox holding a symlink is removed without following it');
  const snap = metrics.snapshot();
  assert.equal(snap['gc/path_removals_succeeded'], 1);
  assert.equal(snap['gc/path_removals_failed'], 1, 'the symlinked run dir is a failure');
  await gc.stop();
});

test('the disk watch shortens the delay as usage grows', async () => {
  let usage = 0;
  const { work, clock, gc } = setup({ usage: () => usage, delayMs: 100_000 });
  gc.start();
  const dir = sandbox(work, 'F', 'E', 'C1');
  gc.schedule(dir);
  clock.advance(30_000);
  await gc.settled();
  assert.ok(existsSync(dir), 'usage 0: delay 90 s');
  usage = 0.6; // delay 30 s: due at the next disk watch.
  clock.advance(1_000);
  await gc.settled();
  assert.equal(existsSync(dir), false);
  assert.equal(gc.diskUsage, 0.6);
  await gc.stop();
});

test('stop() clears the timers and leaves pending paths on disk', async () => {
  const { work, clock, gc } = setup();
  gc.start();
  const dir = sandbox(work, 'F', 'E', 'C1');
  gc.schedule(dir);
  await gc.stop();
  clock.advance(100_000);
  assert.ok(existsSync(dir));
});

test('statfs of a real directory gives a fraction', () => {
  const usage = statfsUsage(tmpdir());
  assert.ok(usage !== undefined && usage >= 0 && usage <= 1, String(usage));
  assert.equal(statfsUsage(join(tmpdir(), 'agora-gc-does-not-exist-' + process.pid)), undefined);
});
