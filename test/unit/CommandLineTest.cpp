// The option parser every command shares.

#include "driver/CommandLine.h"

#include <gtest/gtest.h>

#include <sstream>

namespace weir::driver {
namespace {

struct Captured {
  std::istringstream in;
  std::ostringstream out, err;
  Streams streams() { return {in, out, err}; }
};

const std::vector<OptionSpec> kOptions = {{"--target", true, {}, {}, true}, formatOption(), {"--no-cache"}};

TEST(CommandLineTest, ReadsBothValueFormsRepeatsAndPositionals) {
  Captured io;
  auto line = CommandLine::parse("run", {"--target", "a", "f.mlflow", "--target=b", "--json", "-"}, kOptions, io.streams());
  ASSERT_TRUE(line);
  EXPECT_EQ(line->values("--target"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(line->value("--target"), "b");
  EXPECT_FALSE(line->has("--json"));
  EXPECT_TRUE(wantsJson(*line));  // `--json` is `--format json`
  EXPECT_EQ(line->positional(), (std::vector<std::string>{"f.mlflow", "-"}));
  EXPECT_TRUE(io.err.str().empty());
}

TEST(CommandLineTest, AnOptionThatIsNotRepeatableIsGivenOnce) {
  Captured twice;
  EXPECT_FALSE(CommandLine::parse("run", {"--format", "json", "f", "--format=text"}, kOptions, twice.streams()));
  EXPECT_EQ(twice.err.str(), "weir run: `--format` is given twice (or with `--json`): give it once\nRun `weir help run` for usage.\n");
  Captured flags;  // a flag repeated says the same thing twice
  EXPECT_TRUE(CommandLine::parse("run", {"--no-cache", "--no-cache"}, kOptions, flags.streams()));
}

TEST(CommandLineTest, JsonIsTheAliasOfFormatJsonAndTheFormatIsGivenOnce) {
  Captured alias;
  auto line = CommandLine::parse("status", {"--json", "f"}, kOptions, alias.streams());
  ASSERT_TRUE(line);
  EXPECT_EQ(line->value("--format"), "json");
  Captured both;
  EXPECT_FALSE(CommandLine::parse("status", {"--format", "text", "--json"}, kOptions, both.streams()));
  EXPECT_EQ(both.err.str(), "weir status: `--json` is `--format json`: give the format once\nRun `weir help status` for usage.\n");
  Captured after;
  EXPECT_FALSE(CommandLine::parse("status", {"--json", "--format=text"}, kOptions, after.streams()));
  EXPECT_NE(after.err.str().find("`--format` is given twice (or with `--json`)"), std::string::npos) << after.err.str();
  Captured noJson;  // a command without a JSON format has no `--json` either
  EXPECT_FALSE(CommandLine::parse("fmt", {"--json"}, {{"--check"}}, noJson.streams()));
  EXPECT_NE(noJson.err.str().find("unknown option `--json`"), std::string::npos);
}

TEST(CommandLineTest, MistakesAreSaidWithTheCommandAndAFix) {
  Captured unknown;
  EXPECT_FALSE(CommandLine::parse("run", {"--targt", "x"}, kOptions, unknown.streams()));
  EXPECT_EQ(unknown.err.str(), "weir run: unknown option `--targt`; did you mean `--target`?\nRun `weir help run` for usage.\n");

  Captured missing;
  EXPECT_FALSE(CommandLine::parse("cache gc", {"f", "--target"}, kOptions, missing.streams()));
  EXPECT_EQ(missing.err.str(), "weir cache gc: `--target` needs a value\nRun `weir help cache` for usage.\n");

  Captured choice;
  EXPECT_FALSE(CommandLine::parse("plan", {"--format", "yaml"}, kOptions, choice.streams()));
  EXPECT_EQ(choice.err.str(), "weir plan: unknown format `yaml` (use `text` or `json`)\n");

  Captured flagWithValue;
  EXPECT_FALSE(CommandLine::parse("run", {"--json=yes"}, kOptions, flagWithValue.streams()));
  EXPECT_NE(flagWithValue.err.str().find("unknown option `--json=yes`"), std::string::npos);
}

TEST(CommandLineTest, DoubleDashEndsOptions) {
  Captured io;
  auto line = CommandLine::parse("check", {"--", "--odd-name.mlflow"}, kOptions, io.streams());
  ASSERT_TRUE(line);
  EXPECT_EQ(line->positional(), (std::vector<std::string>{"--odd-name.mlflow"}));
}

TEST(CommandLineTest, JobsAreAThreadCount) {
  EXPECT_EQ(parseJobs("2"), 2u);
  EXPECT_FALSE(parseJobs("0"));
  EXPECT_FALSE(parseJobs("2x"));
  EXPECT_FALSE(parseJobs("1025"));
}

}  // namespace
}  // namespace weir::driver
