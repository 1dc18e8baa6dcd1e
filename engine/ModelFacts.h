#pragma once

// What a run knows of a model it trained (or found trained): its model card's facts (sources
// upstream with their content hashes, each feature's source columns, the evaluations of it) and
// its specification as JSON. Model cards, run history and the registry say the same things.

#include "engine/Project.h"
#include "exec/Executor.h"
#include "models/ModelCard.h"

#include <string>

namespace weir::engine {

// The facts of the model trained by node `train` in `report`; `facts.model` is the run's model
// (null when the run did not hold it: the caller may point it at one it decoded).
runtime::ModelCardFacts cardFacts(const plan::Plan& plan, const runtime::RunReport& report, const Project& project, plan::NodeId train);

// What a model learns and how: its algorithm, target, features, seed, the parameters written
// and the catalog's defaults of the others (a JSON object).
std::string modelSpecJson(const plan::Node::Model& model);

}  // namespace weir::engine
