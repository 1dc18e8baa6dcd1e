// The language server's protocol layer: positions in UTF-16 code units against our byte and
// code-point ranges, edits, URIs.

#include "lsp/Protocol.h"

#include <gtest/gtest.h>

namespace weir::lsp {
namespace {

TEST(LspProtocolTest, Utf16UnitsCountSurrogatePairsTwice) {
  // `é` is 2 bytes and 1 unit; `😀` 4 bytes and 2 units.
  EXPECT_EQ(utf16Length("aé😀b"), 5u);
  EXPECT_EQ(byteOffsetOfUtf16("aé😀b", 2), 3u);
  EXPECT_EQ(byteOffsetOfUtf16("aé😀b", 4), 7u);
  EXPECT_EQ(byteOffsetOfUtf16("aé😀b", 99), 8u);
}

TEST(LspProtocolTest, PositionsConvertBothWaysAndClamp) {
  LineTable lines("ab\n😀x = 1\r\nlast");
  EXPECT_EQ(lines.lineCount(), 3u);
  EXPECT_EQ(lines.offsetOf({1, 2}), 7u);  // after the emoji
  EXPECT_EQ(lines.positionOf(std::size_t{7}), (Position{1, 2}));
  // Weir's column of `x` is 2 (code points); its LSP character is 2 (units).
  EXPECT_EQ(lines.locationOf({1, 2}), (source::SourceLocation{2, 2}));
  EXPECT_EQ(lines.positionOf(source::SourceLocation{2, 3}), (Position{1, 3}));
  // Past the end of a line (its `\r` excluded) or of the text: clamped.
  EXPECT_EQ(lines.offsetOf({1, 100}), 12u);
  EXPECT_EQ(lines.offsetOf({9, 0}), 18u);
  EXPECT_EQ(lines.locationOf({9, 9}), (source::SourceLocation{3, 5}));
}

TEST(LspProtocolTest, ConversionsAgainstASourceFileMatchTheLineTable) {
  source::SourceFile file(1, "f.mlflow", "let é = 1\n😀 b\n");
  EXPECT_EQ(positionIn(file, {2, 2}), (Position{1, 2}));
  EXPECT_EQ(locationIn(file, {1, 2}), (source::SourceLocation{2, 2}));
  EXPECT_EQ(locationIn(file, {0, 100}), (source::SourceLocation{1, 10}));
}

TEST(LspProtocolTest, ContentChangesReplaceRangesOrTheWholeText) {
  std::string text = "let a = 1\nlet b = 2\n";
  ASSERT_TRUE(applyContentChange(text, json::parse(R"({"range":{"start":{"line":1,"character":4},"end":{"line":1,"character":5}},"text":"bb"})")));
  EXPECT_EQ(text, "let a = 1\nlet bb = 2\n");
  // Out of range: clamped to the end.
  ASSERT_TRUE(applyContentChange(text, json::parse(R"({"range":{"start":{"line":7,"character":0},"end":{"line":9,"character":3}},"text":"x"})")));
  EXPECT_EQ(text, "let a = 1\nlet bb = 2\nx");
  ASSERT_TRUE(applyContentChange(text, json::parse(R"({"text":"new"})")));
  EXPECT_EQ(text, "new");
  EXPECT_FALSE(applyContentChange(text, json::parse(R"({"range":{"start":{"line":-1}},"text":"x"})")));
  EXPECT_FALSE(applyContentChange(text, json::parse(R"([1])")));
  EXPECT_EQ(text, "new");
}

TEST(LspProtocolTest, FileUrisDecodeAndEncode) {
  EXPECT_EQ(uriToPath("file:///a%20b/c.mlflow"), "/a b/c.mlflow");
  EXPECT_EQ(uriToPath("file://localhost/x"), "/x");
  EXPECT_EQ(uriToPath("untitled:1"), std::nullopt);
  EXPECT_EQ(uriToPath("file:///a%2"), std::nullopt);
  EXPECT_EQ(uriToPath("file:///a%00b"), std::nullopt);
  EXPECT_EQ(pathToUri("/a b/é.mlflow"), "file:///a%20b/%C3%A9.mlflow");
  EXPECT_EQ(uriToPath(pathToUri("/a b/é#.mlflow")), "/a b/é#.mlflow");
}

}  // namespace
}  // namespace weir::lsp
