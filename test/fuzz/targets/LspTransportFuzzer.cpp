// The language server's transport (any bytes, as a client might send them): framed in pieces of
// a size the first byte picks (bits 0-3; bit 4: a 64-byte message limit), every frame read back
// the same after encoding it again, and the protocol's conversions applied to what the messages
// hold (content changes, positions, URIs) on a text with multi-byte characters: offsets stay in
// the text. Needs no ANTLR: built for libFuzzer too.
#include "FuzzTarget.h"

#include "lsp/Protocol.h"
#include "lsp/Transport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weir::lsp;
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  std::size_t piece = 1 + (input.options & 15u) * 7;
  FrameReader reader((input.options & 16u) != 0 ? 64 : kDefaultMaxMessageBytes);
  std::string text = "let a = 1\nlet \xC3\xA9 = \"\xF0\x9F\x98\x80\"\r\n\nlast";
  for (std::size_t at = 0; at < input.text.size(); at += piece) {
    reader.push(input.text.substr(at, piece));
    while (std::optional<Frame> frame = reader.next()) {
      if (frame->kind != Frame::Kind::Message) continue;
      FrameReader again;
      again.push(encodeFrame(frame->message));
      std::optional<Frame> read = again.next();
      WEIR_FUZZ_REQUIRE(read && read->kind == Frame::Kind::Message && read->message == frame->message);
      const json& params = frame->message.is_object() && frame->message.contains("params") ? frame->message["params"] : json();
      if (!params.is_object()) continue;
      if (params.contains("contentChanges") && params["contentChanges"].is_array()) {
        for (const json& change : params["contentChanges"]) applyContentChange(text, change);
        if (text.size() > (1u << 20)) text.resize(1u << 20);
      }
      if (params.contains("position")) {
        if (std::optional<Position> position = parsePosition(params["position"])) {
          LineTable lines(text);
          std::size_t offset = lines.offsetOf(*position);
          WEIR_FUZZ_REQUIRE(offset <= text.size());
          Position back = lines.positionOf(offset);
          WEIR_FUZZ_REQUIRE(lines.offsetOf(back) == offset || offset == text.size());
          weir::source::SourceLocation location = lines.locationOf(*position);
          WEIR_FUZZ_REQUIRE(location.valid());
        }
      }
      if (params.contains("textDocument") && params["textDocument"].is_object() && params["textDocument"].contains("uri") &&
          params["textDocument"]["uri"].is_string()) {
        if (std::optional<std::string> path = uriToPath(params["textDocument"]["uri"].get<std::string>())) {
          WEIR_FUZZ_REQUIRE(uriToPath(pathToUri(*path)) == path);
        }
      }
    }
  }
  return 0;
}
