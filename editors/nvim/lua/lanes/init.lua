--- Lanes in Neovim: the explanation float (`:LanesExplain`, code lens clicks), code lens
--- refresh on the events that change lenses, and changing the server's settings at run time
--- (`require('lanes').set({ diagnosticLanes = { 2, 3 } })`), which re-publishes diagnostics.
local M = {}

M.name = 'lanes'
local EXPLAIN = 'lanes.explain'

--- The running lanes client of a buffer, if any.
---@param bufnr integer?
---@return vim.lsp.Client?
function M.client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr or 0, name = M.name })[1]
end

--- Show Markdown in a float next to the cursor; returns the float's window.
---@param markdown string
---@return integer? window
function M.show(markdown)
  local lines = vim.split(markdown, '\n', { trimempty = true })
  local _, win = vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = 'rounded',
    focus_id = 'lanes-explain',
    max_width = math.max(60, math.floor(vim.o.columns * 0.6)),
    max_height = math.max(10, math.floor(vim.o.lines * 0.6)),
  })
  return win
end

--- Ask the server for the explanation at a position and show it; calls `done(window, markdown)`.
---@param client vim.lsp.Client
---@param bufnr integer
---@param command lsp.Command
---@param done fun(win: integer?, markdown: string?)?
local function request(client, bufnr, command, done)
  client:request('workspace/executeCommand', command, function(err, result)
    if err or type(result) ~= 'string' then
      vim.notify('lanes: ' .. (err and err.message or 'nothing to explain here'), vim.log.levels.WARN)
      if done then done(nil, nil) end
      return
    end
    local win = M.show(result)
    if done then done(win, result) end
  end, bufnr)
end

--- Handler of the `lanes.explain` command (code lenses).
function M.run_explain(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client then request(client, ctx.bufnr, { command = EXPLAIN, arguments = command.arguments }) end
end

--- `:LanesExplain`: the explanation of the function, method or class under the cursor.
---@param done fun(win: integer?, markdown: string?)?
function M.explain(done)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    vim.notify('lanes: no lanes language server attached to this buffer (vim.lsp.enable("lanes"))', vim.log.levels.WARN)
    if done then done(nil, nil) end
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  request(client, bufnr, { command = EXPLAIN, arguments = { params.textDocument.uri, params.position } }, done)
end

--- Merge `settings` into the server's options of every running lanes client and send them
--- (workspace/didChangeConfiguration); the server re-publishes its diagnostics.
---@param settings table e.g. { diagnosticLanes = { 2, 3 }, severity = 'warning' }
function M.set(settings)
  for _, client in ipairs(vim.lsp.get_clients({ name = M.name })) do
    client.settings = client.settings or {}
    client.settings.lanes = client.settings.lanes or {}
    for k, v in pairs(settings) do
      client.settings.lanes[k] = v
    end
    client:notify('workspace/didChangeConfiguration', { settings = client.settings })
  end
  M.refresh_codelens()
end

--- Fetch code lenses again for the lanes buffers (or one buffer).
---@param bufnr integer?
function M.refresh_codelens(bufnr)
  local bufs = bufnr and { bufnr } or vim.tbl_filter(function(b)
    return vim.api.nvim_buf_is_loaded(b) and M.client(b) ~= nil
  end, vim.api.nvim_list_bufs())
  for _, b in ipairs(bufs) do
    vim.lsp.codelens.refresh({ bufnr = b })
  end
end

--- When lanes attaches to a buffer: show code lenses and keep them current (entering the
--- buffer, leaving insert mode, saving, pausing, and new diagnostics, which carry gate changes).
function M.on_attach(client, bufnr)
  if not client:supports_method('textDocument/codeLens') then return end
  local codelens = vim.lsp.codelens
  if type(codelens.enable) == 'function' then
    -- Newer Neovim keeps lenses current by itself.
    codelens.enable(true, { bufnr = bufnr })
    return
  end
  local group = vim.api.nvim_create_augroup('lanes.codelens.' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost', 'CursorHold', 'DiagnosticChanged' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      if M.client(bufnr) then codelens.refresh({ bufnr = bufnr }) end
    end,
  })
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    buffer = bufnr,
    callback = function(args)
      if args.data and args.data.client_id == client.id then
        codelens.clear(client.id, bufnr)
        pcall(vim.api.nvim_del_augroup_by_id, group)
      end
    end,
  })
  codelens.refresh({ bufnr = bufnr })
end

return M
