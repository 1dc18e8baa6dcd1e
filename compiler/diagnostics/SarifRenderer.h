#pragma once

#include "diagnostics/Diagnostic.h"
#include "source/SourceManager.h"

#include <ostream>
#include <string>
#include <vector>

namespace weir::diag {

// What a SARIF log says beyond the diagnostics: which tool, where the sources are, and whether
// the tool could do its job (a file it could not read is not a clean result).
struct SarifOptions {
  std::string toolVersion;
  // The absolute folder results are relative to (%SRCROOT%: the repository root), and the
  // absolute folder relative paths of the diagnostics' files start from (the working folder).
  std::string rootFolder;
  std::string workingFolder;
  // Problems that kept the tool from checking something, such as a file it could not read;
  // any of them makes the invocation unsuccessful.
  std::vector<std::string> executionErrors;
};

// SARIF 2.1.0 as GitHub code scanning takes it: one run of the tool `weir` with a rule per code
// used (name, short and full description, help), one result per diagnostic with its level,
// message, region (columns in code points) and a stable partial fingerprint, file URIs relative
// to %SRCROOT%, labels as related locations, and one invocation saying whether it succeeded.
void renderSarif(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                 const SarifOptions& options, std::ostream& out);

// A path as a SARIF artifact location: a relative URI under `rootFolder` (percent-encoded, with
// uriBaseId %SRCROOT%), an absolute `file://` URI elsewhere, `stdin` for standard input.
struct SarifArtifact {
  std::string uri;
  bool underRoot = false;
};
SarifArtifact sarifArtifact(const std::string& path, const SarifOptions& options);

}  // namespace weir::diag
