#include "support/Stack.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

using namespace weir;

namespace {

// About 4 KiB of stack per call, which the compiler cannot fold away.
std::size_t deep(std::size_t calls) {
  volatile char frame[4096];
  frame[calls % sizeof frame] = 1;
  if (calls == 0) return 0;
  return deep(calls - 1) + static_cast<std::size_t>(frame[calls % sizeof frame]);
}

}  // namespace

TEST(Stack, WorkGetsTheStackItAsksForOnAThreadWithLess) {
  // 32 MiB of frames, asked of a thread with the default stack (8 MiB or less).
  std::size_t result = 0;
  std::thread caller([&] { support::runWithStack(support::kPhaseStackBytes, [&] { result = deep(8192); }); });
  caller.join();
  EXPECT_EQ(result, 8192u);
}

TEST(Stack, WhatTheWorkThrowsIsThrownToTheCaller) {
  std::thread caller([] {
    EXPECT_THROW(support::runWithStack(support::kPhaseStackBytes, [] { throw std::runtime_error("inside"); }),
                 std::runtime_error);
  });
  caller.join();
}
