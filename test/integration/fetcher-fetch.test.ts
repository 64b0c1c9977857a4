// The fetcher against a real HTTP server on 127.0.0.1 and real archives built with Debian's
// tar/gzip/bzip2/xz/zip (so the code under test does not check itself): extraction of every
// archive type, executable files, the cache (hits, LRU eviction, one download for concurrent
// fetches, failures not cached), errors that name the URI, and archives that try to escape.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SystemClock } from '../../src/common/clock.ts';
import { createLogger, silentLogger } from '../../src/common/log.ts';
import { Metrics } from '../../src/common/metrics.ts';
import { Fetcher, type FetcherOptions } from '../../src/fetcher/index.ts';
import { FileServer } from '../../src/fetcher/testing/file-server.ts';
import { tempDir, waitFor } from '../helpers/process.ts';

const dir = tempDir('agora-fetcher-');
const files = join(dir.path, 'files');
let server: FileServer;
let sandboxSeq = 0;

/** Runs a Debian archiver in the tree holding `app/bin/hello` (mode 755) and `app/README`. */
function buildArchive(tool: string[]): void {
  execFileSync(tool[0]!, tool.slice(1), { cwd: join(dir.path, 'tree') });
}

before(async () => {
  mkdirSync(files, { recursive: true });
  const tree = join(dir.path, 'tree');
  mkdirSync(join(tree, 'app/bin'), { recursive: true });
  writeFileSync(join(tree, 'app/bin/hello'), '#!/bin/sh\necho hello\n');
  chmodSync(join(tree, 'app/bin/hello'), 0o755);
  writeFileSync(join(tree, 'app/README'), 'read me\n');
  const out = (n: string): string => join(files, n);
  buildArchive(['tar', '-cf', out('app.tar'), 'app']);
  buildArchive(['tar', '-czf', out('app.tgz'), 'app']);
  buildArchive(['tar', '-czf', out('app.tar.gz'), 'app']);
  buildArchive(['tar', '-cjf', out('app.tbz2'), 'app']);
  buildArchive(['tar', '-cjf', out('app.tar.bz2'), 'app']);
  buildArchive(['tar', '-cJf', out('app.txz'), 'app']);
  buildArchive(['tar', '-cJf', out('app.tar.xz'), 'app']);
  buildArchive(['zip', '-qr', out('app.zip'), 'app']);
  writeFileSync(out('data.json'), '{"answer":42}\n');
  execFileSync('gzip', ['-k', out('data.json')]);
  writeFileSync(out('run.sh'), '#!/bin/sh\necho run\n');
  const tbz2 = readFileSync(out('app.tbz2'));
  writeFileSync(out('truncated.tbz2'), tbz2.subarray(0, tbz2.length >> 1));
  writeFileSync(out('not-a-tar.tgz'), '<html>an error page</html>\n');
  // Escape attempts: a `../evil` member (GNU tar keeps it with -P), a symlink to /etc, and a
  // symlink-then-write-through pair.
  mkdirSync(join(dir.path, 'evil/inner'), { recursive: true });
  writeFileSync(join(dir.path, 'evil/evil'), 'pwned\n');
  execFileSync('tar', ['-P', '-cf', out('dotdot.tar'), '../evil'], { cwd: join(dir.path, 'evil/inner') });
  symlinkSync('/etc', join(dir.path, 'evil/etc-link'));
  execFileSync('tar', ['-cf', out('symlink.tar'), 'etc-link'], { cwd: join(dir.path, 'evil') });
  execFileSync('zip', ['-qy', out('symlink.zip'), 'etc-link'], { cwd: join(dir.path, 'evil') });
  execFileSync('tar', ['-P', '-cjf', out('dotdot.tbz2'), '../evil'], { cwd: join(dir.path, 'evil/inner') });
  writeFileSync(out('big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  writeFileSync(out('other.bin'), Buffer.alloc(3 * 1024 * 1024, 8));
  server = await new FileServer(files).listen();
});

after(async () => {
  await server.close();
  dir.cleanup();
});

function newFetcher(overrides: Partial<FetcherOptions> = {}): { fetcher: Fetcher; metrics: Metrics } {
  const metrics = new Metrics();
  const fetcher = new Fetcher({
    cacheDir: join(dir.path, `cache-${++sandboxSeq}`),
    cacheSizeBytes: 64 * 1024 * 1024,
    stallTimeoutMs: 10_000,
    logger: silentLogger(),
    clock: new SystemClock(),
    metrics,
    ...overrides,
  });
  return { fetcher, metrics };
}

function newSandbox(): string {
  const path = join(dir.path, `sandbox-${++sandboxSeq}`);
  mkdirSync(path);
  return path;
}

function metric(metrics: Metrics, name: string): number | undefined {
  return metrics.snapshot()[`containerizer/fetcher/${name}`];
}

for (const name of ['app.tar', 'app.tgz', 'app.tar.gz', 'app.tbz2', 'app.tar.bz2', 'app.txz', 'app.tar.xz', 'app.zip']) {
  test(`${name} is downloaded and extracted into the sandbox root, modes kept`, async () => {
    const { fetcher, metrics } = newFetcher();
    const sandbox = newSandbox();
    await fetcher.fetch({ uris: [{ value: server.url(name) }], sandbox });
    assert.equal(readFileSync(join(sandbox, 'app/README'), 'utf8'), 'read me\n');
    assert.equal(statSync(join(sandbox, 'app/bin/hello')).mode & 0o111, 0o111, 'executable bits survive extraction');
    assert.ok(existsSync(join(sandbox, name)), 'without the cache the archive stays next to its contents');
    assert.equal(metric(metrics, 'task_fetches_succeeded'), 1);
    assert.equal(metric(metrics, 'bytes_downloaded'), statSync(join(files, name)).size);
  });
}

test('a plain .gz is gunzipped next to it; extract=false keeps an archive packed', async () => {
  const { fetcher } = newFetcher();
  const sandbox = newSandbox();
  await fetcher.fetch({ uris: [{ value: server.url('data.json.gz') }, { value: server.url('app.tgz'), extract: false }], sandbox });
  assert.equal(readFileSync(join(sandbox, 'data.json'), 'utf8'), '{"answer":42}\n');
  assert.ok(existsSync(join(sandbox, 'app.tgz')));
  assert.ok(!existsSync(join(sandbox, 'app')));
});

test('executable files are chmod 755 and never extracted; output_file may name a subdirectory', async () => {
  const { fetcher } = newFetcher();
  const sandbox = newSandbox();
  await fetcher.fetch({
    uris: [
      { value: server.url('run.sh'), executable: true },
      { value: server.url('app.tar'), executable: true, output_file: 'bin/tool.tar' },
    ],
    sandbox,
  });
  assert.equal(statSync(join(sandbox, 'run.sh')).mode & 0o777, 0o755);
  assert.equal(statSync(join(sandbox, 'bin/tool.tar')).mode & 0o777, 0o755);
  assert.ok(!existsSync(join(sandbox, 'app')), 'executable wins over extract, as in Mesos');
  assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /Fetching 'http:\/\/127\.0\.0\.1:\d+\/run\.sh' to 'run\.sh'/);
});

test('file:// URIs and absolute paths are copied; redirects are followed', async () => {
  const { fetcher } = newFetcher();
  const sandbox = newSandbox();
  await fetcher.fetch({
    uris: [
      { value: `file://${join(files, 'run.sh')}`, output_file: 'a.sh' },
      { value: join(files, 'data.json'), extract: false },
      { value: server.url('moved/app.tgz'), output_file: 'redirected.tgz' },
    ],
    sandbox: (server.once('/moved/app.tgz', { kind: 'redirect', to: '/app.tgz' }), sandbox),
  });
  assert.equal(readFileSync(join(sandbox, 'a.sh'), 'utf8'), '#!/bin/sh\necho run\n');
  assert.equal(readFileSync(join(sandbox, 'data.json'), 'utf8'), '{"answer":42}\n');
  assert.equal(readFileSync(join(sandbox, 'app/README'), 'utf8'), 'read me\n');
});

test('a second fetch of a cached URI is served from the cache', async () => {
  const { fetcher, metrics } = newFetcher();
  const before = server.hitsOf('/app.txz');
  const size = statSync(join(files, 'app.txz')).size;
  const first = newSandbox();
  await fetcher.fetch({ uris: [{ value: server.url('app.txz'), cache: true }], sandbox: first, user: 'alice' });
  const second = newSandbox();
  await fetcher.fetch({ uris: [{ value: server.url('app.txz'), cache: true }], sandbox: second, user: 'alice' });
  assert.equal(server.hitsOf('/app.txz') - before, 1, 'downloaded once');
  assert.equal(metric(metrics, 'cache_misses'), 1);
  assert.equal(metric(metrics, 'cache_hits'), 1);
  assert.equal(metric(metrics, 'bytes_downloaded'), size);
  assert.equal(metric(metrics, 'cache_size_used_bytes'), size);
  assert.equal(metric(metrics, 'cache_size_total_bytes'), 64 * 1024 * 1024);
  assert.equal(metric(metrics, 'task_fetches_succeeded'), 2);
  for (const sandbox of [first, second]) {
    assert.equal(readFileSync(join(sandbox, 'app/bin/hello'), 'utf8'), '#!/bin/sh\necho hello\n');
    assert.ok(!existsSync(join(sandbox, 'app.txz')), 'from the cache only the contents reach the sandbox');
  }
  // Another user does not share alice's entry.
  await fetcher.fetch({ uris: [{ value: server.url('app.txz'), cache: true }], sandbox: newSandbox(), user: 'bob' });
  assert.equal(server.hitsOf('/app.txz') - before, 2);
  assert.equal(metric(metrics, 'cache_size_used_bytes'), 2 * size);
});

test('a cached executable is copied into the sandbox, never linked to the cache file', async () => {
  const { fetcher } = newFetcher();
  const sandboxes = [newSandbox(), newSandbox()];
  for (const sandbox of sandboxes) await fetcher.fetch({ uris: [{ value: server.url('run.sh'), cache: true, executable: true }], sandbox });
  writeFileSync(join(sandboxes[0]!, 'run.sh'), 'changed by the task\n');
  assert.equal(readFileSync(join(sandboxes[1]!, 'run.sh'), 'utf8'), '#!/bin/sh\necho run\n');
  assert.equal(statSync(join(sandboxes[1]!, 'run.sh')).mode & 0o777, 0o755);
  assert.equal(statSync(join(sandboxes[1]!, 'run.sh')).nlink, 1);
});

test('concurrent fetches of one URI download it once; the others wait for it', async () => {
  const { fetcher, metrics } = newFetcher();
  let release!: () => void;
  server.once('/big.bin', { kind: 'hold', release: new Promise<void>((r) => (release = r)) });
  const before = server.hitsOf('/big.bin');
  const sandboxes = Array.from({ length: 5 }, newSandbox);
  const fetches = sandboxes.map((sandbox) => fetcher.fetch({ uris: [{ value: server.url('big.bin'), cache: true }], sandbox }));
  // All five hold the one cache entry (one downloading, four waiting) before any byte flows.
  await waitFor(() => fetcher.cache.index.get(server.url('big.bin'))?.refs === 5);
  release();
  await Promise.all(fetches);
  assert.equal(server.hitsOf('/big.bin') - before, 1);
  assert.equal(metric(metrics, 'cache_misses'), 1);
  assert.equal(metric(metrics, 'cache_hits'), 4);
  assert.equal(metric(metrics, 'bytes_downloaded'), 3 * 1024 * 1024);
  for (const sandbox of sandboxes) assert.equal(statSync(join(sandbox, 'big.bin')).size, 3 * 1024 * 1024);
});

test('least recently used entries are evicted to make room; a failed download is not cached', async () => {
  const { fetcher, metrics } = newFetcher({ cacheSizeBytes: 4 * 1024 * 1024 });
  await fetcher.fetch({ uris: [{ value: server.url('big.bin'), cache: true }], sandbox: newSandbox() });
  server.once('/other.bin', { kind: 'status', status: 500 });
  await assert.rejects(
    fetcher.fetch({ uris: [{ value: server.url('other.bin'), cache: true }], sandbox: newSandbox() }),
    { message: `Failed to fetch '${server.url('other.bin')}': HTTP 500 Internal Server Error` },
  );
  assert.equal(metric(metrics, 'task_fetches_failed'), 1);
  assert.equal(metric(metrics, 'cache_size_used_bytes'), 3 * 1024 * 1024, 'the failure left nothing in the cache');
  const cacheFiles = (): string[] => readdirSync(fetcher.cache.dir);
  assert.deepEqual(cacheFiles().length, 1);
  await fetcher.fetch({ uris: [{ value: server.url('other.bin'), cache: true }], sandbox: newSandbox() });
  assert.equal(metric(metrics, 'cache_size_used_bytes'), 3 * 1024 * 1024, 'big.bin was evicted for other.bin');
  assert.deepEqual(cacheFiles().length, 1);
  assert.match(cacheFiles()[0]!, /^c\d+-other\.bin$/);
});

test('errors name the URI and the cause', async () => {
  const { fetcher, metrics } = newFetcher();
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const cases: [string, RegExp][] = [
    [server.url('missing.tgz'), /: HTTP 404 Not Found$/],
    [`http://127.0.0.1:${closedPort}/x.tgz`, /: connect ECONNREFUSED 127\.0\.0\.1:\d+$/],
    [join(files, 'nope'), /: no such file '/],
    ['hdfs://namenode/x', /: unsupported scheme 'hdfs'/],
    [server.url('truncated.tbz2'), /: 'bzip2 -dc' failed \(exit status 2\): bzip2: Compressed file ends unexpectedly/],
    [server.url('not-a-tar.tgz'), /: cannot extract 'not-a-tar\.tgz': TAR_BAD_ARCHIVE: Unrecognized archive format$/],
  ];
  for (const [uri, cause] of cases) {
    const sandbox = newSandbox();
    await assert.rejects(fetcher.fetch({ uris: [{ value: uri }], sandbox }), (err: Error) => {
      assert.ok(err.message.startsWith(`Failed to fetch '${uri}': `), err.message);
      assert.match(err.message, cause);
      return true;
    });
    assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /Failed to fetch/);
  }
  assert.equal(metric(metrics, 'task_fetches_failed'), cases.length);
});

test('a download that stalls is aborted after the stall timeout', async () => {
  const { fetcher } = newFetcher({ stallTimeoutMs: 300 });
  server.once('/run.sh', { kind: 'stall' });
  await assert.rejects(fetcher.fetch({ uris: [{ value: server.url('run.sh') }], sandbox: newSandbox() }), /no data received for 300ms/);
});

test('archives cannot write outside the sandbox', async () => {
  const { fetcher } = newFetcher();
  const outer = join(dir.path, 'outer');
  mkdirSync(join(outer, 'sandbox'), { recursive: true });
  const sandbox = join(outer, 'sandbox');
  await assert.rejects(
    fetcher.fetch({ uris: [{ value: server.url('dotdot.tar') }], sandbox }),
    /Failed to fetch '.*dotdot\.tar': archive entry '\.\.\/evil' would be written outside the sandbox/,
  );
  assert.ok(!existsSync(join(outer, 'evil')), 'nothing was written next to the sandbox');
  await assert.rejects(
    fetcher.fetch({ uris: [{ value: server.url('symlink.tar'), cache: true }], sandbox }),
    /archive entry 'etc-link' is a symbolic link to '\/etc', outside the sandbox/,
  );
  assert.ok(!existsSync(join(sandbox, 'etc-link')));
  await assert.rejects(fetcher.fetch({ uris: [{ value: server.url('symlink.zip') }], sandbox }), /archive entry 'etc-link' is a symbolic link to '\/etc'/);
  assert.ok(!existsSync(join(sandbox, 'etc-link')));
  await assert.rejects(fetcher.fetch({ uris: [{ value: server.url('dotdot.tbz2') }], sandbox }), /archive entry '\.\.\/evil' would be written outside/);
  assert.ok(!existsSync(join(outer, 'evil')));
});

test('downloads log their progress (bytes, rate) and a summary to the agent log', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  // Interval 0: every chunk logs, so even a local 3 MB download shows progress lines.
  const { fetcher } = newFetcher({ logger, progressIntervalMs: 0 });
  await fetcher.fetch({ uris: [{ value: server.url('big.bin') }], sandbox: newSandbox(), containerId: 'c-1' });
  const progress = lines.filter((l) => l.msg === 'fetch in progress');
  assert.ok(progress.length > 0);
  assert.equal(progress[0]!.total_bytes, 3 * 1024 * 1024);
  assert.equal(typeof progress[0]!.bytes, 'number');
  assert.equal(typeof progress[0]!.rate_bytes_per_sec, 'number');
  const done = lines.find((l) => l.msg === 'fetched URI');
  assert.equal(done?.bytes, 3 * 1024 * 1024);
  assert.equal(done?.uri, server.url('big.bin'));
  assert.equal(done?.container_id, 'c-1');
});
