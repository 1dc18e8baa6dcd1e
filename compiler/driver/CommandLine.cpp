#include "driver/CommandLine.h"
#include <filesystem>

#include "plan/PassManager.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ostream>

namespace weir::driver {

namespace {

std::string helpCommand(const std::string& command) {
  // `cache gc` is documented under `weir help cache`.
  return command.substr(0, command.find(' '));
}

std::string choiceList(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += "`" + choices[i] + "`";
  }
  return out;
}

bool acceptsJson(const std::vector<OptionSpec>& options) {
  for (const OptionSpec& option : options) {
    if (option.name == "--format" && std::find(option.choices.begin(), option.choices.end(), "json") != option.choices.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

OptionSpec formatOption() { return {"--format", true, {"text", "json"}, "format"}; }

bool wantsJson(const CommandLine& line) { return line.value("--format") == "json"; }

std::vector<std::string> passChoices() {
  std::vector<std::string> names = plan::passNames();
  names.insert(names.begin(), "all");
  return names;
}

int usageError(const std::string& command, const std::string& message, Streams streams) {
  streams.err << fmt::format("weir {}: {}\nRun `weir help {}` for usage.\n", command, message, helpCommand(command));
  return kExitUsage;
}

std::optional<CommandLine> CommandLine::parse(const std::string& command, const std::vector<std::string>& args,
                                              const std::vector<OptionSpec>& options, Streams streams) {
  CommandLine line;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      line.positional_.push_back(arg);  // a file, or `-` for standard input
      continue;
    }
    if (arg == "--") {
      line.positional_.insert(line.positional_.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    std::string name = arg.substr(0, arg.find('='));
    // `--json` is `--format json` wherever JSON is a format (one spelling, one alias).
    if (arg == "--json" && acceptsJson(options)) {
      if (line.values_.count("--format") != 0) {
        usageError(command, "`--json` is `--format json`: give the format once", streams);
        return std::nullopt;
      }
      line.values_["--format"].push_back("json");
      continue;
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& option : options) {
      if (option.name == name) spec = &option;
    }
    if (spec == nullptr || (!spec->takesValue && name != arg)) {
      std::vector<std::string> names;
      for (const OptionSpec& option : options) names.push_back(option.name);
      std::string message = fmt::format("unknown option `{}`", arg);
      std::string suggestion = support::closestMatch(name, names);
      if (!suggestion.empty()) message += fmt::format("; did you mean `{}`?", suggestion);
      usageError(command, message, streams);
      return std::nullopt;
    }
    if (!spec->takesValue) {
      line.values_[name].push_back("");
      continue;
    }
    if (!spec->repeatable && line.values_.count(name) != 0) {
      usageError(command, name == "--format" ? std::string("`--format` is given twice (or with `--json`): give it once")
                                             : fmt::format("`{}` is given twice: give it once", name), streams);
      return std::nullopt;
    }
    std::string value;
    if (name != arg) {
      value = arg.substr(name.size() + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      usageError(command, fmt::format("`{}` needs a value", name), streams);
      return std::nullopt;
    }
    if (!spec->choices.empty() && std::find(spec->choices.begin(), spec->choices.end(), value) == spec->choices.end()) {
      std::string word = spec->valueWord.empty() ? spec->name : spec->valueWord;
      // A short list is worth reading whole; in a long one, the likely value.
      std::string suggestion = spec->choices.size() > 4 ? support::closestMatch(value, spec->choices) : "";
      if (!suggestion.empty()) streams.err << fmt::format("weir {}: unknown {} `{}`; did you mean `{}`?\n", command, word, value, suggestion);
      else streams.err << fmt::format("weir {}: unknown {} `{}` (use {})\n", command, word, value, choiceList(spec->choices));
      return std::nullopt;
    }
    line.values_[name].push_back(std::move(value));
  }
  return line;
}

std::optional<std::string> CommandLine::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> CommandLine::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<unsigned> parseJobs(const std::string& text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 1024) return std::nullopt;
  return value;
}

bool readJobs(const CommandLine& line, const std::string& command, unsigned& jobs, Streams streams) {
  std::optional<std::string> text = line.value("--jobs");
  if (!text) return true;
  std::optional<unsigned> value = parseJobs(*text);
  if (!value) {
    streams.err << fmt::format("weir {}: `--jobs` takes a number of threads from 1 to 1024, not `{}`\n", command, *text);
    return false;
  }
  jobs = *value;
  return true;
}

std::optional<std::string> projectPath(const std::string& command, const CommandLine& line, const std::vector<std::string>& actions,
                                       Streams streams) {
  const std::vector<std::string>& positional = line.positional();
  if (!positional.empty()) {
    std::error_code ec;
    std::string suggestion = support::closestMatch(positional[0], actions);
    if (!std::filesystem::exists(positional[0], ec) && !suggestion.empty()) {
      usageError(command, fmt::format("unknown action `{}`; did you mean `{}`?", positional[0], suggestion), streams);
      return std::nullopt;
    }
  }
  if (positional.size() > 1) {
    usageError(command, "give at most one program file or folder", streams);
    return std::nullopt;
  }
  return positional.empty() ? std::string(".") : positional[0];
}

}  // namespace weir::driver
