import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerPids, parsePageSize, parseProcStat, sumUsage, type ProcStat } from './proc.ts';

// A real line from /proc/<pid>/stat, with a command name that contains ') (' to prove the parser
// splits on the last parenthesis.
const LINE =
  '4242 (weird) (name) S 4200 4242 4242 0 -1 4194560 150 0 0 0 250 75 0 0 20 0 3 0 123456 10000000 512 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

test('parseProcStat reads the fields after the last parenthesis', () => {
  const stat = parseProcStat(LINE);
  assert.deepEqual(stat, {
    pid: 4242,
    comm: 'weird) (name',
    state: 'S',
    ppid: 4200,
    pgrp: 4242,
    session: 4242,
    utimeTicks: 250,
    stimeTicks: 75,
    threads: 3,
    rssPages: 512,
  });
});

test('parseProcStat refuses truncated or foreign text', () => {
  assert.equal(parseProcStat(''), undefined);
  assert.equal(parseProcStat('12 (x) S 1 2'), undefined);
  assert.equal(parseProcStat('not a stat line'), undefined);
});

const p = (pid: number, ppid: number, session: number, extra: Partial<ProcStat> = {}): ProcStat => ({
  pid,
  comm: 'x',
  state: 'S',
  ppid,
  pgrp: session,
  session,
  utimeTicks: 0,
  stimeTicks: 0,
  threads: 1,
  rssPages: 0,
  ...extra,
});

test('containerPids finds descendants, setsid children and orphaned session members', () => {
  const table = [
    p(1, 0, 1),
    p(100, 1, 100), // the container root (a session leader)
    p(101, 100, 100), // child
    p(102, 101, 102), // grandchild that called setsid: still found through its parent
    p(103, 102, 102), // its child
    p(104, 1, 100), // orphan reparented to init but still in the root's session
    p(105, 104, 100),
    p(200, 1, 200), // unrelated
    p(201, 200, 200),
  ];
  assert.deepEqual(containerPids(100, table), [100, 101, 104, 105, 102, 103]);
});

test('containerPids after the root exited still finds its session', () => {
  const table = [p(1, 0, 1), p(104, 1, 100), p(105, 104, 100), p(300, 1, 300)];
  assert.deepEqual(containerPids(100, table), [104, 105]);
});

test('sumUsage sums ticks as seconds, threads and rss pages', () => {
  const table = [
    p(100, 1, 100, { utimeTicks: 150, stimeTicks: 50, threads: 2, rssPages: 10 }),
    p(101, 100, 100, { utimeTicks: 50, stimeTicks: 25, threads: 3, rssPages: 5 }),
    p(999, 1, 999, { utimeTicks: 1e6, rssPages: 1e6 }),
  ];
  assert.deepEqual(sumUsage([100, 101, 555], table, 4096), {
    processes: 2,
    threads: 5,
    userSecs: 2,
    systemSecs: 0.75,
    rssBytes: 15 * 4096,
  });
});

test('parsePageSize reads KernelPageSize', () => {
  assert.equal(parsePageSize('Size: 4 kB\nKernelPageSize:        4 kB\nMMUPageSize: 4 kB\n'), 4096);
  assert.equal(parsePageSize('KernelPageSize:       64 kB\n'), 65536);
  assert.equal(parsePageSize('nothing here'), undefined);
});
