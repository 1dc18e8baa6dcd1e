#include "lsp/Transport.h"

#include "support/JsonText.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <unistd.h>

namespace weir::lsp {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// The Content-Length of a header block (lines separated by CRLF, without the blank line), or
// nullopt with `problem` set.
std::optional<std::size_t> contentLength(std::string_view header, std::string& problem) {
  std::optional<std::size_t> length;
  while (!header.empty()) {
    std::size_t end = header.find("\r\n");
    std::string_view line = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      problem = "a header line without `:`";
      return std::nullopt;
    }
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (!equalsIgnoringCase(name, "Content-Length")) continue;  // Content-Type and others
    std::size_t parsed = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
      problem = "Content-Length is not a number";
      return std::nullopt;
    }
    if (length && *length != parsed) {
      problem = "two different Content-Length headers";
      return std::nullopt;
    }
    length = parsed;
  }
  if (!length) problem = "no Content-Length header";
  return length;
}

}  // namespace

void FrameReader::push(std::string_view bytes) {
  if (skipping_ > 0) {
    std::size_t dropped = std::min(skipping_, bytes.size());
    skipping_ -= dropped;
    bytes.remove_prefix(dropped);
  }
  buffer_.append(bytes);
}

std::optional<Frame> FrameReader::next() {
  if (skipping_ > 0) return std::nullopt;
  if (!bodyLength_) {
    std::size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buffer_.size() <= kMaxHeaderBytes) return std::nullopt;
      // No header ends within the limit: drop what was held but the last bytes, which may
      // start the blank line.
      buffer_.erase(0, buffer_.size() - 3);
      return Frame{Frame::Kind::BadHeader, {}, "a header longer than 8 KiB"};
    }
    std::string problem;
    std::optional<std::size_t> length = contentLength(std::string_view(buffer_).substr(0, end), problem);
    buffer_.erase(0, end + 4);
    if (!length) return Frame{Frame::Kind::BadHeader, {}, problem};
    if (*length > maxMessageBytes_) {
      std::size_t held = std::min(*length, buffer_.size());
      buffer_.erase(0, held);
      skipping_ = *length - held;
      return Frame{Frame::Kind::TooLarge, {}, "a message of " + std::to_string(*length) + " bytes, over the limit"};
    }
    bodyLength_ = length;
  }
  if (buffer_.size() < *bodyLength_) return std::nullopt;
  Frame frame;
  // Invalid JSON is a value, not an exception (parse with allow_exceptions = false).
  frame.message = nlohmann::json::parse(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(*bodyLength_),
                                        nullptr, false);
  buffer_.erase(0, *bodyLength_);
  bodyLength_.reset();
  if (frame.message.is_discarded()) {
    frame.kind = Frame::Kind::BadJson;
    frame.message = nullptr;
    frame.problem = "the body is not JSON";
  }
  return frame;
}

std::string encodeFrame(const nlohmann::json& message) {
  // Text that is not UTF-8 (a path or a document's bytes quoted in a message) is replaced, not
  // thrown on.
  std::string body = support::jsonText(message);
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool writeFrame(int fd, const nlohmann::json& message) {
  std::string bytes = encodeFrame(message);
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace weir::lsp
