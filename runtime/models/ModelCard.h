#pragma once

// Model cards (Mitchell et al., "Model Cards for Model Reporting", 2019): the sections of the
// paper filled with what the pipeline knows: the `card` block and doc comment, the training
// data (rows, schema, the sources' content hashes, the steps' scripts', each feature's source
// columns), parameters,
// metrics and fairness results. As Markdown for people and JSON for tools.

#include "models/TrainedModel.h"
#include "plan/Plan.h"

#include <map>
#include <string>
#include <vector>

namespace weir::runtime {

struct ModelCardFacts {
  std::string name;
  std::string pipeline;
  std::string fingerprint;  // of the training: this model version
  const TrainedModel* model = nullptr;
  plan::Node::Model spec;
  struct Source {
    std::string name, file, hash;
  };
  std::vector<Source> sources;
  std::vector<Source> stepFiles;  // the project files the commands of the steps upstream name (name: the step)
  std::map<std::string, std::vector<std::string>> featureOrigins;  // feature -> source columns
  struct Measured {
    std::string name;  // the metrics declaration
    std::string kind;  // evaluate, fairness
    std::size_t rows = 0;
    std::vector<std::pair<std::string, double>> metrics;
    std::vector<std::string> notes;
  };
  std::vector<Measured> evaluations;
};

std::string modelCardMarkdown(const ModelCardFacts& facts);
std::string modelCardJson(const ModelCardFacts& facts);
// What the card block lacks of what every card must say (`owner`, `intended_use`).
std::vector<std::string> missingCardFields(const plan::Node::Model& spec);

}  // namespace weir::runtime
