import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../common/backoff.ts';
import { DEFAULT_BACKOFF } from './client.ts';
import { resolveRedirect, schedulerUrl } from './leader.ts';

test('schedulerUrl accepts host:port, a base URL or a full endpoint URL', () => {
  assert.equal(schedulerUrl('127.0.0.1:5050').href, 'http://127.0.0.1:5050/api/v1/scheduler');
  assert.equal(schedulerUrl('https://m1:5050').href, 'https://m1:5050/api/v1/scheduler');
  assert.equal(schedulerUrl('http://m1:5050/master/api/v1/scheduler').href, 'http://m1:5050/master/api/v1/scheduler');
});

test('protocol-relative Locations keep the scheme and carry the path', () => {
  const current = new URL('https://m1:5050/api/v1/scheduler');
  assert.equal(resolveRedirect('//m2:5051/api/v1/scheduler', current)?.href, 'https://m2:5051/api/v1/scheduler');
  assert.equal(resolveRedirect('//m2:5051/master/api/v1/scheduler?x=1', current)?.href, 'https://m2:5051/master/api/v1/scheduler?x=1');
  assert.equal(resolveRedirect('//m2:5051', current)?.href, 'https://m2:5051/api/v1/scheduler');
  assert.equal(resolveRedirect('http://m3:1/api/v1/scheduler', current)?.href, 'http://m3:1/api/v1/scheduler');
  assert.equal(resolveRedirect(null, current), undefined);
  assert.equal(resolveRedirect('ftp://x/', current), undefined);
});

test('backoff doubles to the cap, with jitter in the upper half', () => {
  assert.equal(backoffDelay(0, DEFAULT_BACKOFF, 0), 250);
  assert.equal(backoffDelay(0, DEFAULT_BACKOFF, 0.999999), 499.99975);
  assert.equal(backoffDelay(3, DEFAULT_BACKOFF, 0), 2000);
  assert.equal(backoffDelay(20, DEFAULT_BACKOFF, 1), 30_000);
  assert.equal(backoffDelay(1000, DEFAULT_BACKOFF, 0), 15_000);
});
