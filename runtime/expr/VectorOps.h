#pragma once

// The operators of row expressions over vectors (LANGUAGE.md section 7): arithmetic with
// division by zero giving null, comparisons, three-valued `and`/`or`/`not`, `in`, `is null`,
// `if`/`case`. Every function takes its operands' vectors and the batch's row count; a result is
// a scalar when every operand is.

#include "expr/Vector.h"

#include "ast/Ast.h"

#include <functional>
#include <string_view>
#include <vector>

namespace weir::runtime {

using VectorFunction = std::function<Vector(std::vector<Vector>&, std::size_t rows)>;

Vector intScalar(ColumnKind kind, std::int64_t value);
Vector floatScalar(double value);
Vector stringScalar(std::string value);
Vector nullScalar();

// An empty vector of a kind, for `rows` rows (or one when `scalar`), every value valid.
Vector makeVector(ColumnKind kind, std::size_t rows, bool scalar);
// The rows a result of these operands has: 1 when every operand is a scalar.
bool allScalar(const std::vector<const Vector*>& operands);
// A number of an int or float vector.
inline double numberAt(const Vector& v, std::size_t row) {
  return v.kind == ColumnKind::Float ? v.floats[v.at(row)] : static_cast<double>(v.ints[v.at(row)]);
}
// The text of a string or category vector's value.
std::string_view textAt(const Vector& v, std::size_t row);
// Marks a row null (allocating the validity on first use).
void setNull(Vector& v, std::size_t row);

Vector arithmetic(ast::BinaryOp op, const Vector& a, const Vector& b, std::size_t rows);
Vector compare(ast::BinaryOp op, const Vector& a, const Vector& b, std::size_t rows);
Vector logical(ast::BinaryOp op, const Vector& a, const Vector& b, std::size_t rows);
Vector logicalNot(std::vector<Vector>& operands, std::size_t rows);
Vector negate(std::vector<Vector>& operands, std::size_t rows);
// operands[0] in operands[1..]
Vector membership(std::vector<Vector>& operands, std::size_t rows, bool negated);
Vector isNullVector(const Vector& v, std::size_t rows, bool negated);
// The first choice whose condition holds (the last choice when none does), as `result`.
Vector choose(const std::vector<const Vector*>& conditions, const std::vector<const Vector*>& choices,
              const ColumnSpec& result, std::size_t rows);
// `bucket(x, [edges])`: how many edges are <= x.
Vector bucket(const Vector& v, const std::vector<double>& edges, std::size_t rows);

// The value of row `row` of `from` stored into row `to` of `into` (converted to its kind).
void copyValue(const Vector& from, std::size_t row, Vector& into, std::size_t to);

}  // namespace weir::runtime
