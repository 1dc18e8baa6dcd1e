#pragma once

// The LLVM JIT for fused row pipelines (issue 20): one generated loop per PhysicalKernel, built
// with ORC's LLJIT. Compiled objects are kept on disk (ORC's ObjectCache), keyed by the kernel's
// fingerprint, the CPU and the LLVM version, so that a re-run compiles nothing. Only
// LlvmJit.cpp includes LLVM headers.

#include "expr/KernelCompiler.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace weir::runtime::jit {

// What happened to one kernel offered to the JIT.
struct KernelEvent {
  enum class Outcome { Compiled, Cached, Interpreted };
  std::string label;
  Outcome outcome = Outcome::Compiled;
  double milliseconds = 0;  // building, optimizing and compiling (Compiled), loading (Cached)
  double cpuMilliseconds = 0;  // the same, in this thread's CPU time (other processes excluded)
  std::string why;          // Interpreted: what the JIT does not support
};

class LlvmJit : public KernelCompiler {
 public:
  // The JIT for this machine, or none (with `why`) when LLVM does not initialize here. It keeps
  // no compiled objects until setCacheFolder.
  static std::unique_ptr<LlvmJit> create(std::string& why);
  ~LlvmJit() override;

  KernelEntry compile(const PhysicalKernel& kernel, const std::string& label, std::string& why) override;
  void interpreted(const std::string& label, const std::string& why) override;
  void setCacheFolder(const std::string& base, const std::string& folder) override;

  std::vector<KernelEvent> events() const;
  // The line `--jit-report` prints per kernel, e.g. "jit: features: compiled in 3.1 ms".
  static std::string describe(const KernelEvent& event);

 private:
  struct State;
  explicit LlvmJit(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  mutable std::mutex mutex_;
  std::vector<KernelEvent> events_;
};

}  // namespace weir::runtime::jit
