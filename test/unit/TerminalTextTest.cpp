// What reaches a terminal: control characters from data and programs escaped, Weir's own
// controls kept; UTF-8 checked the same way for programs and data files.
#include "support/TerminalText.h"
#include "support/Utf8.h"

#include "driver/Driver.h"

#include <gtest/gtest.h>

#include <sstream>

using weir::support::EscapingStreamBuffer;
using weir::support::Verbatim;
using weir::support::escapeControls;

TEST(TerminalText, EscapesWhatATerminalActsOn) {
  EXPECT_EQ(escapeControls("plain text, caf\xC3\xA9 \xE2\x82\xAC\ttab\nnext"), "plain text, caf\xC3\xA9 \xE2\x82\xAC\ttab\nnext");
  EXPECT_EQ(escapeControls("\x1b[31mred\x1b[0m"), "\\u001b[31mred\\u001b[0m");
  EXPECT_EQ(escapeControls(std::string("a\0b\rc\x7f", 6)), "a\\u0000b\\u000dc\\u007f");
  EXPECT_EQ(escapeControls("\xC2\x9B" "2J"), "\\u009b2J");             // C1 control sequence introducer
  EXPECT_EQ(escapeControls("abc\xE2\x80\xAE" "fed"), "abc\\u202efed");  // right-to-left override
  EXPECT_EQ(escapeControls("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u2066x\\u2069");
  EXPECT_EQ(escapeControls("bad \xFF byte, cut \xE2\x82"), "bad \\xFF byte, cut \\xE2\\x82");
}

TEST(TerminalText, StreamEscapesAcrossWritesAndKeepsVerbatimBytes) {
  std::ostringstream sink;
  {
    EscapingStreamBuffer buffer(sink.rdbuf());
    std::ostream out(&buffer);
    // A character split across two writes is kept whole; one never completed is escaped.
    out << "caf\xC3" << "\xA9 " << Verbatim{"\x1b[1m"} << "\x1b]0;title\x07" << Verbatim{"\x1b[0m"} << '\n';
    out << 'x' << '\xE2' << '\x82' << '\xAC' << " end \xE2\x82";
  }
  EXPECT_EQ(sink.str(), "caf\xC3\xA9 \x1b[1m\\u001b]0;title\\u0007\x1b[0m\nx\xE2\x82\xAC end \\xE2\\x82");
  // On any other stream, Verbatim is a plain write.
  std::ostringstream plain;
  plain << Verbatim{"\x1b[1m"};
  EXPECT_EQ(plain.str(), "\x1b[1m");
}

TEST(TerminalText, EveryCommandsOutputIsEscaped) {
  std::istringstream in;
  std::ostringstream out, err;
  int status = weir::driver::runWeir({"\x1b[2Jcheck"}, {in, out, err});
  EXPECT_EQ(status, weir::driver::kExitUsage);
  EXPECT_EQ(err.str().find('\x1b'), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("unknown command `\\u001b[2Jcheck`"), std::string::npos) << err.str();
}

TEST(Utf8, FindsTheFirstByteThatIsNotText) {
  using weir::support::firstBadByte;
  std::string ok = "ascii only, long enough for words; caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80";
  EXPECT_EQ(firstBadByte(ok, 0, ok.size()), ok.size());
  for (const std::string& bad : {std::string("0123456789\xFF"), std::string("0123456789\x80"), std::string("0123456789\xC0\xAF"),
                                 std::string("0123456789\xED\xA0\x80"), std::string("0123456789\xF4\x90\x80\x80"),
                                 std::string("0123456789\xE2\x82"), std::string("0123456789\0", 11)}) {
    EXPECT_EQ(firstBadByte(bad, 0, bad.size()), 10u) << escapeControls(bad);
  }
  char32_t codePoint = 0;
  EXPECT_EQ(weir::support::utf8SequenceLength("\xF0\x9F\x98\x80", 0, &codePoint), 4u);
  EXPECT_EQ(codePoint, U'\U0001F600');
  EXPECT_EQ(weir::support::describeBadByte("a\xE9", 1), "invalid UTF-8 (byte 0xE9)");
}
