#pragma once

// Run history (`weir runs`): the runs the lineage database recorded, numbered 1, 2, ... per
// project, with their outcome, time, duration and metrics (a cached evaluation's are the values
// it reused); and two runs side by side: metrics, model parameters, the hashes of the data their
// sources read, and the differences of their program files.

#include "engine/Project.h"
#include "store/LineageDb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

using runtime::RunMetric;
using runtime::RunRecord;

struct HistoryRun {
  RunRecord record;
  std::string program;  // its root file as people should see it (relative to the project root)
  std::vector<RunMetric> metrics;
};

struct RunHistory {
  std::string root;   // the project's
  std::string error;  // why there is no history (no database, or it cannot be opened)
  std::vector<HistoryRun> runs;  // oldest first
};

// The runs of the project of `path` (a folder, or a program file: then only that program's runs).
RunHistory listRuns(const std::string& path);

// One row of a comparison: a value in run A, in run B (nullopt: the run has none).
struct ComparedMetric {
  std::string name;  // EVALUATION.METRIC
  std::optional<double> a, b;  // NaN: undefined
  bool reusedA = false, reusedB = false;
};

struct ComparedParameter {
  std::string model;
  std::string name;  // algorithm, target, features, seed, or a parameter of the algorithm
  std::optional<std::string> a, b;
  bool defaultA = false, defaultB = false;  // not written: the algorithm's default
};

struct ComparedFile {
  std::string path;  // as people should see it
  std::optional<std::string> a, b;  // content hashes
  std::string diff;  // program files: the unified diff of their texts (empty when equal)
  bool textMissing = false;  // they differ, but a text was not recorded (an older weir)
};

struct RunComparison {
  std::string root;
  std::string error;  // an unknown run, no database
  HistoryRun a, b;
  std::vector<ComparedMetric> metrics;
  std::vector<ComparedParameter> parameters;
  std::vector<ComparedFile> data;  // the files the runs' sources read
  std::vector<ComparedFile> code;  // the program files (root first, imports, standard modules)
};

// Runs `a` and `b` of the project of `path` (a folder or a file of the project).
RunComparison compareRuns(const std::string& path, std::int64_t a, std::int64_t b);

}  // namespace weir::engine
