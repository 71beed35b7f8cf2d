/** Unit tests of the settings sent to the server and of how setting changes are handled. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { serverOptions, reaction, lanes, decorationMode, DEFAULTS } from '../../src/settings';

const from = (values: Record<string, unknown>) => serverOptions(<T>(k: string) => values[k] as T | undefined);

test('unset settings give the server defaults', () => {
  assert.deepEqual(from({}), DEFAULTS);
  assert.deepEqual(DEFAULTS, { severity: 'information', codeLens: true, diagnosticLanes: [3], gateHints: [2], maxFileSize: 4194304, configPath: '' });
});

test('settings map to the server options by name', () => {
  assert.deepEqual(
    from({ severity: 'warning', codeLens: false, diagnosticLanes: [3, 2], gateHints: [2], maxFileSize: 1000.5, configPath: ' conf/lanes.toml ', 'server.path': '/x' }),
    { severity: 'warning', codeLens: false, diagnosticLanes: [2, 3], gateHints: [2], maxFileSize: 1000, configPath: 'conf/lanes.toml' },
  );
});

test('bad values fall back instead of reaching the server', () => {
  assert.deepEqual(from({ severity: 'loud', codeLens: 'yes', diagnosticLanes: 'all', maxFileSize: -1 }), DEFAULTS);
  assert.deepEqual(lanes([0, 1, 1, 4, 2.5, '3', 3], []), [1, 3]);
  assert.deepEqual(lanes([], [3]), []);
});

test('what a change asks for', () => {
  const only = (...sections: string[]) => (s: string) => sections.some((x) => x === s || x.startsWith(`${s}.`));
  assert.equal(reaction(only('lanes.server.path')), 'restart');
  assert.equal(reaction(only('lanes.server.extraEnv')), 'restart');
  assert.equal(reaction(only('lanes.diagnosticLanes')), 'notify');
  assert.equal(reaction(only('lanes.configPath')), 'notify');
  assert.equal(reaction(only('lanes.severity', 'lanes.decorations')), 'notify');
  assert.equal(reaction(only('lanes.decorations')), 'local');
  assert.equal(reaction(only('lanes.trace.server')), 'local');
  assert.equal(reaction(only('editor.fontSize')), 'none');
});

test('decoration modes', () => {
  assert.equal(decorationMode('both'), 'both');
  assert.equal(decorationMode('off'), 'off');
  assert.equal(decorationMode(undefined), 'gutter');
  assert.equal(decorationMode('neon'), 'gutter');
});
