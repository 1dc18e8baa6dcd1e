#pragma once

// Stacks of a known size, for work whose recursion depth the program controls up to a bound
// (ast/Limits.h): the stack the work needs is then there, whatever thread calls it (the main
// thread's depends on `ulimit -s`, a language server's or a pool's may be smaller).

#include <cstddef>
#include <functional>

namespace weir::support {

// The stack the compiler's phases, the commands and the runtime's expression code need. The
// deepest expression ast::kMaxExpressionDepth allows takes about 15 MiB (measured on every
// command, docs/LANGUAGE-NOTES.md); the rest is margin for sanitizer builds, whose frames are
// larger. Only the pages used are ever touched.
inline constexpr std::size_t kPhaseStackBytes = std::size_t{64} << 20;

// Runs `work` with at least `stackBytes` of stack left: here when the calling thread has that
// much, else on a new thread with that stack, waiting for it. An exception `work` throws is
// thrown again here. If no thread can be started, runs `work` here.
void runWithStack(std::size_t stackBytes, const std::function<void()>& work);

// Lets the main thread's stack grow to `stackBytes` (raising the soft RLIMIT_STACK when it is
// lower and the hard limit allows), so that work run on it needs no thread of its own: a second
// thread would make every allocation take a lock (glibc skips it in a process with one thread).
// Called first thing in `main`; false when the limit could not be raised.
bool reserveMainStack(std::size_t stackBytes);

}  // namespace weir::support
