#include "engine/Formatting.h"

#include "ast/AstPrinter.h"
#include "format/Formatter.h"
#include "io/AtomicFile.h"
#include "parse/Parser.h"
#include "support/Stack.h"

namespace weir::engine {

namespace {

void formatInto(FormattedText& result, const std::string& path, std::string text) {
  const source::SourceFile& file = result.sources.addFile(path, std::move(text));
  std::shared_ptr<const ast::Module> module = parse::parseModule(file, result.diagnostics);
  if (result.diagnostics.hasErrors()) return;
  std::string formatted = format::formatModule(*module);
  source::SourceManager scratch;
  diag::DiagnosticEngine roundTrip;
  auto reparsed = parse::parseModule(scratch.addFile(path, formatted), roundTrip);
  ast::AstPrintOptions noRanges{false};
  if (roundTrip.hasErrors() || ast::printModule(*reparsed, noRanges) != ast::printModule(*module, noRanges)) {
    result.meaningChanged = true;
    return;
  }
  // A leading byte order mark is no program text (the lexer skips it) but belongs to the file:
  // the layout is fmt's business, the file's encoding marks are not, so it is kept.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (file.text().starts_with(kByteOrderMark)) formatted.insert(0, kByteOrderMark);
  result.text = std::move(formatted);
}

}  // namespace

FormattedText formatText(const std::string& path, std::string text) {
  FormattedText result;
  // The parser and the formatter recurse over expressions as deep as the parser allows: they get
  // the stack that needs (ast/Limits.h).
  support::runWithStack(support::kPhaseStackBytes, [&] { formatInto(result, path, std::move(text)); });
  return result;
}

bool replaceFile(const std::string& path, const std::string& text, std::string& error) {
  return runtime::writeFileAtomically(path, text, error);
}

}  // namespace weir::engine
