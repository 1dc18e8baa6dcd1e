-- Weir for Neovim's built-in LSP client (Neovim 0.7 and later): `.mlflow` files get the
-- `weir` filetype, and each buffer of it is attached to one `weir lsp` per project root (the
-- nearest folder with `.weir/` or `.git`, as `weir` itself finds it).
--
--   require("weir").setup()                          -- `weir` on PATH
--   require("weir").setup({ cmd = { "/path/to/weir", "lsp" } })
local M = {}

local clients = {}  -- project root -> client id

local function project_root(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir ~= "/" and dir ~= "" do
    if vim.fn.isdirectory(dir .. "/.weir") == 1 or vim.fn.isdirectory(dir .. "/.git") == 1
        or vim.fn.filereadable(dir .. "/.git") == 1 then
      return dir
    end
    dir = vim.fn.fnamemodify(dir, ":h")
  end
  return vim.fn.fnamemodify(path, ":p:h")
end

function M.attach(bufnr, opts)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" then return end
  local root = project_root(path)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = "weir",
      cmd = opts.cmd,
      root_dir = root,
      on_attach = opts.on_attach,
      capabilities = opts.capabilities,
    })
    clients[root] = id
  end
  if id ~= nil then vim.lsp.buf_attach_client(bufnr, id) end
end

function M.setup(opts)
  opts = vim.tbl_extend("keep", opts or {}, { cmd = { "weir", "lsp" } })
  local group = vim.api.nvim_create_augroup("weir_lsp", { clear = true })
  -- An autocommand rather than vim.filetype.add: Neovim 0.7 reads the latter only with
  -- g:do_filetype_lua set.
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    group = group,
    pattern = "*.mlflow",
    command = "setfiletype weir",
  })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "weir",
    callback = function(args) M.attach(args.buf, opts) end,
  })
  -- Buffers opened before setup.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.bo[bufnr].filetype == "weir" then M.attach(bufnr, opts) end
  end
end

return M
