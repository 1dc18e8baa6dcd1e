#include "io/CsvTokenizer.h"

namespace weir::runtime {

CsvTokenizer::CsvTokenizer(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") offset_ = 3;
}

void CsvTokenizer::advance() {
  char c = text_[offset_++];
  if (c == '\n') {
    ++position_.line;
    position_.column = 1;
  } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
    ++position_.column;  // a code point starts here (continuation bytes do not count)
  }
}

void CsvTokenizer::skipLines(std::size_t lines) {
  while (lines > 0 && offset_ < text_.size()) {
    if (text_[offset_] == '\n') --lines;
    advance();
  }
}

bool CsvTokenizer::next(std::vector<std::string>& fields, std::vector<CsvPosition>& positions, std::string& error,
                        CsvPosition& at) {
  fields.clear();
  positions.clear();
  if (failed_) return false;
  // Blank lines between records are skipped.
  while (offset_ < text_.size() && (peek() == '\n' || (peek() == '\r' && offset_ + 1 < text_.size() &&
                                                       text_[offset_ + 1] == '\n'))) {
    advance();
  }
  if (offset_ >= text_.size()) return false;
  for (;;) {
    positions.push_back(position_);
    positions.back().quoted = peek() == '"';
    std::string field;
    if (peek() == '"') {
      CsvPosition opened = position_;
      advance();
      for (;;) {
        if (offset_ >= text_.size()) {
          error = "unterminated quoted field (a `\"` opened here is never closed)";
          at = opened;
          failed_ = true;
          return false;
        }
        char c = peek();
        if (c == '"') {
          advance();
          if (peek() == '"') {
            field += '"';
            advance();
            continue;
          }
          break;
        }
        field += c;
        advance();
      }
      char after = peek();
      if (offset_ < text_.size() && after != delimiter_ && after != '\n' && after != '\r') {
        error = "text after the closing quote of a quoted field (a quote inside a field is written `\"\"`)";
        at = position_;
        failed_ = true;
        return false;
      }
    } else {
      while (offset_ < text_.size() && peek() != delimiter_ && peek() != '\n') {
        if (peek() == '\r' && offset_ + 1 < text_.size() && text_[offset_ + 1] == '\n') break;
        field += peek();
        advance();
      }
      if (!field.empty() && field.back() == '\r' && offset_ >= text_.size()) field.pop_back();
    }
    fields.push_back(std::move(field));
    if (offset_ >= text_.size()) return true;
    char c = peek();
    if (c == delimiter_) {
      advance();
      continue;
    }
    if (c == '\r') advance();
    if (peek() == '\n') advance();
    return true;
  }
}

}  // namespace weir::runtime
