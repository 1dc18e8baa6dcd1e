#include "driver/Driver.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* noColor = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  bool color = isatty(STDERR_FILENO) == 1 && (noColor == nullptr || noColor[0] == '\0') &&
               !(term != nullptr && std::string(term) == "dumb");
  try {
    return weir::driver::runWeir(args, {std::cin, std::cout, std::cerr, color});
  } catch (const std::exception& e) {
    std::cerr << "weir: internal error: " << e.what() << "\n";
    return weir::driver::kExitUsage;
  }
}
