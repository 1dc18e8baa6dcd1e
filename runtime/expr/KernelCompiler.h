#pragma once

// The second backend of fused row pipelines: something that compiles a PhysicalKernel into
// machine code (runtime/jit, the LLVM JIT). The runtime only sees this interface; when there is
// none, or it refuses a kernel, the interpreter runs the kernel.

#include "expr/PhysicalKernel.h"

#include <cstdint>
#include <string>

namespace weir::runtime {

// A compiled kernel over rows [begin, end) of its input. Per input slot k: `values[k]` (int64 or
// double storage, uint32 codes for a category or a string) and `valid[k]` (a byte per row);
// `values[inputs]` is the run's constants (int64): the code of each of kernel.texts in its
// column's dictionary (-1 when absent), then each of kernel.scalarColumns' value (a float's
// bits) and validity (0 or 1), then per input slot its StringDictionary's address (0 for other
// kinds): PhysicalKernel::scalarConstant, dictionaryConstant. Per output o that the kernel computes: `outValues[o]` and `outValid[o]`,
// written at [0, kept) (null for outputs copied through). With filters, the kept rows' indexes
// go to `selection`. Returns how many rows were kept.
using KernelEntry = std::int64_t (*)(const void* const* values, const std::uint8_t* const* valid, void* const* outValues,
                                     std::uint8_t* const* outValid, std::uint32_t* selection, std::int64_t begin,
                                     std::int64_t end);

class KernelCompiler {
 public:
  virtual ~KernelCompiler() = default;
  // The kernel's entry, or null with `why` set (then the interpreter runs it; never an error).
  // `label` names the kernel in reports. Callable from several threads.
  virtual KernelEntry compile(const PhysicalKernel& kernel, const std::string& label, std::string& why) = 0;
  // The same kernel ahead of its node's input (when a run starts, over the columns the plan
  // promises), so that the node's compile finds it ready. Nothing is reported unless the node
  // then uses it; a refusal is the node's to report.
  virtual void prepare(const PhysicalKernel& kernel, const std::string& label) {
    std::string why;
    (void)compile(kernel, label, why);
  }
  // A kernel that was not offered because it has no physical form: why (for the report).
  virtual void interpreted(const std::string& label, const std::string& why) = 0;
  // Where compiled objects are kept: `folder` (a project's .weir/jit), below the trusted `base`
  // (the project root), written through a StateFolder; empty: nowhere.
  virtual void setCacheFolder(const std::string& base, const std::string& folder) = 0;
};

// Hands every kernel a pipeline builds to another compiler's `prepare` and gives none back: a
// pipeline built over it only starts the compiles ahead (the executor's compile-ahead step).
class PreparingCompiler : public KernelCompiler {
 public:
  explicit PreparingCompiler(KernelCompiler& compiler) : compiler_(compiler) {}
  KernelEntry compile(const PhysicalKernel& kernel, const std::string& label, std::string&) override {
    compiler_.prepare(kernel, label);
    return nullptr;
  }
  void interpreted(const std::string&, const std::string&) override {}
  void setCacheFolder(const std::string&, const std::string&) override {}

 private:
  KernelCompiler& compiler_;
};

}  // namespace weir::runtime
