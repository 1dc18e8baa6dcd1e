#include "operators/RowOperators.h"

#include "expr/VectorOps.h"
#include "operators/OperatorError.h"
#include "operators/Schema.h"
#include "plan/passes/Inlining.h"
#include "table/Morsels.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace weir::runtime {

using plan::NodeKind;

struct RowPipeline::Step {
  NodeKind kind = NodeKind::Filter;
  std::unique_ptr<CompiledExpression> condition;
  // derive and fill: the column written, and its value
  std::vector<std::pair<ColumnSpec, std::unique_ptr<CompiledExpression>>> assignments;
  std::vector<ColumnSpec> output;  // the layout after the step
};

RowPipeline::~RowPipeline() = default;
RowPipeline::RowPipeline(RowPipeline&&) noexcept = default;

bool isRowOperator(NodeKind kind) {
  switch (kind) {
    case NodeKind::Filter: case NodeKind::Derive: case NodeKind::Select: case NodeKind::Drop:
    case NodeKind::Rename: case NodeKind::Fill: case NodeKind::Kernel:
      return true;
    default:
      return false;
  }
}

std::vector<const plan::Node*> rowSteps(const plan::Node& node) {
  std::vector<const plan::Node*> steps;
  if (node.kind == NodeKind::Kernel) {
    for (const plan::Node& step : node.steps) steps.push_back(&step);
  } else {
    steps.push_back(&node);
  }
  return steps;
}

namespace {

// `expr` with the node's functions inlined (the expression both backends compile).
std::shared_ptr<const ast::Expr> inlinedFor(const ast::Expr& expr, const plan::Node& node) {
  std::shared_ptr<const ast::Expr> inlined = plan::inlineFunctions(expr, node.functions);
  if (inlined) return inlined;
  return std::shared_ptr<const ast::Expr>(std::shared_ptr<const ast::Expr>{}, &expr);
}

std::unique_ptr<CompiledExpression> compileFor(const ast::Expr& expr, const std::vector<ColumnSpec>& layout,
                                               const std::vector<ColumnSpec>& scalars) {
  ExpressionInputs inputs;
  inputs.rows = layout;
  inputs.scalars = scalars;
  CompileResult result = compileExpression(expr, inputs);
  if (!result.expression) throw OperatorError(result.error);
  return std::move(result.expression);
}

template <typename Specs>
auto* findSpec(Specs& specs, const std::string& name) {
  for (auto& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return static_cast<decltype(&specs.front())>(nullptr);
}

}  // namespace

RowPipeline::RowPipeline(const std::vector<ColumnSpec>& input, const std::vector<const plan::Node*>& steps,
                         const std::vector<ColumnSpec>& scalars, KernelCompiler* kernels, const std::string& label) {
  std::vector<ColumnSpec> layout = input;
  std::optional<PhysicalKernelBuilder> physical;
  if (kernels != nullptr) physical.emplace(input, scalars);
  for (const plan::Node* step : steps) addStep(layout, *step, scalars, physical ? &*physical : nullptr);
  if (physical) offer(*physical, kernels, label);
}

RowPipeline::RowPipeline(const std::vector<ColumnSpec>& input, const ast::Expr& condition, KernelCompiler* kernels,
                         const std::string& label) {
  Step step;
  step.kind = NodeKind::Filter;
  plan::Node none;
  std::shared_ptr<const ast::Expr> inlined = inlinedFor(condition, none);
  step.condition = compileFor(*inlined, input, {});
  wholeTable_ = step.condition->aggregates();
  step.output = input;
  steps_.push_back(std::move(step));
  renames_.emplace_back();
  if (kernels == nullptr) return;
  PhysicalKernelBuilder physical(input);
  physical.filter(*inlined);
  physical.arrange(input);
  offer(physical, kernels, label);
}

void RowPipeline::offer(PhysicalKernelBuilder& physical, KernelCompiler* kernels, const std::string& label) {
  if (wholeTable_) physical.refuse("an aggregate over the whole table");
  std::optional<PhysicalKernel> kernel = physical.finish();
  if (!kernel) {
    kernels->interpreted(label, physical.error());
    return;
  }
  std::string why;
  KernelEntry entry = kernels->compile(*kernel, label, why);
  if (entry == nullptr) return;
  kernel_ = std::make_shared<const PhysicalKernel>(std::move(*kernel));
  entry_ = entry;
}

void RowPipeline::addStep(std::vector<ColumnSpec>& layout, const plan::Node& node, const std::vector<ColumnSpec>& scalars,
                          PhysicalKernelBuilder* physical) {
  Step step;
  step.kind = node.kind;
  std::vector<ColumnSpec> declared = columnSpecs(node.schema);
  switch (node.kind) {
    case NodeKind::Filter:
      if (!node.condition) throw OperatorError("internal: a filter without its condition");
    {
      std::shared_ptr<const ast::Expr> condition = inlinedFor(*node.condition, node);
      step.condition = compileFor(*condition, layout, scalars);
      wholeTable_ = wholeTable_ || step.condition->aggregates();
      if (physical != nullptr) physical->filter(*condition);
    }
      step.output = layout;
      break;
    case NodeKind::Derive:
    case NodeKind::Fill: {
      const auto& values = node.kind == NodeKind::Derive ? node.assignments : node.fills;
      if (values.empty()) throw OperatorError("internal: a derive without its assignments");
      // Each assignment sees the columns the ones before it made.
      std::vector<ColumnSpec> current = layout;
      for (const auto& [name, value] : values) {
        std::shared_ptr<const ast::Expr> inlined = inlinedFor(*value, node);
        auto expression = compileFor(*inlined, current, scalars);
        wholeTable_ = wholeTable_ || expression->aggregates();
        ColumnSpec spec = expression->resultSpec();
        if (const ColumnSpec* target = findSpec(declared, name)) spec = *target;
        spec.name = name;
        if (node.kind == NodeKind::Fill) {
          const ColumnSpec* existing = findSpec(current, name);
          if (existing == nullptr) throw OperatorError("internal: fill of a column `" + name + "` the input lacks");
          if (!findSpec(declared, name)) spec = *existing;
        }
        if (ColumnSpec* existing = findSpec(current, name)) *existing = spec;
        else current.push_back(spec);
        if (physical != nullptr) {
          if (node.kind == NodeKind::Fill) physical->fill(spec, *inlined);
          else physical->assign(spec, *inlined);
        }
        step.assignments.emplace_back(spec, std::move(expression));
      }
      step.output = declared.empty() ? current : declared;
      break;
    }
    case NodeKind::Select:
    case NodeKind::Drop:
    case NodeKind::Rename:
      step.output = declared;
      break;
    default:
      throw OperatorError(std::string("internal: `") + plan::nodeKindName(node.kind) + "` is not a row operator");
  }
  layout = step.output;
  if (physical != nullptr) {
    if (node.kind == NodeKind::Rename) physical->rename(node.renames);
    physical->arrange(step.output);
  }
  steps_.push_back(std::move(step));
  renames_.push_back(node.kind == NodeKind::Rename ? node.renames : std::vector<std::pair<std::string, std::string>>{});
}

Table RowPipeline::runSteps(Table rows, const Table* scalars) const {
  for (std::size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    EvaluationContext context;
    context.scalars = scalars;
    switch (step.kind) {
      case NodeKind::Filter: {
        context.rows = &rows;
        Vector keep = step.condition->evaluate(context);
        std::vector<std::uint32_t> selected;
        selected.reserve(rows.rows());
        for (std::size_t i = 0; i < rows.rows(); ++i) {
          if (isTrue(keep, i)) selected.push_back(static_cast<std::uint32_t>(i));
        }
        if (selected.size() != rows.rows()) rows = rows.gather(selected);
        break;
      }
      case NodeKind::Derive:
      case NodeKind::Fill:
        for (const auto& [spec, expression] : step.assignments) {
          context.rows = &rows;
          Vector values = expression->evaluate(context);
          int existing = rows.indexOf(spec.name);
          if (step.kind == NodeKind::Fill && existing >= 0) {
            // Nulls take the value; present values stay.
            const Column& old = rows.columns[static_cast<std::size_t>(existing)];
            Vector kept = values;
            if (kept.scalar) {
              // A category filled with a level written as a string stays text until toColumn finds the level.
              Vector widened = makeVector(kept.kind == ColumnKind::String ? ColumnKind::String : spec.kind, rows.rows(), false);
              widened.levels = kept.levels;
              widened.anchor(kept);
              for (std::size_t i = 0; i < rows.rows(); ++i) copyValue(kept, i, widened, i);
              kept = std::move(widened);
            }
            Column filled(spec);
            Column fresh = toColumn(kept, spec, rows.rows());
            filled.reserve(rows.rows());
            for (std::size_t i = 0; i < rows.rows(); ++i) {
              if (old.isNull(i)) filled.appendFrom(fresh, i);
              else if (old.kind() == spec.kind) filled.appendFrom(old, i);
              else filled.appendFloat(static_cast<double>(old.intAt(i)));
            }
            rows.columns[static_cast<std::size_t>(existing)] = std::move(filled);
            continue;
          }
          Column column = toColumn(values, spec, rows.rows());
          if (existing >= 0) rows.columns[static_cast<std::size_t>(existing)] = std::move(column);
          else rows.columns.push_back(std::move(column));
        }
        break;
      case NodeKind::Rename:
        for (const auto& [newName, oldName] : renames_[s]) {
          int index = rows.indexOf(oldName);
          if (index >= 0) rows.columns[static_cast<std::size_t>(index)].spec().name = newName;
        }
        break;
      default:
        break;
    }
    rows = arrange(rows, step.output);
  }
  return rows;
}

std::vector<std::int64_t> RowPipeline::runConstants(const Table& input, const Table* scalars) const {
  const PhysicalKernel& kernel = *kernel_;
  std::vector<std::int64_t> constants;
  constants.reserve(kernel.constants());
  // A text's code, found as the interpreter finds it (the first code of those bytes; -1: none).
  for (const PhysicalKernel::TextConstant& text : kernel.texts) {
    std::int64_t code = -1;
    if (const StringDictionary* dictionary = input.columns[text.slot].dictionary()) {
      for (std::uint32_t c = 0; c < dictionary->size() && code < 0; ++c) {
        if (dictionary->at(c) == text.text) code = c;
      }
    }
    constants.push_back(code);
  }
  // A scalar's one value, as the interpreter's scalar vector has it (run checked it is there).
  for (std::size_t column : kernel.scalarColumns) {
    const Column& scalar = scalars->columns[column];
    std::int64_t bits = 0;
    if (scalar.kind() == ColumnKind::Float) std::memcpy(&bits, &scalar.floats()[0], sizeof bits);
    else bits = scalar.ints()[0];
    constants.push_back(bits);
    constants.push_back(scalar.isNull(0) ? 0 : 1);
  }
  for (std::size_t k = 0; k < kernel.inputs.size(); ++k) {
    const Column& column = input.columns[k];
    constants.push_back(column.kind() == ColumnKind::String ? static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(column.dictionary())) : 0);
  }
  return constants;
}

void RowPipeline::inputPointers(const Table& input, const std::vector<std::int64_t>& constants, std::vector<const void*>& values,
                                std::vector<const std::uint8_t*>& valid) const {
  const PhysicalKernel& kernel = *kernel_;
  values.assign(kernel.inputs.size() + 1, nullptr);
  valid.assign(kernel.inputs.size(), nullptr);
  for (std::size_t k = 0; k < kernel.inputs.size(); ++k) {
    const Column& column = input.columns[k];
    if (column.kind() == ColumnKind::Float) values[k] = column.floats().data();
    else if (storesInts(column.kind())) values[k] = column.ints().data();
    else values[k] = column.codes().data();
    valid[k] = column.validity().data();
  }
  values[kernel.inputs.size()] = constants.data();
}

Table RowPipeline::runKernel(const Table& input, std::size_t begin, std::size_t end, const std::vector<std::int64_t>& constants) const {
  const PhysicalKernel& kernel = *kernel_;
  const std::size_t n = end - begin;
  std::vector<const void*> values;
  std::vector<const std::uint8_t*> valid;
  inputPointers(input, constants, values, valid);
  const std::size_t outputs = kernel.outputs.size();
  std::vector<std::vector<std::int64_t>> ints(outputs);
  std::vector<std::vector<double>> floats(outputs);
  std::vector<std::vector<std::uint8_t>> valids(outputs);
  std::vector<void*> outValues(outputs, nullptr);
  std::vector<std::uint8_t*> outValid(outputs, nullptr);
  for (std::size_t o = 0; o < outputs; ++o) {
    if (!kernel.computed(kernel.outputs[o].slot)) continue;
    if (kernel.outputs[o].spec.kind == ColumnKind::Float) {
      floats[o].resize(n);
      outValues[o] = floats[o].data();
    } else {
      ints[o].resize(n);
      outValues[o] = ints[o].data();
    }
    valids[o].resize(n);
    outValid[o] = valids[o].data();
  }
  std::vector<std::uint32_t> selection(kernel.filters() ? n : 0);
  auto kept = static_cast<std::size_t>(entry_(values.data(), valid.data(), outValues.data(), outValid.data(), selection.data(),
                                              static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end)));
  Table out;
  out.rowsWithoutColumns = kept;
  for (std::size_t o = 0; o < outputs; ++o) {
    const PhysicalKernel::Output& output = kernel.outputs[o];
    if (kernel.computed(output.slot)) {
      Column column(output.spec);
      valids[o].resize(kept);
      if (output.spec.kind == ColumnKind::Float) {
        floats[o].resize(kept);
        column.assignFloats(std::move(floats[o]), std::move(valids[o]));
      } else {
        ints[o].resize(kept);
        column.assignInts(std::move(ints[o]), std::move(valids[o]));
      }
      out.columns.push_back(std::move(column));
      continue;
    }
    const Column& source = input.columns[output.slot];
    if (kernel.filters()) out.columns.push_back(source.gather(std::span<const std::uint32_t>(selection.data(), kept)));
    else if (begin == 0 && end == source.size()) out.columns.push_back(source);
    else out.columns.push_back(source.slice(begin, end));
    out.columns.back().spec().name = output.spec.name;
    out.columns.back().spec().nullable = output.spec.nullable;
  }
  return out;
}

// Without filters every row is kept, so each morsel's values go straight to their place in
// whole-table columns: no per-morsel buffers, no concatenation afterwards (which copied every
// output once more, on one thread). The columns are allocated (zero-filled) and the copied ones
// copied one per task, in parallel; the result is the same whatever the number of threads.
Table RowPipeline::runKernelWhole(const Table& input, const std::vector<std::int64_t>& constants) const {
  const PhysicalKernel& kernel = *kernel_;
  const std::size_t n = input.rows();
  std::vector<const void*> values;
  std::vector<const std::uint8_t*> valid;
  inputPointers(input, constants, values, valid);
  const std::size_t outputs = kernel.outputs.size();
  std::vector<std::optional<Column>> columns(outputs);
  std::vector<void*> outValues(outputs, nullptr);
  std::vector<std::uint8_t*> outValid(outputs, nullptr);
  std::vector<std::vector<std::int64_t>> ints(outputs);
  std::vector<std::vector<double>> floats(outputs);
  std::vector<std::vector<std::uint8_t>> valids(outputs);
  tbb::parallel_for(std::size_t{0}, outputs, [&](std::size_t o) {
    const PhysicalKernel::Output& output = kernel.outputs[o];
    if (kernel.computed(output.slot)) {
      if (output.spec.kind == ColumnKind::Float) floats[o].resize(n);
      else ints[o].resize(n);
      valids[o].resize(n);
      return;
    }
    columns[o].emplace(input.columns[output.slot]);
    columns[o]->spec().name = output.spec.name;
    columns[o]->spec().nullable = output.spec.nullable;
  });
  for (std::size_t o = 0; o < outputs; ++o) {
    if (!kernel.computed(kernel.outputs[o].slot)) continue;
    outValues[o] = kernel.outputs[o].spec.kind == ColumnKind::Float ? static_cast<void*>(floats[o].data()) : static_cast<void*>(ints[o].data());
    outValid[o] = valids[o].data();
  }
  forEachMorsel(n, [&](std::size_t, std::size_t begin, std::size_t end) {
    std::vector<void*> at(outputs, nullptr);
    std::vector<std::uint8_t*> atValid(outputs, nullptr);
    for (std::size_t o = 0; o < outputs; ++o) {
      if (outValues[o] == nullptr) continue;
      at[o] = kernel.outputs[o].spec.kind == ColumnKind::Float ? static_cast<void*>(static_cast<double*>(outValues[o]) + begin)
                                                               : static_cast<void*>(static_cast<std::int64_t*>(outValues[o]) + begin);
      atValid[o] = outValid[o] + begin;
    }
    (void)entry_(values.data(), valid.data(), at.data(), atValid.data(), nullptr, static_cast<std::int64_t>(begin),
                 static_cast<std::int64_t>(end));
  });
  Table out;
  out.rowsWithoutColumns = n;
  for (std::size_t o = 0; o < outputs; ++o) {
    if (!columns[o]) {
      Column column(kernel.outputs[o].spec);
      if (kernel.outputs[o].spec.kind == ColumnKind::Float) column.assignFloats(std::move(floats[o]), std::move(valids[o]));
      else column.assignInts(std::move(ints[o]), std::move(valids[o]));
      columns[o] = std::move(column);
    }
    out.columns.push_back(std::move(*columns[o]));
  }
  return out;
}

Table RowPipeline::run(const Table& input, const Table* scalars) const {
  // Hoisted aggregates are read from the table of scalars' one row; without it, the interpreter
  // says what is wrong.
  bool scalarsThere = true;
  if (kernel_) {
    for (std::size_t column : kernel_->scalarColumns) {
      scalarsThere = scalarsThere && scalars != nullptr && column < scalars->columns.size() && scalars->columns[column].size() > 0;
    }
  }
  if (entry_ != nullptr && scalarsThere) {
    std::vector<std::int64_t> constants = runConstants(input, scalars);
    if (!kernel_->filters()) return runKernelWhole(input, constants);
    if (input.rows() <= kMorselRows) return runKernel(input, 0, input.rows(), constants);
    std::vector<Table> parts(morselCount(input.rows()));
    forEachMorsel(input.rows(), [&](std::size_t m, std::size_t begin, std::size_t end) { parts[m] = runKernel(input, begin, end, constants); });
    return concatenate(std::move(parts));
  }
  if (wholeTable_ || input.rows() <= kMorselRows) return runSteps(input, scalars);
  std::vector<Table> parts(morselCount(input.rows()));
  forEachMorsel(input.rows(), [&](std::size_t m, std::size_t begin, std::size_t end) {
    parts[m] = runSteps(input.slice(begin, end), scalars);
  });
  return concatenate(std::move(parts));
}

}  // namespace weir::runtime
