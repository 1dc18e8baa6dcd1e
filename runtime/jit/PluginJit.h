#pragma once

// The JIT as the runtime sees it: a KernelCompiler that loads the LLVM plugin (JitPlugin.h) when
// the first kernel is offered, so that a command without kernels (check, fmt, lsp, a run whose
// pipelines are all interpreted) never maps LLVM. A plugin that is missing or does not load
// means the interpreter runs every kernel, which events() reports; it is never an error.
// Compiled objects are kept in the project's .weir/jit (setCacheFolder), one KEY.o per kernel.

#include "jit/JitPlugin.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace weir::runtime::jit {

class PluginJit : public KernelCompiler {
 public:
  // `pluginPath`: the plugin's file (normally defaultPluginPath()); nothing is loaded yet.
  explicit PluginJit(std::string pluginPath);
  ~PluginJit() override;

  // <folder of /proc/self/exe>/../lib/weir/libweir-jit.so; never the current directory or
  // LD_LIBRARY_PATH. Empty when the executable's path is unknown.
  static std::string defaultPluginPath();

  KernelEntry compile(const PhysicalKernel& kernel, const std::string& label, std::string& why) override;
  void interpreted(const std::string& label, const std::string& why) override;
  void setCacheFolder(const std::string& base, const std::string& folder) override;
  void prepare(const PhysicalKernel& kernel, const std::string& label) override;

  // Loads the plugin now (at most once; compile does it otherwise). False with `why` when it
  // cannot be loaded.
  bool load(std::string& why);
  // Whether loading was tried and failed (then `why`): --jit=on warns about it.
  bool failed(std::string& why) const;
  // How long loading the plugin took (0 when it was not loaded).
  double loadMilliseconds() const;

  std::vector<KernelEvent> events() const;
  // The line `--jit-report` prints per kernel, e.g. "jit: features: compiled in 3.1 ms".
  static std::string describe(const KernelEvent& event);

 private:
  struct State;
  std::unique_ptr<State> state_;
  mutable std::mutex mutex_;
  std::mutex preparing_;  // held by prepare from compiling to filing its event
  std::vector<KernelEvent> events_;
  std::vector<KernelEvent> ahead_;  // prepared, not yet used by their node
};

}  // namespace weir::runtime::jit
