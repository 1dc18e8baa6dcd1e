#pragma once

// Text Weir prints comes partly from outside: data values and records, column names, file
// names, program text. Control characters in it would reach the terminal as commands (colours,
// cursor moves, a cleared screen, a window title, text hidden by a carriage return or reordered
// by a bidirectional override). So every byte a front door prints passes through an
// EscapingStreamBuffer, which shows such characters as escapes; Weir's own controls (colours,
// the live progress line) and output that must stay byte for byte (a formatted program) are
// written with `Verbatim`.

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace weir::support {

// `text` with every character a terminal would act on written as an escape: C0 controls but
// line feed and tab, DEL, C1 controls and the bidirectional formatting characters (U+202A to
// U+202E, U+2066 to U+2069) as `\u001b` (JSON's spelling: a JSON document stays one, and means
// the same), a byte that is not UTF-8 text as `\xFF`. Everything else is kept.
std::string escapeControls(std::string_view text);

// A stream buffer that escapes what is written to it (escapeControls) and passes it on to
// `target`. Unbuffered: every write reaches the target at once, in order. A UTF-8 sequence split
// across two writes is held until its end arrives.
class EscapingStreamBuffer : public std::streambuf {
 public:
  explicit EscapingStreamBuffer(std::streambuf* target) : target_(target) {}
  ~EscapingStreamBuffer() override;
  EscapingStreamBuffer(const EscapingStreamBuffer&) = delete;
  EscapingStreamBuffer& operator=(const EscapingStreamBuffer&) = delete;

  // Writes `bytes` to the target as they are.
  void writeVerbatim(std::string_view bytes);

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void flushPending();

  std::streambuf* target_;
  std::string pending_;  // the start of a UTF-8 sequence the next write may complete
};

// Bytes written as they are, past an EscapingStreamBuffer (`out << Verbatim{"\x1b[1m"}`); on any
// other stream, a plain write.
struct Verbatim {
  std::string_view bytes;
};
std::ostream& operator<<(std::ostream& out, Verbatim verbatim);

}  // namespace weir::support
