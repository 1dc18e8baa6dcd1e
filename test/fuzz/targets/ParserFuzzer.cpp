// Programs (any bytes): parsed, formatted (the formatter proves it keeps the meaning: a changed
// meaning is a finding; formatting again changes nothing), diagnostics rendered as text and
// JSON, and parsed incrementally after an edit (the result must be a whole parse's).
// ProgramFuzzer.cpp also checks and plans them. Needs ANTLR: built with g++ (FuzzMain.cpp), never
// for libFuzzer.
#include "FuzzTarget.h"

#include "ast/AstPrinter.h"
#include "diagnostics/DiagnosticRenderer.h"
#include "engine/Formatting.h"
#include "parse/Parser.h"
#include "source/SourceManager.h"

#include <functional>
#include <sstream>

namespace {

std::string describe(const weir::diag::DiagnosticEngine& diags) {
  std::string out;
  for (const weir::diag::Diagnostic& d : diags.diagnostics()) {
    out += d.code + " " + weir::source::formatRange(d.range) + " " + d.message;
    for (const weir::diag::Label& label : d.labels) out += " [" + weir::source::formatRange(label.range) + " " + label.message + "]";
    out += "\n";
  }
  return out;
}

// `after` parsed incrementally, right after `before`, gives what a whole parse of it gives.
void requireIncrementalIsWhole(const std::string& before, const std::string& after) {
  weir::source::SourceManager sources;
  weir::parse::IncrementalParser incremental;
  weir::diag::DiagnosticEngine first;
  incremental.parse(sources.addFile("fuzz.mlflow", before), first);
  weir::diag::DiagnosticEngine partDiags;
  auto part = incremental.parse(sources.addFile("fuzz.mlflow", after), partDiags);
  weir::diag::DiagnosticEngine wholeDiags;
  auto whole = weir::parse::parseModule(sources.addFile("fuzz.mlflow", after), wholeDiags);
  WEIR_FUZZ_REQUIRE(weir::ast::printModule(*part) == weir::ast::printModule(*whole));
  WEIR_FUZZ_REQUIRE(describe(partDiags) == describe(wholeDiags));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  weir::engine::FormattedText formatted = weir::engine::formatText("fuzz.mlflow", std::string(input.text));
  WEIR_FUZZ_REQUIRE(!formatted.meaningChanged);
  std::ostringstream rendered;
  weir::diag::renderText(formatted.diagnostics.diagnostics(), formatted.sources, rendered, true);
  weir::diag::renderJson(formatted.diagnostics.diagnostics(), formatted.sources, rendered);
  if (formatted.text) {
    // Formatting is idempotent.
    weir::engine::FormattedText again = weir::engine::formatText("fuzz.mlflow", *formatted.text);
    WEIR_FUZZ_REQUIRE(again.text.has_value() && *again.text == *formatted.text);
  }
  // An edit: a few bytes cut where the text's hash says. Both ways: the text after the cut, and
  // the text again after the cut one.
  const std::string text(input.text);
  const std::size_t hash = std::hash<std::string>{}(text);
  const std::size_t at = text.empty() ? 0 : hash % (text.size() + 1);
  std::string cut = text;
  cut.erase(std::min(at, cut.size()), 1 + (hash >> 24) % 12);
  requireIncrementalIsWhole(text, cut);
  requireIncrementalIsWhole(cut, text);
  return 0;
}
