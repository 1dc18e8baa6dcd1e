// The language server's transport: Content-Length framing over bytes that arrive in pieces,
// and every malformed input turned into a frame that says what is wrong (never a crash).

#include "lsp/Transport.h"

#include <gtest/gtest.h>

namespace weir::lsp {
namespace {

std::string framed(const std::string& body) { return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body; }

std::vector<Frame> readAll(FrameReader& reader, const std::string& bytes, std::size_t piece = 1 << 20) {
  std::vector<Frame> frames;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    reader.push(std::string_view(bytes).substr(at, piece));
    while (std::optional<Frame> frame = reader.next()) frames.push_back(std::move(*frame));
  }
  return frames;
}

TEST(LspTransportTest, MessagesSplitAcrossReadsOfAnySize) {
  std::string bytes = framed(R"({"jsonrpc":"2.0","id":1,"method":"a"})") +
                      "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + framed(R"({"jsonrpc":"2.0","method":"b"})");
  for (std::size_t piece : {1u, 2u, 7u, 1000u}) {
    FrameReader reader;
    std::vector<Frame> frames = readAll(reader, bytes, piece);
    ASSERT_EQ(frames.size(), 2u) << piece;
    EXPECT_EQ(frames[0].kind, Frame::Kind::Message);
    EXPECT_EQ(frames[0].message["method"], "a");
    EXPECT_EQ(frames[1].message["method"], "b");
    EXPECT_FALSE(reader.midMessage());
  }
}

TEST(LspTransportTest, HeaderNamesAreCaseInsensitiveAndOtherHeadersIgnored) {
  FrameReader reader;
  std::vector<Frame> frames = readAll(reader, "content-length:  2 \r\nX-Other: 1\r\n\r\n{}");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::Message);
  EXPECT_TRUE(frames[0].message.is_object());
}

TEST(LspTransportTest, BadHeadersAreSkippedAndTheNextMessageRead) {
  FrameReader reader;
  std::vector<Frame> frames = readAll(reader, "Content-Length: abc\r\n\r\n" + std::string("Nonsense\r\n\r\n") +
                                                  "Content-Length: 1\r\nContent-Length: 2\r\n\r\n" + framed("{}"));
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::BadHeader);
  EXPECT_EQ(frames[0].problem, "Content-Length is not a number");
  EXPECT_EQ(frames[1].kind, Frame::Kind::BadHeader);
  EXPECT_EQ(frames[1].problem, "a header line without `:`");
  EXPECT_EQ(frames[2].problem, "two different Content-Length headers");
  EXPECT_EQ(frames[3].kind, Frame::Kind::Message);
}

TEST(LspTransportTest, ABodyThatIsNotJsonIsAParseError) {
  FrameReader reader;
  std::vector<Frame> frames = readAll(reader, framed("{\"a\":") + framed("[1]"));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::BadJson);
  EXPECT_EQ(frames[1].kind, Frame::Kind::Message);
}

TEST(LspTransportTest, AShortContentLengthLeavesTheRestAsABadHeader) {
  // The body is cut where the length says; what is left is not a header, and the reader finds
  // the next message after it.
  FrameReader reader;
  std::vector<Frame> frames = readAll(reader, "Content-Length: 3\r\n\r\n{\"a\":1}\r\n\r\n" + framed("{}"));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::BadJson);
  EXPECT_EQ(frames[1].kind, Frame::Kind::BadHeader);
  EXPECT_EQ(frames[2].kind, Frame::Kind::Message);
}

TEST(LspTransportTest, AnOversizedMessageIsSkippedAsItArrivesWithoutBeingHeld) {
  FrameReader reader(100);
  std::string big(1000, 'x');
  std::vector<Frame> frames = readAll(reader, "Content-Length: 1000\r\n\r\n" + big + framed("{}"), 64);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::TooLarge);
  EXPECT_EQ(frames[1].kind, Frame::Kind::Message);
}

TEST(LspTransportTest, AHeaderThatNeverEndsIsDroppedPastItsLimit) {
  FrameReader reader;
  std::vector<Frame> frames = readAll(reader, std::string(kMaxHeaderBytes + 10, 'h'));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::BadHeader);
}

TEST(LspTransportTest, TheEndOfTheStreamMidMessageIsKnown) {
  FrameReader reader;
  EXPECT_TRUE(readAll(reader, "Content-Length: 10\r\n\r\n{\"a\"").empty());
  EXPECT_TRUE(reader.midMessage());
}

TEST(LspTransportTest, EncodedFramesReadBackAndReplaceInvalidUtf8) {
  nlohmann::json message = {{"text", std::string("a\xff") + "b\x1b"}};
  std::string bytes = encodeFrame(message);
  FrameReader reader;
  std::vector<Frame> frames = readAll(reader, bytes);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].message["text"], "a\xEF\xBF\xBD" "b\x1b");
}

}  // namespace
}  // namespace weir::lsp
