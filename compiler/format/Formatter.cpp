#include "format/Formatter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace weir::format {

using namespace weir::ast;

namespace {

constexpr std::size_t kInlineBlockWidth = 60;
constexpr std::size_t kLineWidth = 100;

std::size_t width(const std::string& text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string pad(const std::string& text, std::size_t to) {
  std::size_t w = width(text);
  return w >= to ? text : text + std::string(to - w, ' ');
}

bool multiline(const std::string& text) { return text.find('\n') != std::string::npos; }

// Keywords the grammar never accepts as a name: such a name must be backquoted.
bool isReservedWord(const std::string& text) {
  static const std::set<std::string> reserved = {
      "import", "let",  "expect", "fn",   "where", "as",   "on",   "except",
      "and",    "or",   "not",    "in",   "between", "is", "if",   "then",
      "else",   "case", "when",   "true", "false", "null"};
  return reserved.count(text) > 0;
}

std::string name(const Identifier& id) {
  return isPlainIdentifier(id.text) && !isReservedWord(id.text) ? id.text : "`" + id.text + "`";
}

// Setting names may be keywords (`model = risk`), so only odd spellings need backquotes.
std::string settingName(const Identifier& id) {
  return isPlainIdentifier(id.text) ? id.text : "`" + id.text + "`";
}

std::string qualified(const QualifiedName& q) {
  std::string out;
  for (const Identifier& part : q.parts) out += out.empty() ? name(part) : "." + settingName(part);
  return out;
}

std::string quote(const std::string& value) { return stringLiteral(value); }

// Binding strength, loosest first, matching the grammar's precedence levels.
enum Precedence { kTop = 0, kOr = 1, kAnd = 2, kNot = 3, kCompare = 4, kAdd = 5, kMul = 6, kUnary = 7, kPostfix = 8 };

int precedenceOf(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return kOr;
    case BinaryOp::And: return kAnd;
    case BinaryOp::Add: case BinaryOp::Sub: return kAdd;
    case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod: return kMul;
    default: return kCompare;
  }
}

class ModuleFormatter {
 public:
  explicit ModuleFormatter(const Module& module) : module_(module) {}

  std::string expression(const Expr& e) { return expr(e, kTop); }

  std::string run() {
    for (const DeclPtr& decl : module_.decls) {
      emitItem(0, decl->range, [&] { return formatDecl(*decl, 0); });
    }
    flushCommentsBefore(0, source::SourceLocation{UINT32_MAX, 0});
    return out_;
  }

 private:
  // ---- Output with comments ----

  void writeLine(int indent, const std::string& text) {
    if (!text.empty()) out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  // Blocks render into an empty buffer, so an empty buffer means "first in its block".
  void blankLineIfSourceHadOne(std::uint32_t nextLine) {
    if (!out_.empty() && lastLine_ != 0 && nextLine > lastLine_ + 1) out_ += '\n';
  }

  // Own-line comments that come before `location`, at the current indentation.
  void flushCommentsBefore(int indent, source::SourceLocation location) {
    while (nextComment_ < module_.comments.size() && module_.comments[nextComment_].range.begin < location) {
      const Comment& comment = module_.comments[nextComment_++];
      blankLineIfSourceHadOne(comment.range.begin.line);
      writeCommentLines(indent, comment);
      lastLine_ = comment.range.end.line;
    }
  }

  void writeCommentLines(int indent, const Comment& comment) {
    std::size_t start = 0;
    bool first = true;
    while (start <= comment.text.size()) {
      std::size_t end = comment.text.find('\n', start);
      std::string piece = comment.text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!piece.empty() && piece.back() == '\r') piece.pop_back();
      // Lines of a block comment after the first are kept as written.
      if (first) writeLine(indent, piece);
      else out_ += piece + '\n';
      first = false;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }

  // Writes one item (declaration, entry, operator): the comments before it, the item, and a
  // comment that followed it on its last line.
  // `produce` runs after the comments before the item are written, so comments inside the item
  // go to its nested blocks.
  template <typename Produce>
  void emitItem(int indent, const source::SourceRange& range, Produce produce) {
    flushCommentsBefore(indent, range.begin);
    blankLineIfSourceHadOne(range.begin.line);
    const std::string text = produce();
    std::size_t start = 0;
    bool firstLine = true;
    while (true) {
      std::size_t end = text.find('\n', start);
      std::string piece = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (end == std::string::npos) {
        // The last line: attach a trailing comment from the item's last source line.
        std::string line = piece;
        if (nextComment_ < module_.comments.size()) {
          const Comment& comment = module_.comments[nextComment_];
          if (comment.range.begin.line == range.end.line && !(comment.range.begin < range.end) &&
              !multiline(comment.text)) {
            line += "  " + comment.text;
            ++nextComment_;
          }
        }
        if (firstLine) writeLine(indent, line);
        else out_ += line + '\n';
        break;
      }
      if (firstLine) writeLine(indent, piece);
      else out_ += piece + '\n';
      firstLine = false;
      start = end + 1;
    }
    lastLine_ = range.end.line;
  }

  static const source::SourceRange& rangeOf(const ExprPtr& e) { return e->range; }
  template <typename T>
  static const source::SourceRange& rangeOf(const T& entry) { return entry.range; }

  // A `{ ... }` block whose entries are items: header already written by the caller's text.
  template <typename Entries, typename Format>
  std::string block(int indent, const std::string& header, const Entries& entries, Format formatEntry,
                    const source::SourceRange& blockRange) {
    // Blocks are rendered into a nested formatter output so comments land inside them.
    std::string saved = std::move(out_);
    out_.clear();
    for (const auto& entry : entries) {
      emitItem(indent + 1, rangeOf(entry), [&] { return formatEntry(entry); });
    }
    flushCommentsBefore(indent + 1, blockRange.end);
    std::string body = std::move(out_);
    out_ = std::move(saved);
    if (body.empty()) return header + " {}";
    return header + " {\n" + body + std::string(static_cast<std::size_t>(indent) * 2, ' ') + "}";
  }

  // ---- Expressions ----

  std::string args(const std::vector<Argument>& arguments) {
    std::string out;
    for (const Argument& arg : arguments) {
      if (!out.empty()) out += ", ";
      if (arg.name) out += name(*arg.name) + " = ";
      out += expr(*arg.value, kTop);
    }
    return out;
  }

  std::string list(const std::vector<ExprPtr>& items) {
    std::string out;
    for (const ExprPtr& item : items) out += (out.empty() ? "" : ", ") + expr(*item, kTop);
    return out;
  }

  std::string expr(const Expr& e, int context) {
    switch (e.kind) {
      case ExprKind::Int: return e.as<IntLiteral>().spelling;
      case ExprKind::Float: return e.as<FloatLiteral>().spelling;
      case ExprKind::String: return quote(e.as<StringLiteral>().value);
      case ExprKind::Bool: return e.as<BoolLiteral>().value ? "true" : "false";
      case ExprKind::Null: return "null";
      case ExprKind::Duration: {
        const auto& d = e.as<DurationLiteral>();
        return std::to_string(d.amount) + d.unit;
      }
      case ExprKind::Name: return name(e.as<NameExpr>().name);
      case ExprKind::Member: {
        const auto& m = e.as<MemberExpr>();
        return expr(*m.object, kPostfix) + "." + settingName(m.member);
      }
      case ExprKind::Call: {
        const auto& c = e.as<CallExpr>();
        return expr(*c.callee, kPostfix) + "(" + args(c.args) + ")";
      }
      case ExprKind::Unary: {
        const auto& u = e.as<UnaryExpr>();
        if (u.op == UnaryOp::Not) return wrap("not " + expr(*u.operand, kNot), kNot, context);
        return wrap("-" + expr(*u.operand, kUnary), kUnary, context);
      }
      case ExprKind::Binary: {
        const auto& b = e.as<BinaryExpr>();
        int p = precedenceOf(b.op);
        // Comparisons do not chain; the others associate to the left.
        int left = p == kCompare ? kAdd : p;
        return wrap(fmt::format("{} {} {}", expr(*b.lhs, left), spelling(b.op), expr(*b.rhs, p + 1)), p, context);
      }
      case ExprKind::In: {
        const auto& in = e.as<InExpr>();
        std::string set = in.setName ? expr(*in.setName, kPostfix) : "[" + list(in.set) + "]";
        return wrap(fmt::format("{} {}in {}", expr(*in.value, kAdd), in.negated ? "not " : "", set),
                    kCompare, context);
      }
      case ExprKind::Between: {
        const auto& b = e.as<BetweenExpr>();
        return wrap(fmt::format("{} {}between {} and {}", expr(*b.value, kAdd), b.negated ? "not " : "",
                                expr(*b.low, kAdd), expr(*b.high, kAdd)),
                    kCompare, context);
      }
      case ExprKind::IsNull: {
        const auto& n = e.as<IsNullExpr>();
        return wrap(expr(*n.value, kAdd) + (n.negated ? " is not null" : " is null"), kCompare, context);
      }
      case ExprKind::If: {
        const auto& i = e.as<IfExpr>();
        // An `if` swallows everything after `else`, so it is bracketed anywhere but at the top.
        return wrap(fmt::format("if {} then {} else {}", expr(*i.condition, kTop), expr(*i.thenValue, kTop),
                                expr(*i.elseValue, kTop)),
                    kTop, context);
      }
      case ExprKind::Case: {
        const auto& c = e.as<CaseExpr>();
        std::string out = "case {";
        bool first = true;
        for (const auto& when : c.whens) {
          out += fmt::format("{} when {} then {}", first ? "" : ",", expr(*when.condition, kTop), expr(*when.value, kTop));
          first = false;
        }
        if (c.elseValue) out += ", else " + expr(*c.elseValue, kTop);
        return out + " }";
      }
      case ExprKind::List: return "[" + list(e.as<ListExpr>().items) + "]";
      case ExprKind::AllExcept: return "all except [" + list(e.as<AllExceptExpr>().excluded) + "]";
      case ExprKind::Pipeline: return "(" + inlinePipeline(e.as<PipelineExpr>()) + ")";
      case ExprKind::Error: return "";
    }
    return "";
  }

  static std::string wrap(const std::string& text, int precedence, int context) {
    return precedence < context || (precedence == kTop && context > kTop) ? "(" + text + ")" : text;
  }

  // ---- Table expressions ----

  std::string assignments(const std::vector<Assignment>& list, bool aligned, std::size_t column) {
    std::size_t targetWidth = 0;
    for (const Assignment& a : list) targetWidth = std::max(targetWidth, width(name(a.target)));
    std::string out;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Assignment& a = list[i];
      if (i > 0) out += aligned ? ",\n" + std::string(column, ' ') : ", ";
      out += (aligned ? pad(name(a.target), targetWidth) : name(a.target)) + " = " + expr(*a.value, kTop);
    }
    return out;
  }

  std::string columns(const std::vector<Identifier>& ids) {
    std::string out;
    for (const Identifier& id : ids) out += (out.empty() ? "" : ", ") + name(id);
    return out;
  }

  // One operator; `column` is where its text starts, for aligning continuation lines.
  std::string op(const PipeOp& o, std::size_t column, bool allowMultiline) {
    std::string keyword = opKeyword(o.kind);
    switch (o.kind) {
      case OpKind::Where: return "where " + expr(*o.as<WhereOp>().condition, kTop);
      case OpKind::Derive:
      case OpKind::Fill: {
        const auto& list = o.as<AssignOp>().assignments;
        bool aligned = allowMultiline && list.size() > 1;
        return keyword + " " + assignments(list, aligned, column + keyword.size() + 1);
      }
      case OpKind::Select:
      case OpKind::Drop:
        return keyword + " " + columns(o.as<ColumnsOp>().columns);
      case OpKind::Distinct: {
        const auto& cols = o.as<ColumnsOp>().columns;
        return cols.empty() ? keyword : keyword + " " + columns(cols);
      }
      case OpKind::Rename: {
        std::string out = "rename ";
        bool first = true;
        for (const RenamePair& p : o.as<RenameOp>().pairs) {
          out += (first ? "" : ", ") + name(p.newName) + " = " + name(p.oldName);
          first = false;
        }
        return out;
      }
      case OpKind::Join: {
        const auto& join = o.as<JoinOp>();
        std::string out = join.joinKind == JoinKind::Left ? "join left " : join.joinKind == JoinKind::AsOf ? "join asof " : "join ";
        out += expr(*join.table, kPostfix) + (join.keys.empty() ? "" : " on ");
        bool first = true;
        for (const JoinKey& key : join.keys) {
          out += (first ? "" : ", ") + name(key.left) + (key.right ? " = " + name(*key.right) : "");
          first = false;
        }
        if (join.at) out += " at " + name(join.at->left) + (join.at->right ? " = " + name(*join.at->right) : "");
        if (join.within) out += " within " + expr(*join.within, kTop);
        return out;
      }
      case OpKind::Group: {
        const auto& group = o.as<GroupOp>();
        std::string head = group.keys.empty() ? std::string("group") : "group " + columns(group.keys);
        if (group.aggregates.empty()) return head + " {}";
        std::string inlined = head + " { " + assignments(group.aggregates, false, 0) + " }";
        if (!allowMultiline || width(inlined) <= kInlineBlockWidth) return inlined;
        std::string indent(column + 2, ' ');
        std::size_t targetWidth = 0;
        for (const Assignment& a : group.aggregates) targetWidth = std::max(targetWidth, width(name(a.target)));
        std::string out = head + " {\n";
        for (const Assignment& a : group.aggregates) {
          out += indent + pad(name(a.target), targetWidth) + " = " + expr(*a.value, kTop) + "\n";
        }
        return out + std::string(column, ' ') + "}";
      }
      case OpKind::Sort: {
        std::string out = "sort ";
        bool first = true;
        for (const SortKey& key : o.as<SortOp>().keys) {
          out += (first ? "" : ", ") + name(key.column) + (key.descending ? " desc" : "");
          first = false;
        }
        return out;
      }
      case OpKind::Window: {
        const auto& window = o.as<WindowOp>();
        std::string head = "window";
        if (!window.partition.empty()) head += " by " + columns(window.partition);
        head += " order ";
        bool first = true;
        for (const SortKey& key : window.order) {
          head += (first ? "" : ", ") + name(key.column) + (key.descending ? " desc" : "");
          first = false;
        }
        auto value = [&](const WindowColumn& c) {
          std::string text = expr(*c.value, kTop);
          if (c.frame != WindowFrame::None) text += " over " + expr(*c.frameSize, kTop) + (c.frame == WindowFrame::Rows ? " rows" : "");
          return text;
        };
        if (window.columns.empty()) return head + " {}";
        std::string inlined = head + " { ";
        for (std::size_t i = 0; i < window.columns.size(); ++i) {
          inlined += (i > 0 ? ", " : "") + name(window.columns[i].target) + " = " + value(window.columns[i]);
        }
        inlined += " }";
        if (!allowMultiline || width(inlined) <= kInlineBlockWidth) return inlined;
        std::string indent(column + 2, ' ');
        std::size_t targetWidth = 0;
        for (const WindowColumn& c : window.columns) targetWidth = std::max(targetWidth, width(name(c.target)));
        std::string out = head + " {\n";
        for (const WindowColumn& c : window.columns) out += indent + pad(name(c.target), targetWidth) + " = " + value(c) + "\n";
        return out + std::string(column, ' ') + "}";
      }
      case OpKind::Take: return "take " + expr(*o.as<TakeOp>().count, kTop);
      case OpKind::Sample: {
        const auto& sample = o.as<SampleOp>();
        std::string out = "sample " + expr(*sample.fraction, kTop);
        for (const Argument& a : sample.options) out += ", " + name(*a.name) + " = " + expr(*a.value, kTop);
        return out;
      }
      case OpKind::Union: return "union " + expr(*o.as<UnionOp>().table, kPostfix);
      case OpKind::Predict: {
        const auto& predict = o.as<PredictOp>();
        return "predict " + qualified(predict.model) + " as " + name(predict.column);
      }
      case OpKind::TransformCall: {
        const auto& call = o.as<TransformCallOp>();
        return qualified(call.callee) + "(" + args(call.args) + ")";
      }
    }
    return "";
  }

  std::string inlinePipeline(const PipelineExpr& pipeline) {
    std::string out = expr(*pipeline.input, kPostfix);
    for (const PipeOpPtr& o : pipeline.ops) out += " | " + op(*o, 0, false);
    return out;
  }

  // A table expression that starts at `column` of a line whose indentation is `indent`.
  std::string table(const Expr& e, int indent, std::size_t column) {
    if (e.kind != ExprKind::Pipeline) return expr(e, kTop);
    const auto& pipeline = e.as<PipelineExpr>();
    std::string oneLine = inlinePipeline(pipeline);
    bool needsLines = pipeline.ops.size() > 1 || column + width(oneLine) > kLineWidth ||
                      hasCommentInside(pipeline.range);
    if (!needsLines) {
      // A single operator may still want its own lines (derive of several columns).
      std::size_t opColumn = column + width(expr(*pipeline.input, kPostfix)) + 3;
      std::string single = op(*pipeline.ops.front(), opColumn, true);
      if (!multiline(single)) return oneLine;
    }
    std::string out = expr(*pipeline.input, kPostfix);
    std::size_t opIndent = static_cast<std::size_t>(indent) * 2 + 2;
    for (const PipeOpPtr& o : pipeline.ops) {
      // Comments between operators stay between them, on their own lines.
      while (nextComment_ < module_.comments.size() && module_.comments[nextComment_].range.begin < o->range.begin) {
        out += "\n" + std::string(opIndent, ' ') + module_.comments[nextComment_++].text;
      }
      out += "\n" + std::string(opIndent, ' ') + "| " + op(*o, opIndent + 2, true);
      bool last = o.get() == pipeline.ops.back().get();
      if (!last && nextComment_ < module_.comments.size()) {
        const Comment& trailing = module_.comments[nextComment_];
        if (trailing.range.begin.line == o->range.end.line && !(trailing.range.begin < o->range.end) &&
            !multiline(trailing.text)) {
          out += "  " + trailing.text;
          ++nextComment_;
        }
      }
    }
    return out;
  }

  // ---- Declarations ----

  std::string typeRef(const TypeRef& type) {
    std::string out = name(type.name);
    if (!type.args.empty()) out += "[" + list(type.args) + "]";
    return type.nullable ? out + "?" : out;
  }

  std::string params(const std::vector<Param>& list) {
    std::string out;
    for (const Param& p : list) out += (out.empty() ? "" : ", ") + name(p.name) + ": " + typeRef(p.type);
    return out;
  }

  std::string settingsBlock(int indent, const std::string& header, const SettingsBlock* settings) {
    if (settings == nullptr) return header;
    std::size_t nameWidth = 0;
    for (const Setting& s : settings->entries) {
      if (s.value) nameWidth = std::max(nameWidth, width(settingName(s.name)));
    }
    return block(indent, header, settings->entries, [&](const Setting& s) {
      return setting(indent + 1, s, nameWidth);
    }, settings->range);
  }

  std::string setting(int indent, const Setting& s, std::size_t nameWidth) {
    if (s.value) {
      std::string head = pad(settingName(s.name), nameWidth) + " = ";
      return head + table(*s.value, indent, static_cast<std::size_t>(indent) * 2 + width(head));
    }
    const SettingsBlock& nested = *s.block;
    // Short nested blocks of plain values stay on one line: `params { max_depth = 4, eta = 0.1 }`.
    bool simple = !nested.entries.empty() && nested.entries.size() <= 4;
    std::string inlined = settingName(s.name) + " { ";
    for (std::size_t i = 0; i < nested.entries.size() && simple; ++i) {
      const Setting& entry = nested.entries[i];
      if (!entry.value) {
        simple = false;
        break;
      }
      inlined += (i > 0 ? ", " : "") + settingName(entry.name) + " = " + expr(*entry.value, kTop);
    }
    inlined += " }";
    if (simple && width(inlined) <= kInlineBlockWidth && !hasCommentInside(nested.range)) return inlined;
    return settingsBlock(indent, settingName(s.name), &nested);
  }

  bool hasCommentInside(const source::SourceRange& range) const {
    for (std::size_t i = nextComment_; i < module_.comments.size(); ++i) {
      const Comment& c = module_.comments[i];
      if (range.end < c.range.begin) break;
      if (range.begin < c.range.begin) return true;
    }
    return false;
  }

  std::string schema(int indent, const SchemaDecl& decl) {
    std::size_t nameWidth = 0;
    std::size_t typeWidth = 0;
    bool anyTags = false;
    for (const ColumnDef& c : decl.columns) {
      nameWidth = std::max(nameWidth, width(name(c.name)) + 1);
      typeWidth = std::max(typeWidth, width(typeRef(c.type)));
      anyTags = anyTags || !c.tags.empty();
    }
    return block(indent, "schema " + name(decl.name), decl.columns, [&](const ColumnDef& c) {
      std::string text = pad(name(c.name) + ":", nameWidth) + " ";
      if (c.tags.empty()) return text + typeRef(c.type);
      text += pad(typeRef(c.type), typeWidth);
      for (const Tag& tag : c.tags) {
        text += " @" + name(tag.name);
        if (!tag.args.empty()) text += "(" + args(tag.args) + ")";
      }
      return text;
    }, decl.range);
  }

  std::string formatDecl(const Decl& decl, int indent) {
    switch (decl.kind) {
      case DeclKind::Pipeline: return "pipeline " + name(decl.name);
      case DeclKind::Import: {
        const auto& import = decl.as<ImportDecl>();
        std::string out = "import " + (import.isStd ? "std." + import.stdModule : quote(import.path));
        return import.hasExplicitAlias ? out + " as " + name(import.name) : out;
      }
      case DeclKind::Schema: return schema(indent, decl.as<SchemaDecl>());
      case DeclKind::Source: {
        const auto& source = decl.as<SourceDecl>();
        return settingsBlock(indent,
                             "source " + name(decl.name) + ": " + qualified(source.schema) + " = " +
                                 expr(*source.reader, kTop),
                             source.settings.get());
      }
      case DeclKind::Let: {
        const auto& let = decl.as<LetDecl>();
        std::string head = "let " + columns(let.names) + " = ";
        return head + table(*let.value, indent, width(head));
      }
      case DeclKind::Model: {
        const auto& model = decl.as<ModelDecl>();
        return settingsBlock(indent, "model " + name(decl.name) + " = " + expr(*model.trainer, kTop),
                             model.settings.get());
      }
      case DeclKind::Metrics: {
        const auto& metrics = decl.as<MetricsDecl>();
        std::string out = "metrics " + name(decl.name) + " = " + expr(*metrics.evaluation, kTop);
        if (!metrics.metrics.empty()) out += " { " + columns(metrics.metrics) + " }";
        return out;
      }
      case DeclKind::Expect: {
        const auto& expect = decl.as<ExpectDecl>();
        std::string head = "expect " + name(decl.name) + " on " + table(*expect.table, indent, 0);
        return block(indent, head, expect.rules, [&](const ExpectRule& rule) {
          std::string text = expr(*rule.condition, kTop);
          if (rule.severity) text += " severity " + name(*rule.severity);
          return text;
        }, decl.range);
      }
      case DeclKind::Gate: {
        const auto& gate = decl.as<GateDecl>();
        return block(indent, "gate " + name(decl.name) + " on " + qualified(gate.model), gate.conditions,
                     [&](const ExprPtr& condition) { return expr(*condition, kTop); },
                     decl.range);
      }
      case DeclKind::Sink: {
        const auto& sink = decl.as<SinkDecl>();
        std::string head = "sink " + name(decl.name) + " = ";
        std::string tableText = table(*sink.table, indent, width(head));
        return settingsBlock(indent, head + tableText + " to " + expr(*sink.writer, kTop), sink.settings.get());
      }
      case DeclKind::Step: {
        const auto& step = decl.as<StepDecl>();
        return settingsBlock(indent,
                             "step " + name(decl.name) + ": " + qualified(step.schema) + " = " +
                                 expr(*step.command, kTop),
                             step.settings.get());
      }
      case DeclKind::Deploy:
        return settingsBlock(indent, "deploy " + name(decl.name), decl.as<DeployDecl>().settings.get());
      case DeclKind::Trigger:
        return block(indent, "trigger " + name(decl.name), decl.as<TriggerDecl>().entries,
                     [&](const TriggerEntry& entry) {
                       if (entry.kind == TriggerEntry::Kind::On) {
                         return "on " + expr(*entry.event, kTop);
                       }
                       std::string targets;
                       for (const QualifiedName& t : entry.targets) targets += (targets.empty() ? "" : ", ") + qualified(t);
                       return "run " + targets;
                     },
                     decl.range);
      case DeclKind::Policy:
        return settingsBlock(indent, decl.name.text.empty() ? "policy" : "policy " + name(decl.name),
                             decl.as<PolicyDecl>().settings.get());
      case DeclKind::Fn: {
        const auto& fn = decl.as<FnDecl>();
        return "fn " + settingName(decl.name) + "(" + params(fn.params) + ") -> " + typeRef(fn.result) + " = " +
               expr(*fn.body, kTop);
      }
      case DeclKind::Transform: {
        const auto& transform = decl.as<TransformDecl>();
        std::string head = "transform " + settingName(decl.name) + "(" + params(transform.params) + ") = ";
        return head + table(*transform.body, indent, width(head));
      }
      case DeclKind::Rule: {
        const auto& rule = decl.as<RuleDecl>();
        return "rule " + settingName(decl.name) + "(" + params(rule.params) + ") = " + expr(*rule.body, kTop);
      }
    }
    return "";
  }

  const Module& module_;
  std::string out_;
  std::size_t nextComment_ = 0;
  std::uint32_t lastLine_ = 0;
};

}  // namespace

std::string formatModule(const Module& module) { return ModuleFormatter(module).run(); }

std::string formatExpr(const Expr& expr) {
  static const Module empty;
  return ModuleFormatter(empty).expression(expr);
}

}  // namespace weir::format
