#include "driver/CommandLine.h"
#include "engine/Workspace.h"
#include "lsp/Loop.h"

#include <csignal>
#include <unistd.h>

namespace weir::driver {

const char* lspHelp() {
  return R"(Usage: weir lsp [--stdio]

Runs the language server: the Language Server Protocol 3.17 over standard input
and output, for editors (editors/vscode, editors/nvim; docs/LSP.md). It checks
open files as they are typed (unsaved edits of imported modules included) and
answers hover (schemas, column types, lineage and @pii/@sensitive taints, doc
comments, built-in signatures), go to definition, find references, document
symbols, completion, code actions from "did you mean" help, rename and
formatting (`weir fmt`).

Options:
  --stdio      talk over standard input and output (the default and only transport)
  -h, --help   show this help

Exit codes: 0 after the client's `shutdown` and `exit`, 1 when the client went
away without them, 2 usage error.
)";
}

int runLsp(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("lsp", args, {{"--stdio"}}, streams);
  if (!line) return kExitUsage;
  if (!line->positional().empty()) return usageError("lsp", "takes no arguments", streams);
  // A client that goes away is a failed write, not a signal that kills the server.
  std::signal(SIGPIPE, SIG_IGN);
  engine::Workspace workspace;
  // Frames count bytes: the server writes to the descriptors itself, not through the escaping
  // streams that every other command prints through (their escapes would change the lengths;
  // JSON carries any text safely).
  return lsp::serve(STDIN_FILENO, STDOUT_FILENO, workspace);
}

}  // namespace weir::driver
