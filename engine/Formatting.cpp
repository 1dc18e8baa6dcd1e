#include "engine/Formatting.h"

#include "ast/AstPrinter.h"
#include "format/Formatter.h"
#include "io/AtomicFile.h"
#include "parse/Parser.h"

namespace weir::engine {

FormattedText formatText(const std::string& path, std::string text) {
  FormattedText result;
  const source::SourceFile& file = result.sources.addFile(path, std::move(text));
  std::shared_ptr<const ast::Module> module = parse::parseModule(file, result.diagnostics);
  if (result.diagnostics.hasErrors()) return result;
  std::string formatted = format::formatModule(*module);
  source::SourceManager scratch;
  diag::DiagnosticEngine roundTrip;
  auto reparsed = parse::parseModule(scratch.addFile(path, formatted), roundTrip);
  ast::AstPrintOptions noRanges{false};
  if (roundTrip.hasErrors() || ast::printModule(*reparsed, noRanges) != ast::printModule(*module, noRanges)) {
    result.meaningChanged = true;
    return result;
  }
  result.text = std::move(formatted);
  return result;
}

bool replaceFile(const std::string& path, const std::string& text, std::string& error) {
  return runtime::writeFileAtomically(path, text, error);
}

}  // namespace weir::engine
