#include "driver/Driver.h"
#include "support/Stack.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <malloc.h>
#include <unistd.h>

int main(int argc, char** argv) {
  // Parse trees are millions of small nodes freed together; glibc's fast bins then spend a fifth
  // of `weir check` consolidating them (measured with perf on bench/gen_program.py output).
  // Without fast bins a 47,000-line check drops from 0.70 s to 0.57 s.
  mallopt(M_MXFAST, 0);
  // Commands recurse over expressions as deep as the parser allows (ast/Limits.h): they run on
  // this thread when its stack may grow that far, else on one of their own (runWithStack).
  weir::support::reserveMainStack(weir::support::kPhaseStackBytes);
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* noColor = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  bool color = isatty(STDERR_FILENO) == 1 && (noColor == nullptr || noColor[0] == '\0') &&
               !(term != nullptr && std::string(term) == "dumb");
  int status = weir::driver::kExitUsage;
  try {
    // What a command does itself (print a syntax tree or a plan, free a compilation) recurses
    // over expressions as the phases do: it gets the same known stack.
    weir::support::runWithStack(weir::support::kPhaseStackBytes, [&] {
      status = weir::driver::runWeir(args, {std::cin, std::cout, std::cerr, color, isatty(STDERR_FILENO) == 1});
    });
  } catch (const std::exception& e) {
    std::cerr << "weir: internal error: " << e.what() << "\n";
    return weir::driver::kExitUsage;
  }
  return status;
}
