--- Loaded from 'runtimepath': the `:LanesExplain` command and the code lens wiring for
--- buffers the `lanes` server attaches to. Starting the server is `vim.lsp.enable('lanes')`.
if vim.g.loaded_lanes then return end
vim.g.loaded_lanes = true

vim.api.nvim_create_user_command('LanesExplain', function()
  require('lanes').explain()
end, { desc = 'Lanes: explain the lane of the function under the cursor' })

vim.api.nvim_create_autocmd('LspAttach', {
  group = vim.api.nvim_create_augroup('lanes.attach', { clear = true }),
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'lanes' then require('lanes').on_attach(client, args.buf) end
  end,
})
