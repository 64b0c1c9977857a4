import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthChallenges, tokenUrl } from './registry-challenge.ts';

test('a Docker Hub bearer challenge', () => {
  const [c] = parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
  assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } });
  assert.equal(tokenUrl(c!, 'library/busybox'), 'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull');
});

test('basic, several challenges, escapes and tokens', () => {
  const cs = parseAuthChallenges('Basic realm="a \\"quoted\\" realm", Bearer realm=https://t.example/token, error="insufficient_scope"');
  assert.equal(cs.length, 2);
  assert.deepEqual(cs[0], { scheme: 'basic', params: { realm: 'a "quoted" realm' } });
  assert.equal(cs[1]!.params.realm, 'https://t.example/token');
  assert.equal(cs[1]!.params.error, 'insufficient_scope');
});

test('missing scope asks for pull of the repository (MESOS-10092)', () => {
  const [c] = parseAuthChallenges('Bearer realm="https://nvcr.io/proxy_auth"');
  assert.equal(tokenUrl(c!, 'nvidia/cuda'), 'https://nvcr.io/proxy_auth?scope=repository%3Anvidia%2Fcuda%3Apull');
  assert.throws(() => tokenUrl({ scheme: 'bearer', params: {} }, 'x'), /no realm/);
});

test('garbage does not loop and yields what it can', () => {
  assert.deepEqual(parseAuthChallenges(''), []);
  assert.deepEqual(parseAuthChallenges('==,,"'), []);
  assert.equal(parseAuthChallenges('Negotiate')[0]!.scheme, 'negotiate');
});
