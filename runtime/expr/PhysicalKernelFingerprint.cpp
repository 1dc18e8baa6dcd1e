// The parts of a PhysicalKernel's description its consumers share: whether it filters and its
// fingerprint. A translation unit of its own, without globals and with nothing but fmt, because
// the JIT plugin (runtime/jit/JitPlugin.h) compiles it in too rather than link the runtime.
#include "expr/PhysicalKernel.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace weir::runtime {

namespace {

void writeExpr(std::string& out, const PhysicalExpr& e) {
  out += fmt::format("({} {}{}{}", static_cast<int>(e.op), static_cast<int>(e.kind), e.nullType ? "n" : "", e.scalar ? "s" : "");
  switch (e.op) {
    case PhysicalOp::Slot: out += fmt::format(" @{}", e.slot); break;
    case PhysicalOp::Int: case PhysicalOp::Text: case PhysicalOp::TextEqual: case PhysicalOp::Scalar:
      out += fmt::format(" {}", e.intValue);
      break;
    case PhysicalOp::Float: {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &e.floatValue, sizeof bits);
      out += fmt::format(" #{:x}", bits);
      break;
    }
    default: break;
  }
  for (const PhysicalExpr& a : e.args) {
    out += ' ';
    writeExpr(out, a);
  }
  out += ')';
}

}  // namespace

bool PhysicalKernel::filters() const {
  return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.filter; });
}

std::string PhysicalKernel::fingerprint() const {
  std::string out = "weir-kernel-2 in";
  for (const ColumnSpec& spec : inputs) out += fmt::format(" {}", static_cast<int>(spec.kind));
  // The texts' codes are the run's (KernelEntry): the code reads them by index, whatever they say.
  out += fmt::format("\ntexts {} scalars {}", texts.size(), scalarColumns.size());
  for (const Step& step : steps) {
    out += step.filter ? "\nfilter " : fmt::format("\n@{} = ", step.slot);
    writeExpr(out, step.expr);
  }
  out += "\nout";
  for (const Output& o : outputs) out += fmt::format(" {}:@{}", static_cast<int>(o.spec.kind), o.slot);
  return out;
}

}  // namespace weir::runtime
