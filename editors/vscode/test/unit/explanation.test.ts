/**
 * Unit tests of reading the server's explanation: fixed samples, and the real binary's
 * output for the example project (so a change of the server's format breaks this test,
 * not the status bar).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize, statusText, statusTooltip } from '../../src/explanation';

const REPO = path.resolve(__dirname, '../../../../..');
const BIN = process.env.LANES_BIN ?? path.join(REPO, 'target/release/lanes');

test('a function', () => {
  const s = summarize('### Lane 3 · billing, security\n`refund` (function, lines 12–30) is **high impact**.\n\n**Why**\n- …');
  assert.deepEqual(s, { lane: 3, categories: ['billing', 'security'], name: 'refund', kind: 'function', lines: [12, 30] });
  assert.equal(statusText(s!), '$(shield) Lane 3');
  assert.equal(statusTooltip(s!), '`refund` (function): Lane 3 · billing, security — click to explain');
});

test('one line, no categories, CRLF', () => {
  assert.deepEqual(summarize('### Lane 1\r\n`x` (method, line 4) is low-risk'), { lane: 1, categories: [], name: 'x', kind: 'method', lines: [4, 4] });
});

test('not an explanation', () => {
  assert.equal(summarize(''), undefined);
  assert.equal(summarize(null), undefined);
  assert.equal(summarize('### Lane 7 · x'), undefined);
  assert.equal(summarize('Lane 3 somewhere in prose'), undefined);
});

test('the real server output for the example project', () => {
  assert.ok(fs.existsSync(BIN), `${BIN} is missing: run cargo build --release first (or set LANES_BIN)`);
  const explain = (at: string) => execFileSync(BIN, ['explain', at], { cwd: REPO, encoding: 'utf8' });
  assert.deepEqual(summarize(explain('examples/shop/app/accounts.py:37')), {
    lane: 3,
    categories: ['security', 'permission', 'identity'],
    name: 'login',
    kind: 'function',
    lines: [36, 45],
  });
  assert.deepEqual(summarize(explain('examples/shop/app/formatting.py:5')), { lane: 1, categories: ['ui'], name: 'formatting', kind: 'module', lines: [1, 24] });
});
