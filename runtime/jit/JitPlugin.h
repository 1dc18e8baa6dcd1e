#pragma once

// The boundary between weir and its JIT plugin (issue 20): libweir-jit.so, the one module that
// links LLVM, found at <the weir binary's folder>/../lib/weir/ and loaded only when a run has a
// kernel to offer (PluginJit.h). The plugin exports one C function, kCreateBackend, returning a
// Backend; it links none of weir's static libraries (no second copy of their globals): what it
// needs from the runtime (the compiled-object store, the interpreter's date parts, the comparison
// of two dictionaries' strings) it is lent
// through PluginHost. Both sides are built from the same tree; PluginHost's sizes and
// kPluginAbi catch a plugin left over from another build.

#include "expr/KernelCompiler.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weir::runtime::jit {

// Raise it whenever PhysicalKernel, PluginHost, ObjectStore or Backend change shape.
constexpr std::uint32_t kPluginAbi = 5;
constexpr const char* kCreateBackend = "weir_jit_create_backend";

// What happened to one kernel offered to the JIT.
struct KernelEvent {
  // Reused: compiled or loaded earlier in this process (the same kernel in another node, or the
  // same node's kernel compiled ahead of its input).
  // Unused: compiled ahead of a node's input (prepare), and the node's own kernel differed.
  enum class Outcome { Compiled, Cached, Interpreted, Reused, Unused };
  std::string label;
  Outcome outcome = Outcome::Compiled;
  double milliseconds = 0;     // building, optimizing and compiling (Compiled), loading (Cached)
  double cpuMilliseconds = 0;  // the same, in this thread's CPU time (other processes excluded)
  std::string why;             // Interpreted: what the JIT does not support
  bool vectorized = false;     // Compiled: the loop was vectorized (and got the full code generator)
  std::string key;             // the compiled object's key (empty when interpreted)
  bool ahead = false;          // Compiled, Cached: ahead of the node's input (prepare)
};

// Compiled objects by key (the project's .weir/jit), kept by weir. A failure to read or write
// one only costs a compile.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual bool enabled() const = 0;
  virtual std::string read(const std::string& key) const = 0;  // empty: none
  virtual void write(const std::string& key, std::string_view object) = 0;
  virtual void remove(const std::string& key) = 0;
};

// The compiler inside the plugin. compile fills `event` (outcome, times, why) but not its label.
// Callable from several threads.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual KernelEntry compile(const PhysicalKernel& kernel, KernelEvent& event) = 0;
};

struct PluginHost {
  std::uint32_t abi = kPluginAbi;
  std::size_t kernelSize = sizeof(PhysicalKernel);
  std::size_t exprSize = sizeof(PhysicalExpr);
  std::size_t specSize = sizeof(ColumnSpec);
  std::size_t eventSize = sizeof(KernelEvent);
  ObjectStore* objects = nullptr;
  // The interpreter's datePart (expr/ScalarFunctions.h), which generated code calls.
  std::int64_t (*datePart)(std::int32_t kind, std::int64_t value, std::int32_t which) = nullptr;
  // Whether string `codeA` of dictionary `a` (a StringDictionary) and `codeB` of `b` are the same
  // bytes (1) or not (0); a code a dictionary does not have (a null row's 0) is unequal.
  std::int64_t (*textEqual)(const void* a, std::int64_t codeA, const void* b, std::int64_t codeB) = nullptr;
};

// The plugin's export: a Backend for this machine, or null with `why` (LLVM does not initialize
// here, or the host is from another build).
using CreateBackend = Backend* (*)(const PluginHost* host, std::string* why);

}  // namespace weir::runtime::jit
