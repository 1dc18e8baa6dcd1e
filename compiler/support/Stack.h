#pragma once

// Threads with a stack of a known size, for work whose recursion depth the program controls up to
// a bound (ast/Limits.h): the stack the work needs is then known, whatever thread calls it (the
// main thread's depends on `ulimit -s`, a language server's or a pool's may be smaller).

#include <cstddef>
#include <functional>

namespace weir::support {

// The stack the compiler's phases, the commands and the runtime's expression code get. The
// deepest expression ast::kMaxExpressionDepth allows needs about 15 MiB of it (measured on every
// command, docs/LANGUAGE-NOTES.md); the rest is margin for sanitizer builds, whose frames are
// larger. Only the pages used are ever touched.
inline constexpr std::size_t kPhaseStackBytes = std::size_t{128} << 20;

// Runs `work` on a new thread with `stackBytes` of stack and waits for it to finish. An exception
// `work` throws is thrown again here. If no thread can be started, runs `work` here.
void runWithStack(std::size_t stackBytes, const std::function<void()>& work);

}  // namespace weir::support
