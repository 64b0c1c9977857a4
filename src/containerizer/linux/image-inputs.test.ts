import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, imageName, sandboxDockerConfig } from './image-inputs.ts';

test('sandboxDockerConfig: config.json with auths, .docker/config.json, .dockercfg; other config.json ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-image-inputs-'));
  try {
    assert.equal(await sandboxDockerConfig(dir), undefined);
    writeFileSync(join(dir, 'config.json'), '{"port": 8080}');
    assert.equal(await sandboxDockerConfig(dir), undefined, "an application's config.json is not credentials");
    writeFileSync(join(dir, '.dockercfg'), '{"r:5000": {"auth": "eDp5"}}');
    assert.equal(await sandboxDockerConfig(dir), '{"r:5000": {"auth": "eDp5"}}');
    mkdirSync(join(dir, '.docker'));
    writeFileSync(join(dir, '.docker', 'config.json'), '{"auths": {}}');
    assert.equal(await sandboxDockerConfig(dir), '{"auths": {}}');
    writeFileSync(join(dir, 'config.json'), '{"auths": {"r:5000": {"auth": "eDp5"}}}');
    assert.equal(await sandboxDockerConfig(dir), '{"auths": {"r:5000": {"auth": "eDp5"}}}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findExecutable: looked up on the given PATH only; absolute names checked as they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-image-inputs-'));
  try {
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    writeFileSync(join(dir, 'not-executable'), '');
    assert.equal(findExecutable('tool', `/nonexistent:${dir}`), join(dir, 'tool'));
    assert.equal(findExecutable('tool', '/nonexistent'), undefined);
    assert.equal(findExecutable('not-executable', dir), undefined);
    assert.equal(findExecutable(join(dir, 'tool'), ''), join(dir, 'tool'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('imageName: the docker or appc name', () => {
  assert.equal(imageName({ type: 'DOCKER', docker: { name: 'busybox:1' } }), 'busybox:1');
  assert.equal(imageName({ type: 'APPC', appc: { name: 'example.com/app' } }), 'example.com/app');
});
