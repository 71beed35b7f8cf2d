/**
 * Drives the Lanes extension in code-server through headless Chromium (playwright-core).
 * Each step waits for what a user would see and fails the run when it does not appear:
 * Lane 3 diagnostic in the Problems panel, code lens, gutter mark, status bar lane updating
 * with the cursor, hover explanation, the explain panel (status bar click), a code action
 * applied and the saved file checked, a settings change taking effect without a reload, and
 * the error notification when the server binary is missing. Screenshots: $ARTIFACTS/*.png.
 */
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PORT = process.env.PORT;
const WORKSPACE = process.env.WORKSPACE;
const OUT = process.env.ARTIFACTS;
const BIN = process.env.LANES_BIN;
const ACTION = JSON.parse(fs.readFileSync(process.env.ACTION, 'utf8'));
const WAIT = 30000;

const t0 = Date.now();
const lap = (m) => console.log(`e2e [${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every original line is still there, in order, and the added lines contain `inserted`. */
function checkInsertion(before, after, inserted) {
  const a = before.split('\n');
  const b = after.split('\n');
  const added = [];
  let i = 0;
  for (const line of b) {
    if (i < a.length && line === a[i]) i++;
    else added.push(line);
  }
  if (i !== a.length) throw new Error(`the code action removed or changed original lines (kept ${i} of ${a.length})`);
  if (!added.length) throw new Error('the code action changed nothing');
  if (!added.join('\n').includes(inserted)) throw new Error(`the inserted lines do not contain ${JSON.stringify(inserted)}:\n${added.join('\n')}`);
  return added;
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 760 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const shot = (name) => page.screenshot({ path: path.join(OUT, `${name}.png`) });
  const key = (k) => page.keyboard.press(k);
  const problems = page.locator('.markers-panel');
  const status = page.locator('.statusbar-item', { hasText: /Lane [123]/ });
  const editor = page.locator('.editor-group-container').first().locator('.monaco-editor').first();
  const settingsFile = path.join(WORKSPACE, '.vscode', 'settings.json');
  const writeSettings = (values) => {
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify(values, null, 2));
  };
  /** Go to line:column in the first editor group. */
  const goTo = async (where) => {
    await key('Control+1');
    await key('Control+g');
    await page.locator('.quick-input-widget input').waitFor({ timeout: WAIT });
    await page.keyboard.type(where);
    await key('Enter');
    await sleep(150);
  };
  let failed = false;
  try {
    await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(WORKSPACE)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    lap('workbench loaded');
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
    await key('Control+p');
    await page.locator('.quick-input-widget input').waitFor({ timeout: WAIT });
    await page.keyboard.type('lib.rs');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'lib.rs' }).first().waitFor({ timeout: WAIT });
    await key('Enter');
    await editor.locator('.view-line', { hasText: 'pub fn refund_order' }).waitFor({ timeout: WAIT });
    lap('src/lib.rs open');

    // 1. The Lane 3 diagnostic, in the Problems panel.
    await key('Control+Shift+m');
    await problems.getByText('Lane 3 (billing)').first().waitFor({ timeout: 60000 });
    lap('Problems panel: Lane 3 (billing) diagnostic');
    // Code lens and gutter mark.
    await editor.locator('.codelens-decoration', { hasText: 'Lane 3 · billing' }).first().waitFor({ timeout: WAIT });
    await editor.locator('.codelens-decoration', { hasText: 'Lane 2 · core' }).first().waitFor({ timeout: WAIT });
    lap('code lenses: Lane 3 · billing, Lane 2 · core');
    await editor.locator('.margin [class*="ced-"]').first().waitFor({ timeout: WAIT });
    lap('gutter mark on the Lane 3 function');

    // 2. The status bar follows the cursor.
    await goTo('11:5');
    await status.filter({ hasText: 'Lane 3' }).waitFor({ timeout: WAIT });
    lap('status bar: Lane 3 inside refund_order');
    await goTo('16:5');
    await status.filter({ hasText: 'Lane 2' }).waitFor({ timeout: WAIT });
    lap('status bar: Lane 2 inside order_total');
    if (!(await status.locator('.codicon-shield').count())) throw new Error('the status bar item has no shield icon');

    // 3. Hover on the Lane 3 function's name.
    await goTo('10:5');
    const name = editor.locator('.view-line', { hasText: 'pub fn refund_order' }).locator('span span', { hasText: /^refund_order$/ });
    const box = await name.boundingBox();
    if (!box) throw new Error('refund_order is not on screen');
    await page.mouse.move(box.x + 4, box.y + box.height / 2);
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first();
    await hover.getByText('Lane 3 · billing').first().waitFor({ timeout: WAIT });
    await hover.getByText('calls a payment provider API', { exact: false }).first().waitFor({ timeout: WAIT });
    lap('hover: Lane 3 · billing and why');
    await shot('hover');
    await page.mouse.move(5, 5);
    await key('Escape');

    // 4. Click on the status bar: the explanation panel.
    await goTo('11:5');
    await status.filter({ hasText: 'Lane 3' }).waitFor({ timeout: WAIT });
    await status.first().click();
    await page.locator('.tab', { hasText: 'Lanes: refund_order' }).first().waitFor({ timeout: WAIT });
    let explanation = '';
    for (let i = 0; i < 100 && !explanation.includes('Lane 3 permits'); i++) {
      for (const frame of page.frames()) {
        const body = frame.locator('body.lanes-explanation');
        if (await body.count().catch(() => 0)) explanation = await body.innerText().catch(() => '');
      }
      if (!explanation.includes('Lane 3 permits')) await sleep(200);
    }
    if (!/Lane 3 · billing/.test(explanation) || !explanation.includes('Lane 3 permits')) throw new Error(`explanation panel: ${JSON.stringify(explanation.slice(0, 300))}`);
    lap('status bar click: explanation panel shows the Lane 3 explanation');
    await shot('explain');
    // The picture for the README: editor and explanation, without side bar and panel.
    await key('Control+1');
    await key('Control+b');
    await key('Control+j');
    await page.mouse.move(5, 300);
    await sleep(400);
    await page.screenshot({ path: path.join(OUT, 'readme.png') });
    await key('Control+b');
    await key('Control+Shift+m');
    await key('Control+1');

    // 5. A code action, chosen by title prefix, applied and the saved file checked.
    const file = path.join(WORKSPACE, ACTION.file);
    const before = fs.readFileSync(file, 'utf8');
    const line = before.split('\n').findIndex((l) => l.includes(`fn ${ACTION.function}`)) + 1;
    const column = before.split('\n')[line - 1].indexOf(ACTION.function) + 2;
    await goTo(`${line}:${column}`);
    const item = page.locator('.action-widget .monaco-list-row', { hasText: ACTION.titlePrefix }).first();
    let found = false;
    for (const shortcut of ['Control+.', 'Control+Shift+r']) {
      await key(shortcut);
      try {
        await item.waitFor({ timeout: 8000 });
        found = true;
        break;
      } catch {
        await key('Escape');
      }
    }
    if (!found) throw new Error(`no code action starting with "${ACTION.titlePrefix}" at ${ACTION.file}:${line}`);
    await shot('code-action-menu');
    // The menu is keyboard-driven (a pointer block covers it while it opens): move the
    // focus to the action and press Enter.
    const focused = page.locator('.action-widget .monaco-list-row.focused');
    for (let i = 0; i < 20; i++) {
      const label = (await focused.getAttribute('aria-label', { timeout: 1000 }).catch(() => null)) || '';
      if (label.startsWith(ACTION.titlePrefix)) break;
      await key('ArrowDown');
      await sleep(50);
    }
    const chosen = (await focused.getAttribute('aria-label').catch(() => null)) || '';
    if (!chosen.startsWith(ACTION.titlePrefix)) throw new Error(`could not select the code action (focused: ${JSON.stringify(chosen)})`);
    await key('Enter');
    await key('Control+s');
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await sleep(100);
      after = fs.readFileSync(file, 'utf8');
    }
    const added = checkInsertion(before, after, ACTION.inserted);
    lap(`code action "${ACTION.titlePrefix}…" inserted ${added.length} line(s): ${JSON.stringify(added.join('\n').slice(0, 120))}`);
    await shot('code-action-applied');

    // 6. A setting change takes effect without a reload: Lane 2 diagnostics appear.
    if (await problems.getByText('Lane 2 (').count()) throw new Error('Lane 2 diagnostics before the setting asked for them');
    writeSettings({ 'lanes.diagnosticLanes': [2, 3] });
    await problems.getByText('Lane 2 (').first().waitFor({ timeout: WAIT });
    lap('settings: diagnosticLanes [2, 3] shows Lane 2 diagnostics without a reload');
    await shot('settings');

    // 7. A missing binary: an error notification with buttons, then back to a working server.
    writeSettings({ 'lanes.diagnosticLanes': [2, 3], 'lanes.server.path': '/nonexistent/lanes' });
    const toast = page.locator('.notification-toast', { hasText: 'not found' }).first();
    await toast.waitFor({ timeout: WAIT });
    await toast.locator('.monaco-button', { hasText: 'Open Setting' }).waitFor({ timeout: WAIT });
    await toast.locator('.monaco-button', { hasText: 'Show Output' }).waitFor({ timeout: WAIT });
    lap('missing binary: error notification with Open Setting and Show Output');
    await page.mouse.move(600, 300);
    await sleep(300);
    await shot('error');
    await toast.locator('.monaco-button', { hasText: 'Show Output' }).click();
    await page.locator('.output-view, .panel').getByText('/nonexistent/lanes').first().waitFor({ timeout: WAIT });
    lap('Show Output: the Lanes output names the missing path');
    writeSettings({ 'lanes.server.path': BIN });
    await key('Control+Shift+m');
    await problems.getByText('Lane 3 (billing)').first().waitFor({ timeout: WAIT });
    await goTo('11:5');
    await status.filter({ hasText: 'Lane 3' }).waitFor({ timeout: WAIT });
    lap('lanes.server.path set: server restarted, diagnostics and status bar back');
    console.log('e2e RESULT: PASS');
  } catch (e) {
    failed = true;
    console.log(`e2e RESULT: FAIL ${e && e.message}`);
    await shot('failure').catch(() => {});
    const margin = await editor.locator('.margin').first().innerHTML().catch(() => '');
    fs.writeFileSync(path.join(OUT, 'failure-margin.html'), margin);
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main();
