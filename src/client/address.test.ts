import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../common/errors.ts';
import { parseAgentAddress, parseMasterAddress, pidToBaseUrl, resolveLocation } from './address.ts';

test('master addresses: host:port, bare host, URLs', () => {
  assert.equal(parseMasterAddress('127.0.0.1:5050'), 'http://127.0.0.1:5050');
  assert.equal(parseMasterAddress('m1'), 'http://m1:5050');
  assert.equal(parseAgentAddress('a1'), 'http://a1:5051');
  assert.equal(parseMasterAddress('https://m1:8443/'), 'https://m1:8443');
  assert.equal(parseMasterAddress(' http://m1:5050 '), 'http://m1:5050');
});

test('bad master addresses are refused with a message naming the problem', () => {
  assert.throws(() => parseMasterAddress(''), InvalidArgumentError);
  assert.throws(() => parseMasterAddress('zk://z1:2181/mesos'), /ZooKeeper URL/);
  assert.throws(() => parseMasterAddress('ftp://m1'), /only http and https/);
  assert.throws(() => parseMasterAddress('m1:5050/master'), /without a path/);
  assert.throws(() => parseMasterAddress('m1:notaport'), /not a valid master address/);
});

test('libprocess pids and protocol-relative redirects', () => {
  assert.equal(pidToBaseUrl('slave(1)@10.0.0.6:5051'), 'http://10.0.0.6:5051');
  assert.equal(pidToBaseUrl('master@10.0.0.5:5050'), 'http://10.0.0.5:5050');
  assert.equal(pidToBaseUrl('nonsense'), undefined);
  assert.equal(resolveLocation('//m2:5050/api/v1', 'http://m1:5050/api/v1').href, 'http://m2:5050/api/v1');
  assert.equal(resolveLocation('//m2:5050/api/v1', 'https://m1:5050/api/v1').href, 'https://m2:5050/api/v1');
});
