#pragma once

// One field of text (a CSV field, a SQLite text value) into its column, under a source's rules:
// which tokens are nulls, which extra words are booleans. Inline: it is the CSV reader's inner
// loop, and it allocates only to say what is wrong.

#include "io/ValueParsers.h"
#include "table/Table.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

// A source's reading rules for text (`null = [...]`, `booleans = [...]`).
struct TextRules {
  std::vector<std::string> nullTokens;  // fields that mean null, besides the empty one
  std::string trueWord, falseWord;      // booleans besides `true` / `false` (empty: none)
};

namespace detail {

inline bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

inline std::string quoteNames(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i > 0 ? ", `" : "`") + names[i] + "`";
  return out;
}

}  // namespace detail

// Parses `text` as a value of `spec`'s type; stores it in `column` when kStore (else only checks
// it). Returns why the text is not a value of the type. An empty field is null; a field equal to
// a null token is null (unless it is quoted in a string column, where it is text); a quoted
// empty field in a string column is the empty string.
template <bool kStore>
std::optional<std::string> textValue(Column* column, const ColumnSpec& spec, std::string_view text, bool quoted,
                                     const TextRules& rules) {
  bool isNull = text.empty() && !(quoted && spec.kind == ColumnKind::String);
  if (!isNull && !rules.nullTokens.empty() && !(quoted && spec.kind == ColumnKind::String)) {
    isNull = std::find(rules.nullTokens.begin(), rules.nullTokens.end(), text) != rules.nullTokens.end();
  }
  if (isNull) {
    if (!spec.nullable) {
      return text.empty() ? std::string("empty value in a column that cannot be null")
                          : "null value `" + std::string(text) + "` in a column that cannot be null";
    }
    if constexpr (kStore) column->appendNull();
    return std::nullopt;
  }
  auto expected = [&] {
    return "expected " + std::string(columnKindName(spec.kind)) + ", found `" + std::string(text) + "`";
  };
  switch (spec.kind) {
    case ColumnKind::Int:
      if (auto v = parseInt(text)) {
        if constexpr (kStore) column->appendInt(*v);
        return std::nullopt;
      }
      return expected();
    case ColumnKind::Float:
      if (auto v = parseFloat(text)) {
        if constexpr (kStore) column->appendFloat(*v);
        return std::nullopt;
      }
      return expected();
    case ColumnKind::Bool: {
      std::optional<bool> v = parseBool(text);
      if (!v && !rules.trueWord.empty()) {
        if (detail::equalsIgnoringCase(text, rules.trueWord)) v = true;
        else if (detail::equalsIgnoringCase(text, rules.falseWord)) v = false;
      }
      if (v) {
        if constexpr (kStore) column->appendInt(*v ? 1 : 0);
        return std::nullopt;
      }
      if (!rules.trueWord.empty()) return expected() + " (booleans are `true`/`false` or `" + rules.trueWord + "`/`" + rules.falseWord + "`)";
      return expected();
    }
    case ColumnKind::Date:
      if (auto v = parseDate(text)) {
        if constexpr (kStore) column->appendInt(*v);
        return std::nullopt;
      }
      return expected() + " (dates are written YYYY-MM-DD)";
    case ColumnKind::Timestamp:
      if (auto v = parseTimestamp(text)) {
        if constexpr (kStore) column->appendInt(*v);
        return std::nullopt;
      }
      return expected() + " (timestamps are written YYYY-MM-DDTHH:MM:SSZ)";
    case ColumnKind::String:
      if constexpr (kStore) column->appendString(text);
      return std::nullopt;
    case ColumnKind::Category: {
      auto it = std::find(spec.levels.begin(), spec.levels.end(), text);
      if (it == spec.levels.end()) return "`" + std::string(text) + "` is not one of the levels " + detail::quoteNames(spec.levels);
      if constexpr (kStore) column->appendLevel(static_cast<std::uint32_t>(it - spec.levels.begin()));
      return std::nullopt;
    }
  }
  return expected();
}

}  // namespace weir::runtime
