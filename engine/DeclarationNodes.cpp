#include "engine/DeclarationNodes.h"

namespace weir::engine {

bool standsForDeclaration(const plan::Node& node) {
  return node.declarationResult || node.kind == plan::NodeKind::Sink || node.kind == plan::NodeKind::Expect;
}

std::string declarationNameOf(const plan::Node& node) {
  if (node.kind == plan::NodeKind::Scan && node.io && !node.io->declaration.empty()) return node.io->declaration;
  return node.declaration.empty() ? std::string(plan::nodeKindName(node.kind)) : node.declaration;
}

}  // namespace weir::engine
