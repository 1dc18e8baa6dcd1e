#pragma once

// The language server's transport: JSON-RPC 2.0 messages framed by `Content-Length` headers
// over a byte stream (LSP 3.17, "Base Protocol"). It consumes bytes as they arrive, in pieces of
// any size, and guarantees that no input crashes it or makes it hold more than one message's
// bytes: a malformed header, a body that is not JSON or a message over the size limit becomes a
// `Frame` that says so, and the reader goes on with the bytes after it.
//
// Depends on nlohmann-json and the standard library only, so the fuzz target builds it alone.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace weir::lsp {

// The largest message body read (a 10 MB document fits, with its JSON escapes).
inline constexpr std::size_t kDefaultMaxMessageBytes = 64 * 1024 * 1024;
// The largest header block: past it without a blank line, the bytes are not a header.
inline constexpr std::size_t kMaxHeaderBytes = 8 * 1024;

struct Frame {
  enum class Kind {
    Message,    // `message` holds the parsed body
    BadHeader,  // the header block has no valid Content-Length (`problem` says why); skipped
    BadJson,    // the body is not JSON (JSON-RPC -32700, answered with a null id)
    TooLarge,   // Content-Length over the limit: the body is skipped as it arrives
  };
  Kind kind = Kind::Message;
  nlohmann::json message;
  std::string problem;
};

// Splits a byte stream into frames.
class FrameReader {
 public:
  explicit FrameReader(std::size_t maxMessageBytes = kDefaultMaxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

  // Appends bytes read from the stream.
  void push(std::string_view bytes);
  // The next complete frame, or nullopt until more bytes arrive.
  std::optional<Frame> next();
  // Whether bytes of an unfinished message are held (at the end of the stream: a client that
  // went away mid-message).
  bool midMessage() const { return !buffer_.empty() || skipping_ > 0 || bodyLength_.has_value(); }

 private:
  std::size_t maxMessageBytes_;
  std::string buffer_;
  std::optional<std::size_t> bodyLength_;  // the header was read; waiting for this many bytes
  std::size_t skipping_ = 0;               // bytes of an oversized body still to drop
};

// A message as it is written: header and body.
std::string encodeFrame(const nlohmann::json& message);

// Writes frames to a file descriptor, whole (retrying short writes); false once the other
// side is gone (EPIPE and the like: the caller stops).
bool writeFrame(int fd, const nlohmann::json& message);

}  // namespace weir::lsp
