#include "operators/OperatorError.h"
#include "operators/Operators.h"
#include "operators/Schema.h"

#include "catalog/Builtin.h"
#include "expr/Expression.h"
#include "plan/ExprColumns.h"
#include "plan/passes/Inlining.h"
#include "table/Morsels.h"
#include "table/RowKeys.h"

#include <algorithm>
#include <optional>
#include <set>

namespace weir::runtime {

namespace {

std::vector<std::size_t> indexesOf(const Table& table, const std::vector<std::string>& names, const char* what) {
  std::vector<std::size_t> out;
  for (const std::string& name : names) {
    int index = table.indexOf(name);
    if (index < 0) throw OperatorError(std::string("internal: no ") + what + " `" + name + "` in the input");
    out.push_back(static_cast<std::size_t>(index));
  }
  return out;
}

// A time or number as one scale: microseconds for dates and timestamps, the value otherwise.
double timeValue(const Column& column, std::size_t row) {
  switch (column.kind()) {
    case ColumnKind::Date: return static_cast<double>(column.intAt(row)) * 86'400'000'000.0;
    case ColumnKind::Float: return column.floatAt(row);
    default: return static_cast<double>(column.intAt(row));
  }
}

// The values of `expr` over every row of `table`, as a column.
Column evaluateColumn(const ast::Expr& expr, const plan::Node& node, const Table& table) {
  std::shared_ptr<const ast::Expr> inlined = plan::inlineFunctions(expr, node.functions);
  ExpressionInputs inputs;
  inputs.rows = specsOf(table);
  CompileResult compiled = compileExpression(*inlined, inputs);
  if (!compiled.expression) throw OperatorError(compiled.error);
  EvaluationContext context;
  context.rows = &table;
  Vector values = compiled.expression->evaluate(context);
  return toColumn(values, compiled.expression->resultSpec(), table.rows());
}

}  // namespace

Table window(const plan::Node& node, const Table& input) {
  const std::size_t n = input.rows();
  std::vector<plan::Node::SortColumn> keys;
  for (const std::string& key : node.keys) keys.push_back({key, false});
  keys.insert(keys.end(), node.sortKeys.begin(), node.sortKeys.end());
  // Sorted position -> input row: partitions are contiguous, each in its order, ties in row order.
  std::vector<std::uint32_t> order = sortedOrder(keys, input);
  Table sorted = input.gather(order);
  std::vector<std::size_t> partition = indexesOf(sorted, node.keys, "partition column");
  std::vector<std::string> orderNames;
  for (const plan::Node::SortColumn& key : node.sortKeys) orderNames.push_back(key.column);
  std::vector<std::size_t> orderColumns = indexesOf(sorted, orderNames, "order column");

  // Per sorted position: where its partition starts and ends, where its peers (same order
  // values) start.
  std::vector<std::uint32_t> start(n), end(n), peers(n);
  for (std::size_t p = 0; p < n; ++p) {
    bool same = p > 0 && keysEqual(sorted, partition, p, sorted, partition, p - 1);
    start[p] = same ? start[p - 1] : static_cast<std::uint32_t>(p);
    bool peer = same && keysEqual(sorted, orderColumns, p, sorted, orderColumns, p - 1);
    peers[p] = peer ? peers[p - 1] : static_cast<std::uint32_t>(p);
  }
  for (std::size_t p = n; p-- > 0;) {
    end[p] = p + 1 < n && start[p + 1] == start[p] ? end[p + 1] : static_cast<std::uint32_t>(p + 1);
  }
  std::vector<std::uint32_t> inverse(n);
  for (std::size_t p = 0; p < n; ++p) inverse[order[p]] = static_cast<std::uint32_t>(p);

  std::vector<ColumnSpec> declared = columnSpecs(node.schema);
  Table out = input;
  for (const plan::Node::WindowColumn& c : node.windowColumns) {
    auto spec = std::find_if(declared.begin(), declared.end(), [&](const ColumnSpec& s) { return s.name == c.column; });
    if (spec == declared.end()) continue;  // pruned: nothing reads it
    if (!c.call || c.call->kind != ast::ExprKind::Call) throw OperatorError("internal: a window column without its call");
    const auto& call = c.call->as<ast::CallExpr>();
    std::optional<catalog::BuiltinId> id = catalog::findBuiltin(ast::calleeName(call));
    if (!id) throw OperatorError("internal: unknown window function `" + ast::calleeName(call) + "`");
    std::optional<Column> values;  // in sorted order
    if (*id == catalog::BuiltinId::RowNumber || *id == catalog::BuiltinId::Rank) {
      std::vector<std::int64_t> numbers(n);
      for (std::size_t p = 0; p < n; ++p) {
        numbers[p] = static_cast<std::int64_t>((*id == catalog::BuiltinId::Rank ? peers[p] : p) - start[p] + 1);
      }
      ColumnSpec intSpec{c.column, ColumnKind::Int, false, {}};
      values.emplace(intSpec);
      values->assignInts(std::move(numbers), std::vector<std::uint8_t>(n, 1));
    } else if (*id == catalog::BuiltinId::Lag || *id == catalog::BuiltinId::Lead) {
      if (call.args.empty()) throw OperatorError("internal: `lag` or `lead` without its argument");
      auto offset = static_cast<std::size_t>(call.args.size() > 1 ? constantNumber(*call.args[1].value, "offset") : 1);
      Column argument = evaluateColumn(*call.args[0].value, node, sorted);
      std::vector<std::uint32_t> from(n, kNoRow);
      for (std::size_t p = 0; p < n; ++p) {
        if (*id == catalog::BuiltinId::Lag && p >= start[p] + offset) from[p] = static_cast<std::uint32_t>(p - offset);
        if (*id == catalog::BuiltinId::Lead && p + offset < end[p]) from[p] = static_cast<std::uint32_t>(p + offset);
      }
      values.emplace(argument.gather(from));
    } else if (catalog::isAggregateCall(*id, call.args.size())) {
      // Each row's frame is a run of sorted positions [first[p], p] of its partition.
      std::vector<std::uint32_t> first(n);
      if (c.frame == ast::WindowFrame::Rows) {
        auto size = static_cast<std::size_t>(std::max<std::int64_t>(c.frameSize, 1));
        for (std::size_t p = 0; p < n; ++p) first[p] = static_cast<std::uint32_t>(std::max<std::size_t>(start[p], p + 1 >= size ? p + 1 - size : 0));
      } else if (c.frame == ast::WindowFrame::Time) {
        if (orderColumns.empty()) throw OperatorError("internal: a time frame without an order column");
        const Column& time = sorted.columns[orderColumns.front()];
        auto span = static_cast<double>(c.frameSize);
        std::size_t a = 0;
        for (std::size_t p = 0; p < n; ++p) {
          if (p == 0 || start[p] != start[p - 1]) a = start[p];
          if (time.isNull(p)) {
            first[p] = static_cast<std::uint32_t>(p);
            continue;
          }
          double limit = timeValue(time, p) - span;
          while (a < p && (time.isNull(a) || timeValue(time, a) <= limit)) ++a;
          first[p] = static_cast<std::uint32_t>(a);
        }
      } else {
        for (std::size_t p = 0; p < n; ++p) first[p] = start[p];  // the checker asks for a frame; the partition so far
      }
      std::set<std::string> read;
      plan::columnsRead(call, read);
      Table needed;
      for (const std::string& name : read) {
        if (const Column* column = sorted.find(name)) needed.columns.push_back(*column);
      }
      needed.rowsWithoutColumns = n;
      std::shared_ptr<const ast::Expr> inlined = plan::inlineFunctions(call, node.functions);
      ExpressionInputs inputs;
      inputs.rows = specsOf(needed);
      CompileResult compiled = compileExpression(*inlined, inputs);
      if (!compiled.expression) throw OperatorError(compiled.error);
      ColumnSpec resultSpec = *spec;
      std::vector<std::optional<Column>> pieces(morselCount(n));
      // Morsels of output rows, each reducing its rows' frames as groups: the same work and the
      // same answer whatever the thread count.
      forEachMorsel(n, [&](std::size_t m, std::size_t begin, std::size_t stop) {
        std::vector<std::uint32_t> rows;
        Grouping grouping;
        grouping.groups = stop - begin;
        for (std::size_t p = begin; p < stop; ++p) {
          for (std::size_t q = first[p]; q <= p; ++q) {
            rows.push_back(static_cast<std::uint32_t>(q));
            grouping.groupOf.push_back(static_cast<std::uint32_t>(p - begin));
          }
        }
        Table frames = needed.gather(rows);
        frames.rowsWithoutColumns = rows.size();
        Table groupKeys;
        groupKeys.rowsWithoutColumns = grouping.groups;
        EvaluationContext context;
        context.rows = &frames;
        context.grouping = &grouping;
        context.groupKeys = &groupKeys;
        pieces[m].emplace(toColumn(compiled.expression->evaluate(context), resultSpec, grouping.groups));
      });
      values.emplace(resultSpec);
      for (std::optional<Column>& piece : pieces) values->appendColumn(*piece);
    } else {
      throw OperatorError("internal: `" + ast::calleeName(call) + "` is not a window function");
    }
    Column column = values->gather(inverse);
    column.spec().name = c.column;
    out.columns.push_back(std::move(column));
  }
  return arrange(out, declared);
}

Table asofJoin(const plan::Node& node, const Table& left, const Table& right) {
  std::vector<std::size_t> leftKeys, rightKeys;
  for (const auto& [l, r] : node.joinKeys) {
    int li = left.indexOf(l), ri = right.indexOf(r);
    if (li < 0 || ri < 0) throw OperatorError("internal: join key `" + (li < 0 ? l : r) + "` missing from its input");
    leftKeys.push_back(static_cast<std::size_t>(li));
    rightKeys.push_back(static_cast<std::size_t>(ri));
  }
  const Column* leftTime = left.find(node.asofAt.first);
  const Column* rightTime = right.find(node.asofAt.second);
  if (leftTime == nullptr || rightTime == nullptr) throw OperatorError("internal: an as-of join's time column is missing");
  // The right rows by key, each key's rows by time (ties in row order); a row with a null key or
  // time matches nothing.
  RowKeys build(right, rightKeys);
  KeyGroups groups = groupByKeys(build);
  std::vector<std::vector<std::uint32_t>> members(groups.firstRow.size());
  for (std::size_t row = 0; row < right.rows(); ++row) {
    if (build.hasNull(row) || rightTime->isNull(row)) continue;
    members[groups.groupOf[row]].push_back(static_cast<std::uint32_t>(row));
  }
  for (std::vector<std::uint32_t>& rows : members) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return timeValue(*rightTime, a) < timeValue(*rightTime, b); });
  }
  KeyIndex index(build, groups);
  RowKeys probe(left, leftKeys);
  auto within = static_cast<double>(node.withinMicros);
  std::vector<std::uint32_t> match(left.rows(), kNoRow);
  forEachMorsel(left.rows(), [&](std::size_t, std::size_t begin, std::size_t stop) {
    for (std::size_t row = begin; row < stop; ++row) {
      if (probe.hasNull(row) || leftTime->isNull(row)) continue;
      std::uint32_t g = index.find(probe, row);
      if (g == kNoRow) continue;
      const std::vector<std::uint32_t>& rows = members[g];
      double t = timeValue(*leftTime, row);
      // The last row whose time is at or before t.
      auto after = std::upper_bound(rows.begin(), rows.end(), t, [&](double value, std::uint32_t r) { return value < timeValue(*rightTime, r); });
      if (after == rows.begin()) continue;
      std::uint32_t found = *(after - 1);
      if (node.withinMicros > 0 && t - timeValue(*rightTime, found) > within) continue;
      match[row] = found;
    }
  });
  return joinedRows(node, left, nullptr, right, match);
}

}  // namespace weir::runtime
