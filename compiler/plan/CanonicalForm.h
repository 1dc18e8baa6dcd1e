#pragma once

// The canonical form of a plan node: what it computes, rendered from the structured fields the
// runtime reads for its kind, and from nothing else. It is computed whenever it is needed (by
// computeFingerprints() and the printers), never stored, so a pass changes the fields and
// cannot forget the text.
//
// Consumes: a node (its kind and payload; its inputs are edges and never appear).
// Guarantees: formatting, comments, declaration names, source ranges, column lineage and model
// card documentation never reach it; expressions are printed by ast::printExpr; the user
// functions and rules a node's expressions call are included (`(def name (params) body)`).

#include "plan/Plan.h"

#include <string>
#include <vector>

namespace weir::plan {

// What the node does, as an S-expression: `(where (> x 1.0))`, `(join left id=id)`.
std::string canonicalDefinition(const Node& node);

// The output columns (`(columns a:int b:float?)`) of a node whose operator shapes its result by
// its schema (a derive, select, join, aggregate, sink...: projection pruning narrows them without
// changing the definition); empty for the others, whose runtime ignores the schema.
std::string canonicalOutput(const Node& node);

// What is missing or inconsistent in the fields the runtime reads for the node's kind (a scan
// without its reader, a kernel step that is not a row operator, a select whose list is not its
// schema...), for the verifier.
std::vector<std::string> payloadProblems(const Node& node);

}  // namespace weir::plan
