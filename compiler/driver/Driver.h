#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace weir::driver {

// Exit codes of every command (BRIEF.md "Command line").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // errors in the program, or a failed check
inline constexpr int kExitUsage = 2;   // bad usage or an environment problem (I/O)

struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool colorErr = false;  // colour diagnostics (a terminal, and NO_COLOR unset)
  bool errTerminal = false;  // the error stream is a terminal (live progress displays)
};

// Runs `weir ARGS...` (args excludes the program name). Never throws, never exits.
int runWeir(const std::vector<std::string>& args, Streams streams);

// The version `weir --version` prints.
const char* weirVersion();

// Commands.
int runCheck(const std::vector<std::string>& args, Streams streams);
int runFmt(const std::vector<std::string>& args, Streams streams);
int runPlan(const std::vector<std::string>& args, Streams streams);
int runRun(const std::vector<std::string>& args, Streams streams);
int runStatus(const std::vector<std::string>& args, Streams streams);
int runVerify(const std::vector<std::string>& args, Streams streams);
int runCache(const std::vector<std::string>& args, Streams streams);
int runLineage(const std::vector<std::string>& args, Streams streams);
int runRuns(const std::vector<std::string>& args, Streams streams);
int runAudit(const std::vector<std::string>& args, Streams streams);
int runApprove(const std::vector<std::string>& args, Streams streams);
int runRegistry(const std::vector<std::string>& args, Streams streams);
int runExport(const std::vector<std::string>& args, Streams streams);
int runWatch(const std::vector<std::string>& args, Streams streams);
int runTriggers(const std::vector<std::string>& args, Streams streams);
int runReport(const std::vector<std::string>& args, Streams streams);
int runServe(const std::vector<std::string>& args, Streams streams);
int runPredict(const std::vector<std::string>& args, Streams streams);
int runLsp(const std::vector<std::string>& args, Streams streams);
int runReproduce(const std::vector<std::string>& args, Streams streams);
int runCheckout(const std::vector<std::string>& args, Streams streams);
int runPush(const std::vector<std::string>& args, Streams streams);
int runPull(const std::vector<std::string>& args, Streams streams);
int runGc(const std::vector<std::string>& args, Streams streams);
int runDiff(const std::vector<std::string>& args, Streams streams);
// `weir runs pin RUN` and `weir runs unpin RUN`.
int runPin(const std::vector<std::string>& args, bool pin, Streams streams);
int runClusterJob(const std::vector<std::string>& args, Streams streams);

// Help texts.
const char* checkHelp();
const char* fmtHelp();
const char* planHelp();
const char* runHelp();
const char* statusHelp();
const char* verifyHelp();
const char* cacheHelp();
const char* lineageHelp();
const char* runsHelp();
const char* auditHelp();
const char* approveHelp();
const char* registryHelp();
const char* exportHelp();
const char* watchHelp();
const char* triggersHelp();
const char* reportHelp();
const char* serveHelp();
const char* predictHelp();
const char* lspHelp();
const char* reproduceHelp();
const char* checkoutHelp();
const char* pushHelp();
const char* pullHelp();
const char* gcHelp();
const char* diffHelp();
const char* clusterJobHelp();

}  // namespace weir::driver
