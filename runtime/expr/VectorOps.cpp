#include "expr/VectorOps.h"

#include <algorithm>
#include <cmath>

namespace weir::runtime {

using ast::BinaryOp;

Vector makeVector(ColumnKind kind, std::size_t rows, bool scalar) {
  Vector v;
  v.kind = kind;
  v.scalar = scalar;
  v.size = scalar ? 1 : rows;
  if (kind == ColumnKind::Float) v.floats.resize(v.size);
  else if (kind == ColumnKind::String) v.strings.resize(v.size);
  else v.ints.resize(v.size);
  return v;
}

Vector intScalar(ColumnKind kind, std::int64_t value) {
  Vector v = makeVector(kind, 1, true);
  v.ints[0] = value;
  return v;
}

Vector floatScalar(double value) {
  Vector v = makeVector(ColumnKind::Float, 1, true);
  v.floats[0] = value;
  return v;
}

Vector stringScalar(std::string value) {
  Vector v = makeVector(ColumnKind::String, 1, true);
  v.owned = std::make_shared<std::deque<std::string>>();
  v.owned->push_back(std::move(value));
  v.strings[0] = v.owned->back();
  return v;
}

Vector nullScalar() {
  Vector v;
  v.nullType = true;
  v.scalar = true;
  v.size = 1;
  return v;
}

bool allScalar(const std::vector<const Vector*>& operands) {
  for (const Vector* v : operands) {
    if (!v->scalar) return false;
  }
  return true;
}

std::string_view textAt(const Vector& v, std::size_t row) {
  std::size_t i = v.at(row);
  if (v.kind == ColumnKind::Category) return (*v.levels)[static_cast<std::size_t>(v.ints[i])];
  if (v.dictionary) return v.dictionary->at(v.codes[i]);
  return v.strings[i];
}

void setNull(Vector& v, std::size_t row) {
  if (v.valid.empty()) v.valid.assign(v.size, 1);
  v.valid[row] = 0;
}

namespace {

// Null where either operand is null (none when neither has nulls).
void mergeValidity(Vector& out, const Vector& a, const Vector& b) {
  if (a.valid.empty() && b.valid.empty()) return;
  out.valid.assign(out.size, 1);
  for (std::size_t i = 0; i < out.size; ++i) {
    if (a.isNull(i) || b.isNull(i)) out.valid[i] = 0;
  }
}

template <typename F>
void forRows(const Vector& out, F f) {
  for (std::size_t i = 0; i < out.size; ++i) f(i);
}

}  // namespace

Vector arithmetic(BinaryOp op, const Vector& a, const Vector& b, std::size_t rows) {
  bool scalar = a.scalar && b.scalar;
  bool ints = (a.kind == ColumnKind::Int || a.nullType) && (b.kind == ColumnKind::Int || b.nullType) && op != BinaryOp::Div;
  Vector out = makeVector(ints ? ColumnKind::Int : ColumnKind::Float, rows, scalar);
  if (a.nullType || b.nullType) {
    out.valid.assign(out.size, 0);
    return out;
  }
  mergeValidity(out, a, b);
  if (ints) {
    const bool sa = a.scalar, sb = b.scalar;
    const std::int64_t* x = a.ints.data();
    const std::int64_t* y = b.ints.data();
    std::int64_t* r = out.ints.data();
    auto wrap = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
    switch (op) {
      case BinaryOp::Add:
        forRows(out, [&](std::size_t i) { r[i] = wrap(static_cast<std::uint64_t>(x[sa ? 0 : i]) + static_cast<std::uint64_t>(y[sb ? 0 : i])); });
        break;
      case BinaryOp::Sub:
        forRows(out, [&](std::size_t i) { r[i] = wrap(static_cast<std::uint64_t>(x[sa ? 0 : i]) - static_cast<std::uint64_t>(y[sb ? 0 : i])); });
        break;
      case BinaryOp::Mul:
        forRows(out, [&](std::size_t i) { r[i] = wrap(static_cast<std::uint64_t>(x[sa ? 0 : i]) * static_cast<std::uint64_t>(y[sb ? 0 : i])); });
        break;
      default:  // Mod: the sign of the dividend, as in C and SQL; by zero, null
        forRows(out, [&](std::size_t i) {
          std::int64_t d = y[sb ? 0 : i];
          std::int64_t n = x[sa ? 0 : i];
          if (d == 0) {
            setNull(out, i);
            r[i] = 0;
          } else {
            r[i] = d == -1 ? 0 : n % d;
          }
        });
        break;
    }
    return out;
  }
  double* r = out.floats.data();
  switch (op) {
    case BinaryOp::Add: forRows(out, [&](std::size_t i) { r[i] = numberAt(a, i) + numberAt(b, i); }); break;
    case BinaryOp::Sub: forRows(out, [&](std::size_t i) { r[i] = numberAt(a, i) - numberAt(b, i); }); break;
    case BinaryOp::Mul: forRows(out, [&](std::size_t i) { r[i] = numberAt(a, i) * numberAt(b, i); }); break;
    default: {
      // `/` and `%`: by zero, null.
      const bool divide = op == BinaryOp::Div;
      forRows(out, [&](std::size_t i) {
        double d = numberAt(b, i);
        if (d == 0) {
          setNull(out, i);
          r[i] = 0;
        } else {
          r[i] = divide ? numberAt(a, i) / d : std::fmod(numberAt(a, i), d);
        }
      });
      break;
    }
  }
  return out;
}

namespace {

bool isText(const Vector& v) { return v.kind == ColumnKind::String || v.kind == ColumnKind::Category; }

template <typename T>
bool holds(BinaryOp op, const T& x, const T& y) {
  switch (op) {
    case BinaryOp::Eq: return x == y;
    case BinaryOp::Ne: return !(x == y);
    case BinaryOp::Lt: return x < y;
    case BinaryOp::Le: return x <= y;
    case BinaryOp::Gt: return x > y;
    default: return x >= y;
  }
}

// Dates compared with timestamps: the date's midnight, in microseconds.
std::int64_t temporalAt(const Vector& v, std::size_t row, bool asMicros) {
  std::int64_t value = v.ints[v.at(row)];
  return asMicros && v.kind == ColumnKind::Date ? value * 86400000000LL : value;
}

}  // namespace

Vector compare(BinaryOp op, const Vector& a, const Vector& b, std::size_t rows) {
  Vector out = makeVector(ColumnKind::Bool, rows, a.scalar && b.scalar);
  if (a.nullType || b.nullType) {
    out.valid.assign(out.size, 0);
    return out;
  }
  mergeValidity(out, a, b);
  std::int64_t* r = out.ints.data();
  if (a.kind == ColumnKind::Category && b.kind == ColumnKind::Category && a.levels && b.levels && *a.levels == *b.levels) {
    forRows(out, [&](std::size_t i) { r[i] = holds(op, a.ints[a.at(i)], b.ints[b.at(i)]); });
  } else if (a.kind == ColumnKind::Category && b.kind == ColumnKind::String && b.scalar && (op == BinaryOp::Eq || op == BinaryOp::Ne)) {
    // A category against a literal: compare level indexes.
    std::int64_t level = -1;
    for (std::size_t l = 0; l < a.levels->size(); ++l) {
      if ((*a.levels)[l] == textAt(b, 0)) level = static_cast<std::int64_t>(l);
    }
    forRows(out, [&](std::size_t i) { r[i] = holds(op, a.ints[a.at(i)], level); });
  } else if (a.dictionary && b.kind == ColumnKind::String && b.scalar && (op == BinaryOp::Eq || op == BinaryOp::Ne)) {
    // A string column against one value: find the value's code once, compare codes.
    std::string_view value = textAt(b, 0);
    std::int64_t code = -1;
    for (std::uint32_t c = 0; c < a.dictionary->size() && code < 0; ++c) {
      if (a.dictionary->at(c) == value) code = c;
    }
    forRows(out, [&](std::size_t i) { r[i] = holds(op, static_cast<std::int64_t>(a.codes[a.at(i)]), code); });
  } else if (isText(a) || isText(b)) {
    forRows(out, [&](std::size_t i) {
      if (!out.valid.empty() && out.valid[i] == 0) return;
      r[i] = holds(op, textAt(a, i), textAt(b, i));
    });
  } else if (a.kind == ColumnKind::Float || b.kind == ColumnKind::Float) {
    forRows(out, [&](std::size_t i) { r[i] = holds(op, numberAt(a, i), numberAt(b, i)); });
  } else {
    bool micros = a.kind == ColumnKind::Timestamp || b.kind == ColumnKind::Timestamp;
    if (a.scalar || b.scalar || micros) {
      forRows(out, [&](std::size_t i) { r[i] = holds(op, temporalAt(a, i, micros), temporalAt(b, i, micros)); });
    } else {
      const std::int64_t* x = a.ints.data();
      const std::int64_t* y = b.ints.data();
      forRows(out, [&](std::size_t i) { r[i] = holds(op, x[i], y[i]); });
    }
  }
  return out;
}

Vector logical(BinaryOp op, const Vector& a, const Vector& b, std::size_t rows) {
  Vector out = makeVector(ColumnKind::Bool, rows, a.scalar && b.scalar);
  bool anyNulls = a.nullType || b.nullType || !a.valid.empty() || !b.valid.empty();
  if (!anyNulls) {
    std::int64_t* r = out.ints.data();
    if (op == BinaryOp::And) forRows(out, [&](std::size_t i) { r[i] = a.ints[a.at(i)] & b.ints[b.at(i)]; });
    else forRows(out, [&](std::size_t i) { r[i] = a.ints[a.at(i)] | b.ints[b.at(i)]; });
    return out;
  }
  // Kleene logic: false and null is false, true or null is true, otherwise null.
  forRows(out, [&](std::size_t i) {
    bool an = a.isNull(i), bn = b.isNull(i);
    bool av = !an && a.ints[a.at(i)] != 0, bv = !bn && b.ints[b.at(i)] != 0;
    if (op == BinaryOp::And) {
      if ((!an && !av) || (!bn && !bv)) out.ints[i] = 0;
      else if (an || bn) setNull(out, i);
      else out.ints[i] = 1;
    } else {
      if (av || bv) out.ints[i] = 1;
      else if (an || bn) setNull(out, i);
      else out.ints[i] = 0;
    }
  });
  return out;
}

Vector logicalNot(std::vector<Vector>& operands, std::size_t rows) {
  const Vector& a = operands[0];
  Vector out = makeVector(ColumnKind::Bool, rows, a.scalar);
  if (a.nullType) {
    out.valid.assign(out.size, 0);
    return out;
  }
  out.valid = a.valid;
  forRows(out, [&](std::size_t i) { out.ints[i] = a.ints[a.at(i)] == 0 ? 1 : 0; });
  return out;
}

Vector negate(std::vector<Vector>& operands, std::size_t rows) {
  const Vector& a = operands[0];
  if (a.nullType) return a;
  Vector out = makeVector(a.kind, rows, a.scalar);
  out.valid = a.valid;
  if (a.kind == ColumnKind::Float) forRows(out, [&](std::size_t i) { out.floats[i] = -a.floats[a.at(i)]; });
  else forRows(out, [&](std::size_t i) { out.ints[i] = static_cast<std::int64_t>(0u - static_cast<std::uint64_t>(a.ints[a.at(i)])); });
  return out;
}

Vector membership(std::vector<Vector>& operands, std::size_t rows, bool negated) {
  std::vector<const Vector*> all;
  for (const Vector& v : operands) all.push_back(&v);
  Vector out = makeVector(ColumnKind::Bool, rows, allScalar(all));
  const Vector& value = operands[0];
  for (std::size_t i = 0; i < out.size; ++i) {
    if (value.isNull(i)) {
      setNull(out, i);
      continue;
    }
    bool found = false;
    for (std::size_t k = 1; k < operands.size() && !found; ++k) {
      const Vector& item = operands[k];
      if (item.isNull(i)) continue;
      if (isText(value) || isText(item)) found = textAt(value, i) == textAt(item, i);
      else if (value.kind == ColumnKind::Float || item.kind == ColumnKind::Float) found = numberAt(value, i) == numberAt(item, i);
      else found = value.ints[value.at(i)] == item.ints[item.at(i)];
    }
    out.ints[i] = found != negated ? 1 : 0;
  }
  return out;
}

Vector isNullVector(const Vector& v, std::size_t rows, bool negated) {
  Vector out = makeVector(ColumnKind::Bool, rows, v.scalar);
  forRows(out, [&](std::size_t i) { out.ints[i] = v.isNull(i) != negated ? 1 : 0; });
  return out;
}

void copyValue(const Vector& from, std::size_t row, Vector& into, std::size_t to) {
  if (from.isNull(row)) {
    setNull(into, to);
    return;
  }
  std::size_t i = from.at(row);
  switch (into.kind) {
    case ColumnKind::Float: into.floats[to] = numberAt(from, row); break;
    case ColumnKind::String: into.strings[to] = textAt(from, row); break;
    case ColumnKind::Category: {
      if (from.kind == ColumnKind::Category) {
        into.ints[to] = from.ints[i];
      } else {
        std::string_view text = textAt(from, row);
        auto it = std::find(into.levels->begin(), into.levels->end(), text);
        if (it == into.levels->end()) setNull(into, to);
        else into.ints[to] = it - into.levels->begin();
      }
      break;
    }
    default: into.ints[to] = from.kind == ColumnKind::Float ? static_cast<std::int64_t>(from.floats[i]) : from.ints[i]; break;
  }
}

Vector choose(const std::vector<const Vector*>& conditions, const std::vector<const Vector*>& choices,
              const ColumnSpec& result, std::size_t rows) {
  std::vector<const Vector*> all = conditions;
  all.insert(all.end(), choices.begin(), choices.end());
  Vector out = makeVector(result.kind, rows, allScalar(all));
  if (result.kind == ColumnKind::Category) out.levels = std::make_shared<const std::vector<std::string>>(result.levels);
  for (const Vector* choice : choices) out.anchor(*choice);
  for (std::size_t i = 0; i < out.size; ++i) {
    std::size_t pick = choices.size() - 1;
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      const Vector& condition = *conditions[c];
      if (!condition.isNull(i) && condition.ints[condition.at(i)] != 0) {
        pick = c;
        break;
      }
    }
    copyValue(*choices[pick], i, out, i);
  }
  return out;
}

Vector bucket(const Vector& v, const std::vector<double>& edges, std::size_t rows) {
  Vector out = makeVector(ColumnKind::Int, rows, v.scalar);
  if (v.nullType) {
    out.valid.assign(out.size, 0);
    return out;
  }
  out.valid = v.valid;
  for (std::size_t i = 0; i < out.size; ++i) {
    double x = numberAt(v, i);
    out.ints[i] = std::upper_bound(edges.begin(), edges.end(), x) - edges.begin();
  }
  return out;
}

}  // namespace weir::runtime
