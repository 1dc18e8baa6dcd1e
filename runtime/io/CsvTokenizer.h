#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

// Where a field starts in its file: 1-based line and column (columns count code points).
struct CsvPosition {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  bool quoted = false;  // the field was written in quotes (`""` is an empty string, not a null)
};

// Splits CSV text into records and fields, as RFC 4180 says: fields separated by a delimiter,
// records by LF or CRLF; a field in double quotes may hold delimiters, line breaks and `""` for a
// quote. Also accepted: a UTF-8 byte order mark at the start, a last record without a line break.
// Blank lines are skipped. It owns no data: the text must outlive it.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::string_view text, char delimiter = ',');

  // Reads the next record. False at the end of the text, or on a malformed record, with `error`
  // set (an unterminated quote, text after a closing quote) and `at` where it happened.
  bool next(std::vector<std::string>& fields, std::vector<CsvPosition>& positions, std::string& error,
            CsvPosition& at);

  // Continues from `offset`, the start of a record on line `line`.
  void seek(std::size_t offset, std::uint32_t line) {
    offset_ = offset;
    position_ = CsvPosition{line, 1, false};
    failed_ = false;
  }
  // Skips the first `lines` lines of text as they are (`skip_rows`), whatever they hold.
  void skipLines(std::size_t lines);

  bool failed() const { return failed_; }
  // Where the next record starts: its byte offset and line.
  std::size_t offset() const { return offset_; }
  std::uint32_t line() const { return position_.line; }

 private:
  char peek() const { return offset_ < text_.size() ? text_[offset_] : '\0'; }
  void advance();

  std::string_view text_;
  char delimiter_;
  std::size_t offset_ = 0;
  CsvPosition position_;
  bool failed_ = false;
};

}  // namespace weir::runtime
