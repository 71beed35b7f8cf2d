/** Unit tests of where the extension finds the `lanes` executable. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveServer, Inputs } from '../../src/serverPath';

const base: Inputs = {
  setting: '',
  extensionPath: '/ext',
  envPath: '/usr/local/bin:/usr/bin',
  platform: 'linux',
  home: '/home/ann',
  workspaceFolder: '/work/shop',
};

function probe(...executables: string[]) {
  const asked: string[] = [];
  return { asked, isExecutable: (f: string) => (asked.push(f), executables.includes(f)) };
}

test('the setting wins over a bundled binary and PATH', () => {
  const r = resolveServer({ ...base, setting: '/opt/lanes/bin/lanes' }, probe('/opt/lanes/bin/lanes', '/ext/server/lanes', '/usr/bin/lanes'));
  assert.deepEqual(r, { ok: true, command: '/opt/lanes/bin/lanes', source: 'setting' });
});

test('a setting with ~ and a relative setting are expanded', () => {
  assert.deepEqual(resolveServer({ ...base, setting: '~/bin/lanes' }, probe('/home/ann/bin/lanes')), { ok: true, command: '/home/ann/bin/lanes', source: 'setting' });
  assert.deepEqual(resolveServer({ ...base, setting: 'target/release/lanes' }, probe('/work/shop/target/release/lanes')), {
    ok: true,
    command: '/work/shop/target/release/lanes',
    source: 'setting',
  });
});

test('a bare name in the setting is looked up on PATH', () => {
  assert.deepEqual(resolveServer({ ...base, setting: 'lanes-dev' }, probe('/usr/bin/lanes-dev')), { ok: true, command: '/usr/bin/lanes-dev', source: 'setting' });
});

test('a setting that points nowhere is an error naming the path, with no fallback', () => {
  const r = resolveServer({ ...base, setting: '/nope/lanes' }, probe('/ext/server/lanes', '/usr/bin/lanes'));
  assert.deepEqual(r, {
    ok: false,
    setting: true,
    message: 'Lanes: the language server set in lanes.server.path was not found or is not executable: /nope/lanes',
  });
});

test('without a setting: the bundled binary, then PATH in order', () => {
  assert.deepEqual(resolveServer(base, probe('/ext/server/lanes', '/usr/bin/lanes')), { ok: true, command: '/ext/server/lanes', source: 'bundled' });
  const p = probe('/usr/local/bin/lanes', '/usr/bin/lanes');
  assert.deepEqual(resolveServer(base, p), { ok: true, command: '/usr/local/bin/lanes', source: 'path' });
  assert.deepEqual(p.asked, ['/ext/server/lanes', '/usr/local/bin/lanes']);
});

test('Windows: lanes.exe and ; separated PATH', () => {
  const r = resolveServer({ ...base, platform: 'win32', envPath: 'C:\\tools;C:\\bin' }, probe('C:\\bin/lanes.exe'));
  assert.equal(r.ok, true);
});

test('nothing found: an actionable message', () => {
  const r = resolveServer({ ...base, envPath: undefined }, probe());
  assert.deepEqual(r, {
    ok: false,
    setting: false,
    message: 'Lanes: the `lanes` language server was not found on PATH. Install it (cargo install --path . in the lanes repository) or set lanes.server.path.',
  });
});
