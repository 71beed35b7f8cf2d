--- Neovim (0.11+) configuration of the `lanes` language server, found by `vim.lsp.config`
--- on 'runtimepath': `vim.lsp.enable('lanes')` starts it for Rust and Python buffers.
--- Override any field with `vim.lsp.config('lanes', { ... })`, for example the command or
--- `settings = { lanes = { diagnosticLanes = { 2, 3 } } }`.

---@type vim.lsp.Config
return {
  cmd = { 'lanes', 'lsp' },
  filetypes = { 'rust', 'python' },
  root_markers = { 'lanes.toml', 'pyproject.toml', 'Cargo.toml', '.git' },
  -- The server's options (the same names as the VS Code settings, without `lanes.`).
  settings = {
    lanes = {
      severity = 'information',
      codeLens = true,
      diagnosticLanes = { 3 },
      gateHints = { 2 },
      maxFileSize = 4194304,
      configPath = '',
    },
  },
  -- The server reads its options at start from initializationOptions: send the settings.
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_get(config, 'settings', 'lanes')
  end,
  -- Code lenses run the server's `lanes.explain`: show its answer in a float.
  commands = {
    ['lanes.explain'] = function(command, ctx)
      require('lanes').run_explain(command, ctx)
    end,
  },
}
