#include "operators/OperatorError.h"
#include "operators/Operators.h"
#include "operators/Schema.h"

#include "expr/Aggregates.h"
#include "expr/Expression.h"
#include "plan/passes/Inlining.h"
#include "table/RowKeys.h"

#include "ast/Walk.h"

#include <algorithm>
#include <optional>
#include <functional>

namespace weir::runtime {

Table aggregate(const plan::Node& node, const Table& input) {
  std::vector<std::size_t> keyColumns;
  for (const std::string& key : node.keys) {
    int index = input.indexOf(key);
    if (index < 0) throw OperatorError("internal: no group key `" + key + "` in the input");
    keyColumns.push_back(static_cast<std::size_t>(index));
  }
  ExpressionInputs inputs;
  inputs.rows = specsOf(input);
  Grouping grouping;
  Table groupKeys;
  std::size_t groups = 1;
  if (!keyColumns.empty()) {
    KeyGroups found = groupByColumns(input, keyColumns);
    grouping.groupOf = std::move(found.groupOf);
    grouping.groups = found.firstRow.size();
    groups = grouping.groups;
    for (std::size_t c : keyColumns) groupKeys.columns.push_back(input.columns[c].gather(found.firstRow));
    groupKeys.rowsWithoutColumns = groups;
    inputs.groupKeys = specsOf(groupKeys);
  }
  EvaluationContext context;
  context.rows = &input;
  if (!keyColumns.empty()) {
    context.grouping = &grouping;
    context.groupKeys = &groupKeys;
  }
  std::vector<ColumnSpec> declared = columnSpecs(node.schema);
  Table out = groupKeys;
  out.rowsWithoutColumns = groups;
  for (const auto& [name, value] : node.aggregates) {
    std::shared_ptr<const ast::Expr> expr = plan::inlineFunctions(*value, node.functions);
    CompileResult compiled = compileExpression(*expr, inputs);
    if (!compiled.expression) throw OperatorError(compiled.error);
    Vector values = compiled.expression->evaluate(context);
    ColumnSpec spec = compiled.expression->resultSpec();
    for (const ColumnSpec& d : declared) {
      if (d.name == name) spec = d;
    }
    spec.name = name;
    out.columns.push_back(toColumn(values, spec, groups));
  }
  return declared.empty() ? out : arrange(out, declared);
}

}  // namespace weir::runtime

// ---- Streaming ----

namespace weir::runtime {

namespace {

// The aggregate call an expression is, when it is exactly one (`sum(x)`, `count()`), with
// arguments free of aggregates; null otherwise.
const ast::CallExpr* singleAggregate(const ast::Expr& expr) {
  if (expr.kind != ast::ExprKind::Call) return nullptr;
  const auto& call = expr.as<ast::CallExpr>();
  std::string name = ast::calleeName(call);
  if (!catalog::isAggregateCall(name, call.args.size())) return nullptr;
  for (const ast::Argument& arg : call.args) {
    if (arg.name) return nullptr;
    bool nested = false;
    std::function<void(const ast::Expr&)> visit = [&](const ast::Expr& e) {
      if (e.kind == ast::ExprKind::Call && catalog::isAggregateCall(ast::calleeName(e.as<ast::CallExpr>()), e.as<ast::CallExpr>().args.size())) nested = true;
      ast::forEachChild(e, visit);
    };
    visit(*arg.value);
    if (nested) return nullptr;
  }
  if (*catalog::findBuiltin(name) == catalog::BuiltinId::Quantile && call.args[1].value->kind != ast::ExprKind::Float && call.args[1].value->kind != ast::ExprKind::Int) return nullptr;
  return &call;
}

}  // namespace

struct StreamingAggregate::State {
  const plan::Node* node = nullptr;
  std::vector<std::size_t> keyColumns;  // in the input
  Table keys;                           // the first row of each group's key columns
  std::vector<std::uint64_t> groupHash;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> slots;  // open addressing: hash, group + 1
  struct Aggregate {
    std::string name;
    ColumnSpec spec;
    std::unique_ptr<CompiledExpression> argument;  // none for count()
    std::unique_ptr<Reducer> reducer;
  };
  std::vector<Aggregate> aggregates;
  std::vector<std::shared_ptr<const ast::Expr>> inlined;  // kept alive for the compiled expressions
  std::vector<std::size_t> keyIndexes;                    // 0..k-1, the key columns of `keys`

  std::size_t groups() const { return keyColumns.empty() ? 1 : groupHash.size(); }

  void growSlots() {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> bigger(std::max<std::size_t>(64, slots.size() * 2), {0, 0});
    std::size_t mask = bigger.size() - 1;
    for (std::uint32_t g = 0; g < groupHash.size(); ++g) {
      std::size_t slot = groupHash[g] & mask;
      while (bigger[slot].second != 0) slot = (slot + 1) & mask;
      bigger[slot] = {groupHash[g], g + 1};
    }
    slots = std::move(bigger);
  }

  // The group of row `row` of `piece`, made when it is new.
  std::uint32_t groupOf(const Table& piece, const RowKeys& rowKeys, std::size_t row) {
    if ((groupHash.size() + 1) * 2 > slots.size()) growSlots();
    std::uint64_t h = rowKeys.hash(row);
    std::size_t mask = slots.size() - 1;
    std::size_t slot = h & mask;
    while (slots[slot].second != 0) {
      std::uint32_t g = slots[slot].second - 1;
      if (slots[slot].first == h && keysEqual(piece, keyColumns, row, keys, keyIndexes, g)) return g;
      slot = (slot + 1) & mask;
    }
    auto g = static_cast<std::uint32_t>(groupHash.size());
    for (std::size_t k = 0; k < keyColumns.size(); ++k) keys.columns[k].appendFrom(piece.columns[keyColumns[k]], row);
    groupHash.push_back(h);
    slots[slot] = {h, g + 1};
    return g;
  }
};

bool StreamingAggregate::supports(const plan::Node& node) {
  if (node.kind != plan::NodeKind::Aggregate || node.aggregates.empty()) return false;
  for (const auto& [name, value] : node.aggregates) {
    if (!value) return false;
    std::shared_ptr<const ast::Expr> expr = plan::inlineFunctions(*value, node.functions);
    if (singleAggregate(*expr) == nullptr) return false;
  }
  return true;
}

StreamingAggregate::StreamingAggregate(const plan::Node& node, const std::vector<ColumnSpec>& input)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.node = &node;
  for (const std::string& key : node.keys) {
    auto it = std::find_if(input.begin(), input.end(), [&](const ColumnSpec& spec) { return spec.name == key; });
    if (it == input.end()) throw OperatorError("internal: no group key `" + key + "` in the input");
    s.keyColumns.push_back(static_cast<std::size_t>(it - input.begin()));
    s.keyIndexes.push_back(s.keyIndexes.size());
    s.keys.columns.emplace_back(*it);
  }
  std::vector<ColumnSpec> declared = columnSpecs(node.schema);
  ExpressionInputs inputs;
  inputs.rows = input;
  for (const auto& [name, value] : node.aggregates) {
    std::shared_ptr<const ast::Expr> expr = plan::inlineFunctions(*value, node.functions);
    s.inlined.push_back(expr);
    const ast::CallExpr& call = *singleAggregate(*expr);
    State::Aggregate aggregate;
    aggregate.name = name;
    catalog::BuiltinId function = *catalog::findBuiltin(ast::calleeName(call));
    ColumnSpec argumentSpec;
    if (!call.args.empty()) {
      CompileResult compiled = compileExpression(*call.args[0].value, inputs);
      if (!compiled.expression) throw OperatorError(compiled.error);
      argumentSpec = compiled.expression->resultSpec();
      aggregate.argument = std::move(compiled.expression);
    }
    double q = 0.5;
    if (function == catalog::BuiltinId::Quantile) q = constantNumber(*call.args[1].value, "the fraction of `quantile`");
    aggregate.reducer = std::make_unique<Reducer>(function, s.groups(), q);
    aggregate.spec = aggregateResult(function, argumentSpec);
    for (const ColumnSpec& d : declared) {
      if (d.name == name) aggregate.spec = d;
    }
    aggregate.spec.name = name;
    s.aggregates.push_back(std::move(aggregate));
  }
}

StreamingAggregate::~StreamingAggregate() = default;

void StreamingAggregate::consume(const Table& piece) {
  State& s = *state_;
  std::vector<std::uint32_t> groupOf(piece.rows(), 0);
  if (!s.keyColumns.empty()) {
    // One string key: each distinct string of the piece is looked up once.
    const Column* text = s.keyColumns.size() == 1 && piece.columns[s.keyColumns[0]].kind() == ColumnKind::String
                             ? &piece.columns[s.keyColumns[0]]
                             : nullptr;
    std::vector<std::uint32_t> byCode(text != nullptr ? text->dictionary()->size() : 0, kNoRow);
    // Keys of categories and booleans only (a few values each): each combination of values in
    // the piece is looked up once, not every row (comparing its keys with the group's: the
    // levels of two category columns are compared as lists of names).
    std::vector<std::size_t> stride(s.keyColumns.size(), 0);
    std::size_t combinations = 1;
    for (std::size_t k = 0; k < s.keyColumns.size() && combinations != 0; ++k) {
      const Column& column = piece.columns[s.keyColumns[k]];
      std::size_t values = column.kind() == ColumnKind::Category ? column.spec().levels.size() + 1  // and null
                           : column.kind() == ColumnKind::Bool   ? 3
                                                                 : 0;
      stride[k] = combinations;
      combinations = values == 0 || combinations * values > (std::size_t(1) << 16) ? 0 : combinations * values;
    }
    if (combinations != 0) {
      // Groups made by the first row of each new combination, from those rows alone (no row
      // of the piece is hashed but them).
      std::vector<std::uint32_t> byCombination(combinations, kNoRow), firstRows;
      for (std::size_t row = 0; row < piece.rows(); ++row) {
        std::size_t combination = 0;
        for (std::size_t k = 0; k < s.keyColumns.size(); ++k) {
          const Column& column = piece.columns[s.keyColumns[k]];
          std::size_t nullValue = column.kind() == ColumnKind::Category ? column.spec().levels.size() : 2;
          std::size_t value = column.isNull(row) ? nullValue
                              : column.kind() == ColumnKind::Category ? column.codeAt(row)
                                                                      : static_cast<std::size_t>(column.intAt(row) != 0);
          combination += std::min(value, nullValue) * stride[k];
        }
        if (byCombination[combination] == kNoRow) {
          byCombination[combination] = static_cast<std::uint32_t>(firstRows.size());  // for now: its first row's index
          firstRows.push_back(static_cast<std::uint32_t>(row));
        }
        groupOf[row] = byCombination[combination];
      }
      Table firsts = piece.gather(firstRows);
      RowKeys firstKeys(firsts, s.keyColumns);
      std::vector<std::uint32_t> groupOfFirst(firstRows.size());
      for (std::size_t i = 0; i < firstRows.size(); ++i) groupOfFirst[i] = s.groupOf(firsts, firstKeys, i);
      for (std::uint32_t& g : groupOf) g = groupOfFirst[g];
    }
    std::optional<RowKeys> hashed;
    if (combinations == 0) hashed.emplace(piece, s.keyColumns);
    for (std::size_t row = 0; combinations == 0 && row < piece.rows(); ++row) {
      const RowKeys& rowKeys = *hashed;
      if (text != nullptr && !text->isNull(row)) {
        std::uint32_t& g = byCode[text->codeAt(row)];
        if (g == kNoRow) g = s.groupOf(piece, rowKeys, row);
        groupOf[row] = g;
      } else {
        groupOf[row] = s.groupOf(piece, rowKeys, row);
      }
    }
  }
  EvaluationContext context;
  context.rows = &piece;
  for (State::Aggregate& aggregate : s.aggregates) {
    aggregate.reducer->grow(s.groups());
    if (aggregate.argument) {
      Vector values = aggregate.argument->evaluate(context);
      aggregate.reducer->add(&values, 0, piece.rows(), &groupOf);
    } else {
      aggregate.reducer->add(nullptr, 0, piece.rows(), &groupOf);
    }
  }
}

Table StreamingAggregate::finish() {
  State& s = *state_;
  std::size_t groups = s.groups();
  Table out = std::move(s.keys);
  out.rowsWithoutColumns = groups;
  for (State::Aggregate& aggregate : s.aggregates) {
    aggregate.reducer->grow(groups);
    out.columns.push_back(toColumn(aggregate.reducer->finish(s.keyColumns.empty()), aggregate.spec, groups));
  }
  std::vector<ColumnSpec> declared = columnSpecs(s.node->schema);
  return declared.empty() ? out : arrange(out, declared);
}

}  // namespace weir::runtime
