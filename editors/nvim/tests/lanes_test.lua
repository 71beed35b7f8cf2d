--- Headless Neovim tests of editors/nvim against the real server: attach and root, Lane 3
--- diagnostic, hover, code lenses (and their refresh after an edit), a code action applied
--- and the buffer checked, `:LanesExplain` opening a float, the code lens command, and a
--- settings change re-publishing diagnostics. Ends with exit code 0 only if all passed.
local env = vim.env
local results = {}
local failures = 0
local TIMEOUT = 15000

local function log(line)
  table.insert(results, line)
  io.stdout:write(line .. '\n')
end

local function check(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    log('ok - ' .. name)
  else
    failures = failures + 1
    log('not ok - ' .. name .. '\n    ' .. tostring(err):gsub('\n', '\n    '))
  end
end

local function finish()
  log(string.format('%d checks, %d failed', #vim.tbl_filter(function(l) return l:match('^n?o?t? ?ok') end, results), failures))
  local f = io.open(env.RESULTS, 'w')
  if f then
    f:write(table.concat(results, '\n') .. '\n')
    f:close()
  end
  vim.cmd(failures == 0 and 'qall!' or 'cquit 1')
end

local function wait(what, cond)
  if not vim.wait(TIMEOUT, cond, 20) then error('timed out waiting for ' .. what, 2) end
end

local function eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(string.format('%s: expected %s, got %s', what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function read(path)
  local f = assert(io.open(path, 'r'))
  local s = f:read('*a')
  f:close()
  return s
end

local action = vim.json.decode(read(env.ACTION))
local workspace = env.WORKSPACE
local file = workspace .. '/' .. action.file

-- The plugin directory is on 'runtimepath' (tests/run.sh), so lsp/lanes.lua and
-- plugin/lanes.lua are found like any plugin's; only the command points at the build.
vim.lsp.config('lanes', { cmd = { env.LANES_BIN, 'lsp' } })
vim.lsp.enable('lanes')
vim.cmd.edit(vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local lanes = require('lanes')
local client

local function line_of(pattern)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l:find(pattern, 1, true) then return i - 1 end
  end
  error('no line with ' .. pattern)
end

--- The lane diagnostics of the buffer, without the Hints on open gates (Lane 2 by default).
local function lane_only()
  return vim.tbl_filter(function(d) return d.code ~= 'lanes.open-gates' end, vim.diagnostic.get(buf))
end

--- The gate hints of the buffer.
local function gate_hints()
  return vim.tbl_filter(function(d) return d.code == 'lanes.open-gates' end, vim.diagnostic.get(buf))
end

local function lane_diagnostics()
  return vim.tbl_map(function(d) return d.message:match('^(Lane %d %b())') end, lane_only())
end

check('the server attaches to a Rust buffer with the workspace as root', function()
  eq('rust', vim.bo[buf].filetype, 'filetype')
  wait('the lanes client', function() return lanes.client(buf) ~= nil end)
  client = lanes.client(buf)
  wait('initialization', function() return client.initialized end)
  eq(vim.fs.normalize(vim.uv.fs_realpath(workspace)), vim.fs.normalize(vim.uv.fs_realpath(client.root_dir)), 'root_dir')
  eq('lanes', client.server_info and client.server_info.name, 'server name')
end)

check('a Lane 3 diagnostic on refund_order', function()
  wait('diagnostics', function() return #lane_only() > 0 end)
  local d = lane_only()
  eq(1, #d, 'number of diagnostics')
  eq(line_of('pub fn refund_order'), d[1].lnum, 'line')
  eq('lanes', d[1].source, 'source')
  eq(vim.diagnostic.severity.INFO, d[1].severity, 'severity')
  eq({ 'Lane 3 (billing)' }, lane_diagnostics(), 'lanes')
  -- Lane 2 functions with open gates get a Hint: order_total (no log) and round_to_tens
  -- (untested, no log).
  local hints = vim.tbl_map(function(h) return { h.lnum, h.severity, h.message } end, gate_hints())
  table.sort(hints, function(a, b) return a[1] < b[1] end)
  eq({
    { line_of('pub fn order_total'), vim.diagnostic.severity.HINT, 'Lane 2 (revenue): open gates: observability' },
    { line_of('pub fn round_to_tens'), vim.diagnostic.severity.HINT, 'Lane 2 (core): open gates: tests, observability' },
  }, hints, 'gate hints')
end)

check('hover explains the lane', function()
  local line = line_of('pub fn refund_order')
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = 9 } }
  local replies = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, TIMEOUT)
  local value = replies and replies[client.id] and replies[client.id].result and replies[client.id].result.contents.value
  assert(value, 'no hover: ' .. vim.inspect(replies))
  eq('### Lane 3 · billing', vim.split(value, '\n')[1], 'first line')
  assert(value:find('`refund_order` (function, lines 9–12)', 1, true), value)
  assert(value:find('calls a payment provider API', 1, true), value)
end)

local function lens_titles()
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    if lens.command then titles[#titles + 1] = (lens.range.start.line + 1) .. ' ' .. lens.command.title end
  end
  table.sort(titles, function(a, b) return tonumber(a:match('^%d+')) < tonumber(b:match('^%d+')) end)
  return titles
end

check('code lenses are shown and refreshed after an edit', function()
  local ok = vim.wait(TIMEOUT, function() return #lens_titles() >= 4 end, 20)
  assert(ok, 'code lenses: ' .. vim.inspect(lens_titles()))
  eq({
    '9 Lane 3 · billing · tests ✗ · observability ✗ · review ✗',
    '15 Lane 2 · revenue · tests ✓ · observability ✗',
    '20 Lane 2 · core · tests ✗ · observability ✗',
    '29 Lane 1 · test',
  }, vim.tbl_filter(function(t) return t:match('^%d+ Lane') end, lens_titles()), 'lenses')
  -- A new Lane 3 function, typed in insert mode: leaving insert mode refreshes the lenses.
  local at = line_of('#[cfg(test)]')
  vim.api.nvim_buf_set_lines(buf, at, at, false, { 'pub fn charge_card(card: &str) { stripe::Charge::create(card); }', '' })
  vim.cmd('doautocmd InsertLeave')
  wait('a lens on the new function', function()
    return vim.tbl_contains(lens_titles(), (at + 1) .. ' Lane 3 · billing · tests ✗ · observability ✗ · review ✗')
  end)
  vim.api.nvim_buf_set_lines(buf, at, at + 2, false, {})
  wait('the edit undone on the server', function() return #lane_only() == 1 end)
end)

check(string.format('code action "%s…" applied to %s', action.titlePrefix, action['function']), function()
  local before = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local line = line_of('fn ' .. action['function'])
  vim.api.nvim_win_set_cursor(0, { line + 1, (before[line + 1]:find(action['function'], 1, true)) })
  vim.lsp.buf.code_action({
    filter = function(a) return vim.startswith(a.title, action.titlePrefix) end,
    apply = true,
  })
  wait('the edit', function() return vim.api.nvim_buf_line_count(buf) > #before end)
  local after = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  -- Every original line kept in order; the added ones hold the expected text.
  local i, added = 1, {}
  for _, l in ipairs(after) do
    if before[i] == l then i = i + 1 else added[#added + 1] = l end
  end
  eq(#before + 1, i, 'original lines kept')
  assert(table.concat(added, '\n'):find(action.inserted, 1, true), 'added lines: ' .. vim.inspect(added))
  log('    inserted: ' .. table.concat(added, ' | '))
end)

local function floats()
  local out = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then out[#out + 1] = w end
  end
  return out
end

local function close_floats()
  for _, w in ipairs(floats()) do vim.api.nvim_win_close(w, true) end
end

check(':LanesExplain opens a float with the explanation', function()
  close_floats()
  vim.api.nvim_win_set_cursor(0, { line_of('let refund =') + 1, 8 })
  vim.cmd('LanesExplain')
  wait('a float', function() return #floats() > 0 end)
  local text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(floats()[1]), 0, -1, false), '\n')
  assert(text:find('Lane 3 · billing', 1, true), text)
  assert(text:find('Lane 3 permits', 1, true), text)
  close_floats()
end)

check('the code lens command lanes.explain opens the float', function()
  local line = line_of('pub fn order_total')
  local lens
  wait('the lens', function()
    for _, l in ipairs(vim.lsp.codelens.get(buf)) do
      if l.range.start.line == line and l.command then lens = l end
    end
    return lens ~= nil
  end)
  eq('lanes.explain', lens.command.command, 'command')
  client:exec_cmd(lens.command, { bufnr = buf })
  wait('a float', function() return #floats() > 0 end)
  local text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(floats()[1]), 0, -1, false), '\n')
  assert(text:find('Lane 2 · revenue', 1, true), text)
  close_floats()
end)

check('a settings change re-publishes diagnostics', function()
  lanes.set({ diagnosticLanes = { 2, 3 }, severity = 'warning' })
  wait('Lane 2 diagnostics', function() return #lane_only() == 3 end)
  eq({ 'Lane 3 (billing)', 'Lane 2 (revenue)', 'Lane 2 (core)' }, lane_diagnostics(), 'lanes')
  for _, d in ipairs(lane_only()) do eq(vim.diagnostic.severity.WARN, d.severity, 'severity') end
  lanes.set({ diagnosticLanes = { 3 } })
  wait('back to Lane 3 only', function() return #lane_only() == 1 end)
end)

finish()
