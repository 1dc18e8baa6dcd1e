#include "support/TerminalText.h"

#include "support/Utf8.h"

#include <fmt/format.h>

namespace weir::support {

namespace {

bool actsOnTerminal(char32_t c) {
  return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

// Appends the escaped form of text[0, size) to `out`; returns how many bytes it consumed: all
// of them, except a well-formed beginning of a UTF-8 sequence cut by the end when `partial`
// (the caller keeps those for the next write).
std::size_t escapeInto(std::string& out, std::string_view text, bool partial) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = i;
    while (run < text.size()) {
      auto c = static_cast<unsigned char>(text[run]);
      if (c >= 0x80 || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) break;
      ++run;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    char32_t codePoint = 0;
    std::size_t length = utf8SequenceLength(text, i, &codePoint);
    if (length == 0) {
      if (partial && text.size() - i < 4) {
        // A sequence the next write may complete: its lead byte says how long it is, and every
        // byte so far is a continuation.
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t want = (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 0;
        bool prefix = want > text.size() - i;
        for (std::size_t k = i + 1; prefix && k < text.size(); ++k) prefix = (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80;
        if (prefix) return i;
      }
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (actsOnTerminal(codePoint)) {
      out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(codePoint));
    } else {
      out.append(text.data() + i, length);
    }
    i += length;
  }
  return i;
}

}  // namespace

std::string escapeControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  escapeInto(out, text, false);
  return out;
}

EscapingStreamBuffer::~EscapingStreamBuffer() { flushPending(); }

void EscapingStreamBuffer::flushPending() {
  if (pending_.empty()) return;
  std::string out = escapeControls(pending_);
  pending_.clear();
  target_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
}

void EscapingStreamBuffer::writeVerbatim(std::string_view bytes) {
  flushPending();
  target_->sputn(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

EscapingStreamBuffer::int_type EscapingStreamBuffer::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  char byte = traits_type::to_char_type(c);
  xsputn(&byte, 1);
  return c;
}

std::streamsize EscapingStreamBuffer::xsputn(const char* s, std::streamsize n) {
  std::string_view text(s, static_cast<std::size_t>(n));
  std::string joined;
  if (!pending_.empty()) {
    joined = pending_ + std::string(text);
    pending_.clear();
    text = joined;
  }
  std::string out;
  out.reserve(text.size());
  std::size_t used = escapeInto(out, text, true);
  pending_.assign(text.substr(used));
  if (!out.empty() && target_->sputn(out.data(), static_cast<std::streamsize>(out.size())) != static_cast<std::streamsize>(out.size())) {
    return 0;
  }
  return n;
}

int EscapingStreamBuffer::sync() { return target_->pubsync(); }

std::ostream& operator<<(std::ostream& out, Verbatim verbatim) {
  if (auto* escaping = dynamic_cast<EscapingStreamBuffer*>(out.rdbuf())) {
    escaping->writeVerbatim(verbatim.bytes);
  } else {
    out.write(verbatim.bytes.data(), static_cast<std::streamsize>(verbatim.bytes.size()));
  }
  return out;
}

}  // namespace weir::support
