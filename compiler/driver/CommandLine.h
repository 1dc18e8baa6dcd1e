#pragma once

// One option parser for every command: each declares its options, the parser reads
// `--name value` and `--name=value`, checks values against their choices, and says what is
// wrong the same way everywhere (with a "did you mean" for a misspelt option).

#include "driver/Driver.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weir::driver {

struct OptionSpec {
  OptionSpec(std::string name, bool takesValue = false, std::vector<std::string> choices = {}, std::string valueWord = {},
             bool repeatable = false)
      : name(std::move(name)), takesValue(takesValue), choices(std::move(choices)), valueWord(std::move(valueWord)),
        repeatable(repeatable) {}

  std::string name;  // "--target"
  bool takesValue;
  std::vector<std::string> choices;  // the values it accepts (none: any)
  std::string valueWord;             // how an unknown value is named ("format": "unknown format `x`")
  // Given several times, each value counts (`--target a --target b`). Any other option with a
  // value is given once: a second `--out` is a mistake, not a silent choice of the last.
  bool repeatable;
};

class CommandLine {
 public:
  // Parses `args` of `weir COMMAND`; on a mistake, says so on the error stream and returns
  // nullopt (the exit code is then kExitUsage). A command whose `--format` takes `json` also
  // takes `--json`, read as `--format json`.
  static std::optional<CommandLine> parse(const std::string& command, const std::vector<std::string>& args,
                                          const std::vector<OptionSpec>& options, Streams streams);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value given (nullopt when the option was not given).
  std::optional<std::string> value(const std::string& name) const;
  // Every value given, in order (a repeatable option).
  std::vector<std::string> values(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// The `--format text|json` option of a command that prints a document for people or machines
// (`--json` is its alias). Every JSON document has `format` (`weir-COMMAND`, naming
// its JSON Schema in docs/schemas/) and `version`.
OptionSpec formatOption();
bool wantsJson(const CommandLine& line);

// The names `--disable-pass` and the pass dumps accept: every optimizer pass, and `all`.
std::vector<std::string> passChoices();

// Says a usage mistake the usual way: `weir COMMAND: message`, then where to read more.
int usageError(const std::string& command, const std::string& message, Streams streams);

// The one PATH of a command that reads a project (default: the current folder), or nullopt,
// having said what is wrong: more than one, or a misspelt action (`weir runs compar`: a path
// that is not there and is close to one of `actions`).
std::optional<std::string> projectPath(const std::string& command, const CommandLine& line, const std::vector<std::string>& actions,
                                       Streams streams);

// The value of `--jobs`: a number of threads from 1 to 1024, or nullopt.
std::optional<unsigned> parseJobs(const std::string& text);
// Reads `--jobs` into `jobs` when given; false (having said why) when its value is not a count.
bool readJobs(const CommandLine& line, const std::string& command, unsigned& jobs, Streams streams);

}  // namespace weir::driver
