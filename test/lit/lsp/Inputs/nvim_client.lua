-- Drives Neovim's LSP client with editors/nvim: opens a file, waits for weir's diagnostics,
-- asks for a hover, writes what it got to $WEIR_NVIM_OUT and quits. Run by nvim.test.
local out = {}
local function say(line) table.insert(out, line) end
local function finish()
  vim.fn.writefile(out, os.getenv("WEIR_NVIM_OUT"))
  vim.cmd("qa!")
end

vim.cmd("filetype on")
require("weir").setup({ cmd = { os.getenv("WEIR_BINARY"), "lsp" } })
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("WEIR_NVIM_FILE")))
local buf = vim.api.nvim_get_current_buf()
say("filetype: " .. vim.bo[buf].filetype)

local got = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
if not got then
  say("no diagnostics")
  finish()
end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  say(string.format("diagnostic %d:%d severity %d %s: %s", d.lnum + 1, d.col + 1, d.severity, d.code or "", d.message))
end

local line = tonumber(os.getenv("WEIR_NVIM_LINE"))
local col = tonumber(os.getenv("WEIR_NVIM_COL"))
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
local results = vim.lsp.buf_request_sync(buf, "textDocument/hover", params, 10000)
for _, result in pairs(results or {}) do
  if result.result and result.result.contents then
    for _, text in ipairs(vim.split(result.result.contents.value, "\n")) do say("hover: " .. text) end
  end
end
finish()
