#include "operators/OperatorError.h"
#include "operators/Operators.h"
#include "operators/Schema.h"

#include "ast/Ast.h"
#include "ast/AstPrinter.h"
#include "table/RowKeys.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace weir::runtime {

double constantNumber(const ast::Expr& expr, const char* what) {
  switch (expr.kind) {
    case ast::ExprKind::Int: return static_cast<double>(expr.as<ast::IntLiteral>().value);
    case ast::ExprKind::Float: return expr.as<ast::FloatLiteral>().value;
    case ast::ExprKind::Unary:
      if (expr.as<ast::UnaryExpr>().op == ast::UnaryOp::Negate) return -constantNumber(*expr.as<ast::UnaryExpr>().operand, what);
      break;
    default: break;
  }
  throw OperatorError(std::string(what) + " must be a number, not `" + ast::printExpr(expr) + "`");
}

Table take(const plan::Node& node, const Table& input) {
  if (node.arguments.empty() || !node.arguments.front()) throw OperatorError("internal: take without a count");
  double n = constantNumber(*node.arguments.front(), "the count of `take`");
  if (n < 0) throw OperatorError("`take` needs a count of 0 or more");
  return input.slice(0, std::min(input.rows(), static_cast<std::size_t>(n)));
}

Table distinct(const plan::Node& node, const Table& input) {
  std::vector<std::size_t> columns;
  if (node.keys.empty()) {
    columns.resize(input.columns.size());
    std::iota(columns.begin(), columns.end(), std::size_t(0));
  }
  for (const std::string& key : node.keys) {
    int index = input.indexOf(key);
    if (index < 0) throw OperatorError("internal: no column `" + key + "` for distinct");
    columns.push_back(static_cast<std::size_t>(index));
  }
  KeyGroups groups = groupByColumns(input, columns);
  Table out = input.gather(groups.firstRow);
  return node.schema.columns.empty() ? out : arrange(out, columnSpecs(node.schema));
}

Table unionAll(const plan::Node& node, const Table& first, const Table& second) {
  std::vector<ColumnSpec> specs = columnSpecs(node.schema);
  std::vector<Table> parts;
  parts.push_back(arrange(first, specs));
  parts.push_back(arrange(second, specs));
  return concatenate(std::move(parts));
}

namespace {

std::uint64_t seedOf(const plan::Node& node) {
  auto it = node.options.find("seed");
  if (it == node.options.end() || !it->second) return 0;
  return static_cast<std::uint64_t>(constantNumber(*it->second, "`seed`"));
}

// The position's place in a seeded shuffle: the same for a seed and a row, on every machine.
std::uint64_t shuffleKey(std::uint64_t seed, std::size_t row) {
  std::uint64_t value = row;
  return XXH3_64bits_withSeed(&value, sizeof value, seed);
}

// The rows of `rows` in shuffled order.
void shuffle(std::vector<std::uint32_t>& rows, std::uint64_t seed) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) keyed[i] = {shuffleKey(seed, rows[i]), rows[i]};
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = keyed[i].second;
}

}  // namespace

namespace {

// The rows of each stratum (the values of the `stratify` column), or all rows as one.
std::vector<std::vector<std::uint32_t>> strataOf(const plan::Node& node, const Table& input) {
  std::vector<std::vector<std::uint32_t>> strata(1);
  if (auto it = node.options.find("stratify"); it != node.options.end() && it->second && it->second->kind == ast::ExprKind::Name) {
    const std::string& column = it->second->as<ast::NameExpr>().name.text;
    int index = input.indexOf(column);
    if (index < 0) throw OperatorError("internal: no column `" + column + "` to stratify by");
    KeyGroups groups = groupByColumns(input, {static_cast<std::size_t>(index)});
    strata.assign(groups.firstRow.size(), {});
    for (std::size_t row = 0; row < input.rows(); ++row) strata[groups.groupOf[row]].push_back(static_cast<std::uint32_t>(row));
  } else {
    strata[0].resize(input.rows());
    std::iota(strata[0].begin(), strata[0].end(), 0u);
  }
  return strata;
}

}  // namespace

Table sample(const plan::Node& node, const Table& input) {
  if (node.arguments.empty() || !node.arguments.front()) throw OperatorError("internal: sample without a fraction");
  double fraction = constantNumber(*node.arguments.front(), "the fraction of `sample`");
  if (fraction < 0 || fraction > 1) throw OperatorError("`sample` needs a fraction between 0 and 1");
  std::vector<std::uint32_t> kept;
  for (std::vector<std::uint32_t>& rows : strataOf(node, input)) {
    shuffle(rows, seedOf(node));
    rows.resize(static_cast<std::size_t>(std::llround(fraction * static_cast<double>(rows.size()))));
    kept.insert(kept.end(), rows.begin(), rows.end());
  }
  std::sort(kept.begin(), kept.end());
  return input.gather(kept);
}

std::vector<std::uint8_t> splitParts(const plan::Node& node, const Table& input) {
  std::vector<double> fractions;
  for (const auto& argument : node.arguments) {
    if (argument) fractions.push_back(constantNumber(*argument, "a fraction of `split`"));
  }
  double total = 0;
  for (double f : fractions) {
    if (f < 0 || f > 1) throw OperatorError("`split` needs fractions between 0 and 1");
    total += f;
  }
  if (total > 1 + 1e-9) throw OperatorError("the fractions of `split` add up to more than 1");
  std::vector<std::uint8_t> parts(input.rows(), static_cast<std::uint8_t>(fractions.size()));
  std::uint64_t seed = seedOf(node);
  for (std::vector<std::uint32_t>& rows : strataOf(node, input)) {
    shuffle(rows, seed);
    double cumulative = 0;
    std::size_t start = 0;
    for (std::size_t p = 0; p < fractions.size(); ++p) {
      cumulative += fractions[p];
      auto end = std::min(rows.size(), static_cast<std::size_t>(std::llround(cumulative * static_cast<double>(rows.size()))));
      for (std::size_t i = start; i < end; ++i) parts[rows[i]] = static_cast<std::uint8_t>(p);
      start = std::max(start, end);
    }
  }
  return parts;
}

Table splitPart(const Table& input, const std::vector<std::uint8_t>& parts, std::size_t part) {
  std::vector<std::uint32_t> rows;
  for (std::size_t row = 0; row < parts.size(); ++row) {
    if (parts[row] == part) rows.push_back(static_cast<std::uint32_t>(row));
  }
  return input.gather(rows);
}

}  // namespace weir::runtime
