#pragma once

// `weir lsp`'s main loop: a reader thread turns the input's bytes into frames (Transport.h) and
// queues them; this thread hands each to the Server and, when no message waits, lets it compile
// what changed (a burst of keystrokes read together is compiled once). A change that arrives
// during a compilation cancels it: the newer version is compiled instead.

#include "engine/Workspace.h"
#include "lsp/Transport.h"

#include <cstddef>

namespace weir::lsp {

struct ServeOptions {
  std::size_t maxMessageBytes = kDefaultMaxMessageBytes;
};

// Serves one client over two file descriptors until `exit`, the end of the input or a failed
// write. Returns the process's exit code: 0 after `shutdown` and `exit`, 1 otherwise.
int serve(int in, int out, engine::Workspace& workspace, const ServeOptions& options = {});

}  // namespace weir::lsp
