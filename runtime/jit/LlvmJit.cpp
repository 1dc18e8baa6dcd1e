// The LLVM JIT, built as the plugin libweir-jit.so (JitPlugin.h): code generation from a
// PhysicalKernel (one loop over a morsel's rows), ORC's LLJIT to load it, and the host's store of
// compiled objects behind ORC's ObjectCache, keyed by the kernel's fingerprint, the CPU and the
// LLVM version, so that a re-run compiles nothing. The only file that includes LLVM headers.
//
// Every operation computes exactly what the interpreter's vector operations do (runtime/expr/
// VectorOps.cpp, ScalarFunctions.cpp), the value under a null included: e.g. `a + b` adds the
// stored values even where one is null, `a / 0` is null holding 0. Expressions are evaluated
// without branches (`if`/`case` are selects), so a pipeline without filters is one straight loop
// LLVM can vectorize.

#include "jit/JitPlugin.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/ObjectCache.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/LCSSA.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <type_traits>

namespace weir::runtime::jit {

namespace {

// Runtime helpers the generated code calls, defined in the JIT's main library by address (the
// host's functions, PluginHost).
constexpr const char* kDatePart = "weir_jit_date_part";
constexpr const char* kTextEqual = "weir_jit_text_equal";

// ---- Code generation ----

struct Value {
  llvm::Value* val = nullptr;    // i64 or double; null for kinds without numeric storage
  llvm::Value* valid = nullptr;  // i1
};

class Codegen {
 public:
  Codegen(llvm::LLVMContext& context, llvm::Module& module, const PhysicalKernel& kernel)
      : context_(context), module_(module), b_(context), kernel_(kernel) {}

  // Defines `name`: the KernelEntry. False with error() set when the kernel needs something the
  // JIT does not generate.
  bool generate(const std::string& name);
  const std::string& error() const { return error_; }
  // Whether LLVM may vectorize the loop: no filters (a kept row's index is carried from row to
  // row) and no calls (libm, the date parts), which the vectorizer cannot widen.
  bool vectorizable() const { return !calls_ && !kernel_.filters(); }

 private:
  llvm::Type* i64() { return b_.getInt64Ty(); }
  llvm::Type* f64() { return b_.getDoubleTy(); }
  llvm::Type* ptr() { return b_.getPtrTy(); }
  llvm::Type* typeOf(ColumnKind kind) { return kind == ColumnKind::Float ? f64() : i64(); }
  llvm::Value* zero(ColumnKind kind) { return kind == ColumnKind::Float ? llvm::ConstantFP::get(f64(), 0.0) : b_.getInt64(0); }
  static bool numeric(ColumnKind kind) { return kind == ColumnKind::Float || storesInts(kind); }

  Value fail(const std::string& why) {
    if (error_.empty()) error_ = why;
    return {zero(ColumnKind::Int), b_.getFalse()};
  }
  llvm::Value* toDouble(const Value& v, ColumnKind kind) { return kind == ColumnKind::Float ? v.val : b_.CreateSIToFP(v.val, f64()); }
  llvm::Value* isTrue(const Value& v) { return b_.CreateAnd(v.valid, b_.CreateICmpNE(v.val, b_.getInt64(0))); }
  llvm::Value* orZero(llvm::Value* valid, llvm::Value* value, ColumnKind kind) { return b_.CreateSelect(valid, value, zero(kind)); }
  llvm::Value* call(const char* name, std::vector<llvm::Value*> args) {
    std::vector<llvm::Type*> types(args.size(), f64());
    llvm::FunctionCallee f = module_.getOrInsertFunction(name, llvm::FunctionType::get(f64(), types, false));
    calls_ = true;
    return b_.CreateCall(f, args);
  }
  llvm::Value* intrinsic(llvm::Intrinsic::ID id, llvm::Value* x) { return b_.CreateUnaryIntrinsic(id, x); }

  Value slot(std::size_t s);
  // Run constant k (KernelEntry), loaded once before the loop.
  llvm::Value* constant(std::size_t k);
  Value textEqual(const PhysicalExpr& e);
  Value gen(const PhysicalExpr& e);
  Value arithmetic(const PhysicalExpr& e);
  Value compare(const PhysicalExpr& e);
  // A value as a column of `kind` stores it (copyValue): null holds 0.
  llvm::Value* convert(const PhysicalExpr& from, const Value& v, ColumnKind kind);

  llvm::LLVMContext& context_;
  llvm::Module& module_;
  llvm::IRBuilder<> b_;
  const PhysicalKernel& kernel_;
  std::string error_;
  bool calls_ = false;
  std::vector<llvm::Value*> inValues_, inValid_;
  llvm::Value* constants_ = nullptr;       // the run's constants (int64)
  llvm::Instruction* beforeLoop_ = nullptr;  // where loop-invariant loads go
  std::map<std::size_t, llvm::Value*> loadedConstants_;
  llvm::Value* row_ = nullptr;
  std::vector<std::optional<Value>> slots_;
};

Value Codegen::slot(std::size_t s) {
  if (slots_[s]) return *slots_[s];
  if (kernel_.computed(s)) return fail("internal: a slot used before it is computed");
  ColumnKind kind = kernel_.inputs[s].kind;
  Value v;
  llvm::Value* validByte = b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), inValid_[s], row_));
  v.valid = b_.CreateICmpNE(validByte, b_.getInt8(0));
  if (numeric(kind)) v.val = b_.CreateLoad(typeOf(kind), b_.CreateGEP(typeOf(kind), inValues_[s], row_));
  // A category's code (the level's index) or a string's (in its dictionary), compared with a
  // level's index or a text's code only (PhysicalKernel).
  if (storesCodes(kind)) v.val = b_.CreateZExt(b_.CreateLoad(b_.getInt32Ty(), b_.CreateGEP(b_.getInt32Ty(), inValues_[s], row_)), i64());
  slots_[s] = v;
  return v;
}

llvm::Value* Codegen::constant(std::size_t k) {
  if (auto it = loadedConstants_.find(k); it != loadedConstants_.end()) return it->second;
  llvm::IRBuilder<> before(beforeLoop_);
  llvm::Value* value = before.CreateLoad(i64(), before.CreateConstGEP1_64(i64(), constants_, k));
  loadedConstants_.emplace(k, value);
  return value;
}

Value Codegen::textEqual(const PhysicalExpr& e) {
  const PhysicalExpr& l = e.args[0];
  const PhysicalExpr& r = e.args[1];
  if (l.op != PhysicalOp::Slot || r.op != PhysicalOp::Slot || kernel_.computed(l.slot) || kernel_.computed(r.slot)) {
    return fail("internal: a comparison of strings that are not columns");
  }
  Value a = slot(l.slot), c = slot(r.slot);
  auto dictionary = [&](std::size_t s) { return b_.CreateIntToPtr(constant(kernel_.dictionaryConstant(s)), ptr()); };
  llvm::FunctionType* type = llvm::FunctionType::get(i64(), {ptr(), i64(), ptr(), i64()}, false);
  llvm::FunctionCallee f = module_.getOrInsertFunction(kTextEqual, type);
  calls_ = true;
  llvm::Value* equal = b_.CreateCall(f, {dictionary(l.slot), a.val, dictionary(r.slot), c.val});
  if (e.intValue != 0) equal = b_.CreateXor(equal, b_.getInt64(1));
  llvm::Value* valid = b_.CreateAnd(a.valid, c.valid);
  return {orZero(valid, equal, ColumnKind::Int), valid};
}

llvm::Value* Codegen::convert(const PhysicalExpr& from, const Value& v, ColumnKind kind) {
  if (from.nullType) return zero(kind);
  if (v.val == nullptr) return fail("a text value in arithmetic").val;
  llvm::Value* value;
  if (kind == ColumnKind::Float) value = toDouble(v, from.kind);
  else if (from.kind == ColumnKind::Float) return fail("a float stored as an integer").val;
  else value = v.val;
  return orZero(v.valid, value, kind);
}

Value Codegen::arithmetic(const PhysicalExpr& e) {
  const PhysicalExpr& l = e.args[0];
  const PhysicalExpr& r = e.args[1];
  if (l.nullType || r.nullType) return {zero(e.kind), b_.getFalse()};
  Value a = gen(l), c = gen(r);
  if (a.val == nullptr || c.val == nullptr) return fail("arithmetic of text");
  llvm::Value* valid = b_.CreateAnd(a.valid, c.valid);
  if (e.kind == ColumnKind::Int) {
    switch (e.op) {
      case PhysicalOp::Add: return {b_.CreateAdd(a.val, c.val), valid};
      case PhysicalOp::Sub: return {b_.CreateSub(a.val, c.val), valid};
      case PhysicalOp::Mul: return {b_.CreateMul(a.val, c.val), valid};
      default: {
        // The sign of the dividend; by zero, null (holding 0); by -1, 0 (never INT64_MIN % -1).
        llvm::Value* byZero = b_.CreateICmpEQ(c.val, b_.getInt64(0));
        llvm::Value* special = b_.CreateOr(byZero, b_.CreateICmpEQ(c.val, b_.getInt64(-1)));
        llvm::Value* divisor = b_.CreateSelect(special, b_.getInt64(1), c.val);
        llvm::Value* rem = b_.CreateSRem(a.val, divisor);
        return {b_.CreateSelect(special, b_.getInt64(0), rem), b_.CreateAnd(valid, b_.CreateNot(byZero))};
      }
    }
  }
  llvm::Value* x = toDouble(a, l.kind);
  llvm::Value* y = toDouble(c, r.kind);
  switch (e.op) {
    case PhysicalOp::Add: return {b_.CreateFAdd(x, y), valid};
    case PhysicalOp::Sub: return {b_.CreateFSub(x, y), valid};
    case PhysicalOp::Mul: return {b_.CreateFMul(x, y), valid};
    default: {
      llvm::Value* byZero = b_.CreateFCmpOEQ(y, llvm::ConstantFP::get(f64(), 0.0));
      llvm::Value* result = e.op == PhysicalOp::Div ? b_.CreateFDiv(x, y) : b_.CreateFRem(x, y);
      return {b_.CreateSelect(byZero, llvm::ConstantFP::get(f64(), 0.0), result), b_.CreateAnd(valid, b_.CreateNot(byZero))};
    }
  }
}

Value Codegen::compare(const PhysicalExpr& e) {
  const PhysicalExpr& l = e.args[0];
  const PhysicalExpr& r = e.args[1];
  if (l.nullType || r.nullType) return {b_.getInt64(0), b_.getFalse()};
  Value a = gen(l), c = gen(r);
  if (a.val == nullptr || c.val == nullptr) return fail("a comparison of text");
  llvm::Value* valid = b_.CreateAnd(a.valid, c.valid);
  llvm::Value* holds;
  if (l.kind == ColumnKind::Float || r.kind == ColumnKind::Float) {
    llvm::Value* x = toDouble(a, l.kind);
    llvm::Value* y = toDouble(c, r.kind);
    switch (e.op) {
      case PhysicalOp::Eq: holds = b_.CreateFCmpOEQ(x, y); break;
      case PhysicalOp::Ne: holds = b_.CreateFCmpUNE(x, y); break;  // !(x == y)
      case PhysicalOp::Lt: holds = b_.CreateFCmpOLT(x, y); break;
      case PhysicalOp::Le: holds = b_.CreateFCmpOLE(x, y); break;
      case PhysicalOp::Gt: holds = b_.CreateFCmpOGT(x, y); break;
      default: holds = b_.CreateFCmpOGE(x, y); break;
    }
  } else {
    // A date against a timestamp: the date's midnight, in microseconds.
    bool micros = l.kind == ColumnKind::Timestamp || r.kind == ColumnKind::Timestamp;
    llvm::Value* x = micros && l.kind == ColumnKind::Date ? b_.CreateMul(a.val, b_.getInt64(86400000000LL)) : a.val;
    llvm::Value* y = micros && r.kind == ColumnKind::Date ? b_.CreateMul(c.val, b_.getInt64(86400000000LL)) : c.val;
    switch (e.op) {
      case PhysicalOp::Eq: holds = b_.CreateICmpEQ(x, y); break;
      case PhysicalOp::Ne: holds = b_.CreateICmpNE(x, y); break;
      case PhysicalOp::Lt: holds = b_.CreateICmpSLT(x, y); break;
      case PhysicalOp::Le: holds = b_.CreateICmpSLE(x, y); break;
      case PhysicalOp::Gt: holds = b_.CreateICmpSGT(x, y); break;
      default: holds = b_.CreateICmpSGE(x, y); break;
    }
  }
  return {b_.CreateZExt(holds, i64()), valid};
}

Value Codegen::gen(const PhysicalExpr& e) {
  if (!error_.empty()) return fail(error_);
  auto nullOf = [&](ColumnKind kind) { return Value{zero(kind), b_.getFalse()}; };
  switch (e.op) {
    case PhysicalOp::Slot: return slot(e.slot);
    case PhysicalOp::Int: return {b_.getInt64(static_cast<std::uint64_t>(e.intValue)), b_.getTrue()};
    case PhysicalOp::Float: return {llvm::ConstantFP::get(f64(), e.floatValue), b_.getTrue()};
    case PhysicalOp::Null: return nullOf(e.kind);
    case PhysicalOp::Add: case PhysicalOp::Sub: case PhysicalOp::Mul: case PhysicalOp::Div: case PhysicalOp::Mod:
      return arithmetic(e);
    case PhysicalOp::Eq: case PhysicalOp::Ne: case PhysicalOp::Lt: case PhysicalOp::Le: case PhysicalOp::Gt: case PhysicalOp::Ge:
      return compare(e);
    case PhysicalOp::And:
    case PhysicalOp::Or: {
      // Kleene logic: false and null is false, true or null is true, otherwise null (0).
      Value a = e.args[0].nullType ? nullOf(ColumnKind::Bool) : gen(e.args[0]);
      Value c = e.args[1].nullType ? nullOf(ColumnKind::Bool) : gen(e.args[1]);
      if (a.val == nullptr || c.val == nullptr) return fail("`and`/`or` of text");
      llvm::Value* bothValid = b_.CreateAnd(a.valid, c.valid);
      llvm::Value* at = isTrue(a);
      llvm::Value* ct = isTrue(c);
      if (e.op == PhysicalOp::And) {
        llvm::Value* af = b_.CreateAnd(a.valid, b_.CreateICmpEQ(a.val, b_.getInt64(0)));
        llvm::Value* cf = b_.CreateAnd(c.valid, b_.CreateICmpEQ(c.val, b_.getInt64(0)));
        return {b_.CreateZExt(b_.CreateAnd(at, ct), i64()), b_.CreateOr(b_.CreateOr(af, cf), bothValid)};
      }
      llvm::Value* either = b_.CreateOr(at, ct);
      return {b_.CreateZExt(either, i64()), b_.CreateOr(either, bothValid)};
    }
    case PhysicalOp::Not: {
      if (e.args[0].nullType) return nullOf(ColumnKind::Bool);
      Value a = gen(e.args[0]);
      if (a.val == nullptr) return fail("`not` of text");
      return {b_.CreateZExt(b_.CreateICmpEQ(a.val, b_.getInt64(0)), i64()), a.valid};  // computed under nulls too
    }
    case PhysicalOp::Negate: {
      Value a = gen(e.args[0]);
      if (a.val == nullptr) return fail("the negation of text");
      return {e.kind == ColumnKind::Float ? b_.CreateFNeg(a.val) : b_.CreateSub(b_.getInt64(0), a.val), a.valid};
    }
    case PhysicalOp::IsNull:
    case PhysicalOp::IsNotNull: {
      llvm::Value* valid = e.args[0].nullType ? b_.getFalse() : gen(e.args[0]).valid;
      llvm::Value* holds = e.op == PhysicalOp::IsNull ? b_.CreateNot(valid) : valid;
      return {b_.CreateZExt(holds, i64()), b_.getTrue()};
    }
    case PhysicalOp::Choose: {
      // The first choice whose condition holds, the last when none does.
      std::size_t whens = e.args.size() / 2;
      const PhysicalExpr& last = e.args.back();
      Value lastValue = last.nullType ? nullOf(e.kind) : gen(last);
      Value result{convert(last, lastValue, e.kind), last.nullType ? b_.getFalse() : lastValue.valid};
      for (std::size_t k = whens; k-- > 0;) {
        const PhysicalExpr& condition = e.args[2 * k];
        const PhysicalExpr& choice = e.args[2 * k + 1];
        llvm::Value* holds = b_.getFalse();
        if (!condition.nullType) {
          Value c = gen(condition);
          if (c.val == nullptr) return fail("a condition of text");
          holds = isTrue(c);
        }
        Value v = choice.nullType ? nullOf(e.kind) : gen(choice);
        llvm::Value* value = convert(choice, v, e.kind);
        llvm::Value* valid = choice.nullType ? b_.getFalse() : v.valid;
        result = {b_.CreateSelect(holds, value, result.val), b_.CreateSelect(holds, valid, result.valid)};
      }
      return result;
    }
    case PhysicalOp::In:
    case PhysicalOp::NotIn: {
      const PhysicalExpr& value = e.args[0];
      if (value.nullType) return nullOf(ColumnKind::Bool);
      Value v = gen(value);
      if (v.val == nullptr) return fail("`in` of text");
      llvm::Value* found = b_.getFalse();
      for (std::size_t k = 1; k < e.args.size(); ++k) {
        const PhysicalExpr& item = e.args[k];
        if (item.nullType) continue;
        Value it = gen(item);
        if (it.val == nullptr) return fail("`in` of text");
        llvm::Value* equal = value.kind == ColumnKind::Float || item.kind == ColumnKind::Float
                                 ? b_.CreateFCmpOEQ(toDouble(v, value.kind), toDouble(it, item.kind))
                                 : b_.CreateICmpEQ(v.val, it.val);
        found = b_.CreateOr(found, b_.CreateAnd(it.valid, equal));
      }
      if (e.op == PhysicalOp::NotIn) found = b_.CreateNot(found);
      return {orZero(v.valid, b_.CreateZExt(found, i64()), ColumnKind::Int), v.valid};
    }
    case PhysicalOp::Abs: case PhysicalOp::Round: case PhysicalOp::Floor: case PhysicalOp::Ceil:
    case PhysicalOp::Sqrt: case PhysicalOp::Log: case PhysicalOp::Exp: {
      const PhysicalExpr& arg = e.args[0];
      Value a = gen(arg);
      if (a.val == nullptr) return fail("a math function of text");
      llvm::Value* valid = a.valid;
      llvm::Value* result;
      if (e.kind == ColumnKind::Int) {
        // round/floor/ceil of an int is the int; abs wraps at the minimum.
        result = e.op != PhysicalOp::Abs ? a.val
                                         : b_.CreateSelect(b_.CreateICmpSLT(a.val, b_.getInt64(0)), b_.CreateSub(b_.getInt64(0), a.val), a.val);
      } else {
        llvm::Value* x = toDouble(a, arg.kind);
        llvm::Value* zeroF = llvm::ConstantFP::get(f64(), 0.0);
        switch (e.op) {
          case PhysicalOp::Abs: result = intrinsic(llvm::Intrinsic::fabs, x); break;
          case PhysicalOp::Round: result = intrinsic(llvm::Intrinsic::round, x); break;
          case PhysicalOp::Floor: result = intrinsic(llvm::Intrinsic::floor, x); break;
          case PhysicalOp::Ceil: result = intrinsic(llvm::Intrinsic::ceil, x); break;
          case PhysicalOp::Sqrt:
            // Outside the domain: null, not NaN.
            valid = b_.CreateAnd(valid, b_.CreateNot(b_.CreateFCmpOLT(x, zeroF)));
            result = intrinsic(llvm::Intrinsic::sqrt, x);
            break;
          case PhysicalOp::Log:
            valid = b_.CreateAnd(valid, b_.CreateNot(b_.CreateFCmpOLE(x, zeroF)));
            result = call("log", {x});
            break;
          default: result = call("exp", {x}); break;
        }
      }
      return {orZero(valid, result, e.kind), valid};
    }
    case PhysicalOp::Pow: {
      Value a = gen(e.args[0]), c = gen(e.args[1]);
      if (a.val == nullptr || c.val == nullptr) return fail("`pow` of text");
      llvm::Value* r = call("pow", {toDouble(a, e.args[0].kind), toDouble(c, e.args[1].kind)});
      llvm::Value* valid = b_.CreateAnd(b_.CreateAnd(a.valid, c.valid), b_.CreateNot(b_.CreateFCmpUNO(r, r)));
      return {orZero(valid, r, ColumnKind::Float), valid};
    }
    case PhysicalOp::Min:
    case PhysicalOp::Max: {
      const PhysicalExpr& l = e.args[0];
      const PhysicalExpr& r = e.args[1];
      Value a = gen(l), c = gen(r);
      if (a.val == nullptr || c.val == nullptr) return fail("`min`/`max` of text");
      llvm::Value* x = toDouble(a, l.kind);
      llvm::Value* y = toDouble(c, r.kind);
      llvm::Value* firstWins = e.op == PhysicalOp::Min ? b_.CreateFCmpOLE(x, y) : b_.CreateFCmpOGE(x, y);
      llvm::Value* valid = b_.CreateAnd(a.valid, c.valid);
      llvm::Value* winner = e.kind == ColumnKind::Float ? b_.CreateSelect(firstWins, x, y) : b_.CreateSelect(firstWins, a.val, c.val);
      return {orZero(valid, winner, e.kind), valid};
    }
    case PhysicalOp::Coalesce: {
      const PhysicalExpr& last = e.args.back();
      Value lastValue = gen(last);
      Value result{convert(last, lastValue, e.kind), lastValue.valid};
      for (std::size_t k = e.args.size() - 1; k-- > 0;) {
        Value v = gen(e.args[k]);
        llvm::Value* value = convert(e.args[k], v, e.kind);
        result = {b_.CreateSelect(v.valid, value, result.val), b_.CreateOr(v.valid, result.valid)};
      }
      return result;
    }
    case PhysicalOp::Year:
    case PhysicalOp::Month:
    case PhysicalOp::Day: {
      // The interpreter's own function (rowwise: null holds 0).
      const PhysicalExpr& arg = e.args[0];
      Value a = gen(arg);
      if (a.val == nullptr) return fail("a date part of text");
      int which = e.op == PhysicalOp::Year ? 0 : e.op == PhysicalOp::Month ? 1 : 2;
      llvm::FunctionType* type = llvm::FunctionType::get(i64(), {b_.getInt32Ty(), i64(), b_.getInt32Ty()}, false);
      llvm::FunctionCallee f = module_.getOrInsertFunction(kDatePart, type);
      calls_ = true;
      llvm::Value* r = b_.CreateCall(f, {b_.getInt32(static_cast<std::uint32_t>(arg.kind)), a.val, b_.getInt32(static_cast<std::uint32_t>(which))});
      return {orZero(a.valid, r, ColumnKind::Int), a.valid};
    }
    case PhysicalOp::Text: return {constant(static_cast<std::size_t>(e.intValue)), b_.getTrue()};
    case PhysicalOp::TextEqual: return textEqual(e);
    case PhysicalOp::Scalar: {
      auto k = static_cast<std::size_t>(e.intValue);
      llvm::Value* bits = constant(kernel_.scalarConstant(k));
      llvm::Value* value = e.kind == ColumnKind::Float ? b_.CreateBitCast(bits, f64()) : bits;
      return {value, b_.CreateICmpNE(constant(kernel_.scalarConstant(k) + 1), b_.getInt64(0))};
    }
    case PhysicalOp::Convert: {
      const PhysicalExpr& from = e.args[0];
      if (from.nullType) return nullOf(e.kind);
      Value v = gen(from);
      return {convert(from, v, e.kind), v.valid};
    }
  }
  return fail("an operation the JIT does not know");
}

bool Codegen::generate(const std::string& name) {
  const std::size_t inputs = kernel_.inputs.size();
  const std::size_t outputs = kernel_.outputs.size();
  llvm::FunctionType* type = llvm::FunctionType::get(i64(), {ptr(), ptr(), ptr(), ptr(), ptr(), i64(), i64()}, false);
  llvm::Function* entry = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, module_);
  // The loop lives in a function whose column pointers are parameters marked noalias (inlined
  // into the entry, which unpacks them), so that LLVM needs no run-time overlap checks.
  // Column pointers, the selection, the constants, begin and end.
  std::vector<llvm::Type*> params(2 * inputs + 2 * outputs + 2, ptr());
  params.push_back(i64());
  params.push_back(i64());
  llvm::Function* loop = llvm::Function::Create(llvm::FunctionType::get(i64(), params, false), llvm::Function::InternalLinkage,
                                                name + ".loop", module_);
  loop->addFnAttr(llvm::Attribute::AlwaysInline);
  for (std::size_t p = 0; p + 2 < params.size(); ++p) loop->addParamAttr(static_cast<unsigned>(p), llvm::Attribute::NoAlias);
  loop->addParamAttr(static_cast<unsigned>(params.size() - 3), llvm::Attribute::ReadOnly);

  // The entry: unpack the arrays.
  {
    b_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", entry));
    std::vector<llvm::Value*> args;
    auto unpack = [&](llvm::Value* array, std::size_t count) {
      for (std::size_t k = 0; k < count; ++k) args.push_back(b_.CreateLoad(ptr(), b_.CreateConstGEP1_64(ptr(), array, k)));
    };
    unpack(entry->getArg(0), inputs);
    unpack(entry->getArg(1), inputs);
    unpack(entry->getArg(2), outputs);
    unpack(entry->getArg(3), outputs);
    args.push_back(entry->getArg(4));
    args.push_back(b_.CreateLoad(ptr(), b_.CreateConstGEP1_64(ptr(), entry->getArg(0), inputs)));
    args.push_back(entry->getArg(5));
    args.push_back(entry->getArg(6));
    b_.CreateRet(b_.CreateCall(loop, args));
  }

  llvm::BasicBlock* start = llvm::BasicBlock::Create(context_, "start", loop);
  llvm::BasicBlock* header = llvm::BasicBlock::Create(context_, "header", loop);
  llvm::BasicBlock* body = llvm::BasicBlock::Create(context_, "body", loop);
  llvm::BasicBlock* latch = llvm::BasicBlock::Create(context_, "latch", loop);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(context_, "exit", loop);
  for (std::size_t k = 0; k < inputs; ++k) {
    inValues_.push_back(loop->getArg(static_cast<unsigned>(k)));
    inValid_.push_back(loop->getArg(static_cast<unsigned>(inputs + k)));
  }
  auto outValue = [&](std::size_t o) { return loop->getArg(static_cast<unsigned>(2 * inputs + o)); };
  auto outValid = [&](std::size_t o) { return loop->getArg(static_cast<unsigned>(2 * inputs + outputs + o)); };
  llvm::Value* selection = loop->getArg(static_cast<unsigned>(2 * inputs + 2 * outputs));
  constants_ = loop->getArg(static_cast<unsigned>(2 * inputs + 2 * outputs + 1));
  llvm::Value* begin = loop->getArg(static_cast<unsigned>(params.size() - 2));
  llvm::Value* end = loop->getArg(static_cast<unsigned>(params.size() - 1));
  const bool filters = kernel_.filters();

  b_.SetInsertPoint(start);
  beforeLoop_ = b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* row = b_.CreatePHI(i64(), 2, "row");
  llvm::PHINode* kept = b_.CreatePHI(i64(), 2, "kept");
  row->addIncoming(begin, start);
  kept->addIncoming(b_.getInt64(0), start);
  b_.CreateCondBr(b_.CreateICmpSLT(row, end), body, exit);

  b_.SetInsertPoint(body);
  row_ = row;
  slots_.assign(kernel_.slotKinds.size(), std::nullopt);
  std::vector<std::pair<llvm::BasicBlock*, llvm::Value*>> toLatch;
  for (const PhysicalKernel::Step& step : kernel_.steps) {
    Value v = gen(step.expr);
    if (!error_.empty()) return false;
    if (step.filter) {
      if (v.val == nullptr) return (void)fail("a condition of text"), false;
      llvm::BasicBlock* next = llvm::BasicBlock::Create(context_, "kept", loop);
      toLatch.emplace_back(b_.GetInsertBlock(), kept);
      b_.CreateCondBr(isTrue(v), next, latch);
      b_.SetInsertPoint(next);
    } else {
      if (v.val == nullptr || v.val->getType() != typeOf(kernel_.slotKinds[step.slot])) return (void)fail("internal: a slot of another type"), false;
      slots_[step.slot] = v;
    }
  }
  llvm::Value* at = filters ? static_cast<llvm::Value*>(kept) : b_.CreateSub(row, begin);
  for (std::size_t o = 0; o < outputs; ++o) {
    const PhysicalKernel::Output& output = kernel_.outputs[o];
    if (!kernel_.computed(output.slot)) continue;
    if (!numeric(output.spec.kind)) return (void)fail("a computed column of text"), false;
    Value v = slot(output.slot);
    if (v.val == nullptr || v.val->getType() != typeOf(output.spec.kind)) return (void)fail("internal: an output of another type"), false;
    b_.CreateStore(v.val, b_.CreateGEP(typeOf(output.spec.kind), outValue(o), at));
    b_.CreateStore(b_.CreateZExt(v.valid, b_.getInt8Ty()), b_.CreateGEP(b_.getInt8Ty(), outValid(o), at));
  }
  if (filters) b_.CreateStore(b_.CreateTrunc(row, b_.getInt32Ty()), b_.CreateGEP(b_.getInt32Ty(), selection, kept));
  toLatch.emplace_back(b_.GetInsertBlock(), b_.CreateAdd(kept, b_.getInt64(1)));
  b_.CreateBr(latch);

  b_.SetInsertPoint(latch);
  llvm::PHINode* keptNext = b_.CreatePHI(i64(), static_cast<unsigned>(toLatch.size()));
  for (const auto& [block, value] : toLatch) keptNext->addIncoming(value, block);
  row->addIncoming(b_.CreateAdd(row, b_.getInt64(1)), latch);
  kept->addIncoming(keptNext, latch);
  b_.CreateBr(header);

  b_.SetInsertPoint(exit);
  b_.CreateRet(kept);
  return error_.empty();
}

// ---- The object cache ----

// ORC's ObjectCache over the host's store (.weir/jit).
class DiskCache : public llvm::ObjectCache {
 public:
  explicit DiskCache(ObjectStore& store) : store_(store) {}
  bool enabled() const { return store_.enabled(); }

  void notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) override {
    store_.write(module->getModuleIdentifier(), std::string_view(object.getBufferStart(), object.getBufferSize()));
  }
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module* module) override { return read(module->getModuleIdentifier()); }

  std::unique_ptr<llvm::MemoryBuffer> read(const std::string& key) const {
    std::string object = store_.read(key);
    if (object.empty()) return nullptr;
    return llvm::MemoryBuffer::getMemBufferCopy(object, key + ".o");
  }
  void remove(const std::string& key) const { store_.remove(key); }

 private:
  ObjectStore& store_;
};

bool hasVectors(const llvm::Module& module) {
  for (const llvm::Function& f : module) {
    for (const llvm::BasicBlock& block : f) {
      for (const llvm::Instruction& instruction : block) {
        if (instruction.getType()->isVectorTy()) return true;
      }
    }
  }
  return false;
}

double threadCpuMilliseconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

std::string hex(const XXH128_hash_t& h) { return fmt::format("{:016x}{:016x}", h.high64, h.low64); }

class LlvmJit : public Backend {
 public:
  // The JIT for this machine, or none (with `why`) when LLVM does not initialize here.
  static std::unique_ptr<LlvmJit> create(const PluginHost& host, std::string& why);
  KernelEntry compile(const PhysicalKernel& kernel, KernelEvent& event) override;

 private:
  std::unique_ptr<DiskCache> cache_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::unique_ptr<llvm::TargetMachine> machine_;  // for the optimizer's cost model
  std::string machineKey_;                        // CPU, features, LLVM version
  std::map<std::string, KernelEntry> entries_;    // by key: kernels compiled in this process
  std::mutex compiling_;
};

std::unique_ptr<LlvmJit> LlvmJit::create(const PluginHost& host, std::string& why) {
  static const bool initialized = !llvm::InitializeNativeTarget() && !llvm::InitializeNativeTargetAsmPrinter();
  if (!initialized) {
    why = "LLVM has no native target here";
    return nullptr;
  }
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    why = llvm::toString(builder.takeError());
    return nullptr;
  }
  // Machine code generation was most of a kernel's compile time, SelectionDAG and the greedy
  // register allocator most of that (arith's 16 columns: 14.5 of 19 ms, a vectorized 7-column
  // loop 20 ms). FastISel and the fast allocator take a third of it; the loops run as fast
  // within what could be measured (bench/README.md, JIT): a loop's time goes to loads, stores
  // and libm calls.
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::None);
  auto state = std::make_unique<LlvmJit>();
  state->cache_ = std::make_unique<DiskCache>(*host.objects);
  auto machine = builder->createTargetMachine();
  if (!machine) {
    why = llvm::toString(machine.takeError());
    return nullptr;
  }
  state->machine_ = std::move(*machine);
  // "fastisel": objects of the earlier code generator's level are not taken for these.
  state->machineKey_ = fmt::format("{}|{}|{}|LLVM {}|fastisel", builder->getTargetTriple().str(), builder->getCPU(),
                                   builder->getFeatures().getString(), LLVM_VERSION_STRING);
  DiskCache* cache = state->cache_.get();
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(*builder)
                 .setCompileFunctionCreator([cache](llvm::orc::JITTargetMachineBuilder target)
                                                -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                   auto tm = target.createTargetMachine();
                   if (!tm) return tm.takeError();
                   return std::make_unique<llvm::orc::TMOwningSimpleCompiler>(std::move(*tm), cache);
                 })
                 .create();
  if (!jit) {
    why = llvm::toString(jit.takeError());
    return nullptr;
  }
  state->jit_ = std::move(*jit);
  llvm::orc::JITDylib& main = state->jit_->getMainJITDylib();
  llvm::orc::SymbolMap helpers;
  helpers[state->jit_->mangleAndIntern(kDatePart)] = {llvm::orc::ExecutorAddr::fromPtr(host.datePart), llvm::JITSymbolFlags::Exported};
  helpers[state->jit_->mangleAndIntern(kTextEqual)] = {llvm::orc::ExecutorAddr::fromPtr(host.textEqual), llvm::JITSymbolFlags::Exported};
  if (llvm::Error error = main.define(llvm::orc::absoluteSymbols(std::move(helpers)))) {
    why = llvm::toString(std::move(error));
    return nullptr;
  }
  return state;
}

KernelEntry LlvmJit::compile(const PhysicalKernel& kernel, KernelEvent& event) {
  std::string why;
  auto started = std::chrono::steady_clock::now();
  double startedCpu = threadCpuMilliseconds();
  std::string fingerprint = kernel.fingerprint();
  std::string keyText = fingerprint + "\n" + machineKey_;
  std::string key = "k" + hex(XXH3_128bits(keyText.data(), keyText.size()));
  std::lock_guard compiling(compiling_);
  auto record = [&](KernelEvent::Outcome outcome, const std::string& reason) {
    event.outcome = outcome;
    event.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    event.cpuMilliseconds = threadCpuMilliseconds() - startedCpu;
    event.why = reason;
  };
  event.key = key;
  if (auto it = entries_.find(key); it != entries_.end()) {
    record(KernelEvent::Outcome::Reused, "");
    return it->second;
  }
  llvm::orc::LLJIT& jit = *jit_;
  auto dylib = jit.createJITDylib(key);
  if (!dylib) {
    why = llvm::toString(dylib.takeError());
    record(KernelEvent::Outcome::Interpreted, why);
    return nullptr;
  }
  // Kernels see the runtime helpers (and, through LLJIT's defaults, the process: libm).
  dylib->addToLinkOrder(jit.getMainJITDylib());
  auto lookup = [&]() -> KernelEntry {
    auto address = jit.lookup(*dylib, key);
    if (!address) {
      why = llvm::toString(address.takeError());
      return nullptr;
    }
    return address->toPtr<KernelEntry>();
  };
  bool cached = false;
  KernelEntry entry = nullptr;
  if (cache_->enabled()) {
    // A cached object: loaded as it is, nothing built or compiled.
    if (auto buffer = cache_->read(key)) {
      if (llvm::Error error = jit.addObjectFile(*dylib, std::move(buffer))) {
        why = llvm::toString(std::move(error));
      } else {
        entry = lookup();
        cached = entry != nullptr;
      }
      if (entry == nullptr) {
        // A damaged object: compile afresh in a dylib of its own.
        dylib = jit.createJITDylib(key + ".fresh");
        if (!dylib) {
          why = llvm::toString(dylib.takeError());
          record(KernelEvent::Outcome::Interpreted, why);
          return nullptr;
        }
        dylib->addToLinkOrder(jit.getMainJITDylib());
        cache_->remove(key);
      }
    }
  }
  if (entry == nullptr) {
    auto context = std::make_unique<llvm::LLVMContext>();
    auto module = std::make_unique<llvm::Module>(key, *context);
    module->setDataLayout(jit.getDataLayout());
    module->setTargetTriple(jit.getTargetTriple().str());
    Codegen codegen(*context, *module, kernel);
    if (!codegen.generate(key)) {
      why = codegen.error();
      record(KernelEvent::Outcome::Interpreted, why);
      return nullptr;
    }
    std::string broken;
    llvm::raw_string_ostream brokenStream(broken);
    if (llvm::verifyModule(*module, &brokenStream)) {
      why = "internal: the generated code does not verify: " + broken;
      record(KernelEvent::Outcome::Interpreted, why);
      return nullptr;
    }
    {
      llvm::LoopAnalysisManager loops;
      llvm::FunctionAnalysisManager functions;
      llvm::CGSCCAnalysisManager sccs;
      llvm::ModuleAnalysisManager modules;
      llvm::PassBuilder passes(machine_.get());
      passes.registerModuleAnalyses(modules);
      passes.registerCGSCCAnalyses(sccs);
      passes.registerFunctionAnalyses(functions);
      passes.registerLoopAnalyses(loops);
      passes.crossRegisterProxies(loops, functions, sccs, modules);
      // Not the whole O2 pipeline (most of its passes find nothing in one loop of selects): the
      // loop inlined into the entry, cleaned up, vectorized, cleaned up again. About a third of
      // O2's time, the same loop.
      llvm::FunctionPassManager cleanup;
      cleanup.addPass(llvm::EarlyCSEPass());
      cleanup.addPass(llvm::InstCombinePass());
      cleanup.addPass(llvm::SimplifyCFGPass());
      llvm::FunctionPassManager vectorize;
      vectorize.addPass(llvm::LoopSimplifyPass());
      vectorize.addPass(llvm::LCSSAPass());
      vectorize.addPass(llvm::LoopVectorizePass());
      vectorize.addPass(llvm::EarlyCSEPass());
      vectorize.addPass(llvm::InstCombinePass());
      vectorize.addPass(llvm::SimplifyCFGPass());
      llvm::ModulePassManager pipeline;
      pipeline.addPass(llvm::AlwaysInlinerPass());
      pipeline.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(cleanup)));
      // A loop the vectorizer cannot widen is not analysed for it (a millisecond or two).
      if (codegen.vectorizable()) pipeline.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(vectorize)));
      pipeline.addPass(llvm::GlobalDCEPass());
      pipeline.run(*module, modules);
    }
    event.vectorized = hasVectors(*module);
    if (llvm::Error error = jit.addIRModule(*dylib, llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
      why = llvm::toString(std::move(error));
      record(KernelEvent::Outcome::Interpreted, why);
      return nullptr;
    }
    entry = lookup();
    if (entry == nullptr) {
      record(KernelEvent::Outcome::Interpreted, why);
      return nullptr;
    }
  }
  entries_.emplace(key, entry);
  record(cached ? KernelEvent::Outcome::Cached : KernelEvent::Outcome::Compiled, "");
  return entry;
}

}  // namespace

}  // namespace weir::runtime::jit

// The plugin's one export (JitPlugin.h).
extern "C" __attribute__((visibility("default"))) weir::runtime::jit::Backend* weir_jit_create_backend(
    const weir::runtime::jit::PluginHost* host, std::string* why) {
  using namespace weir::runtime::jit;
  static_assert(std::is_same_v<decltype(&weir_jit_create_backend), CreateBackend>);
  // A host from another build: its kernels would not be the shapes this code reads.
  if (host == nullptr || host->abi != kPluginAbi || host->kernelSize != sizeof(weir::runtime::PhysicalKernel) ||
      host->exprSize != sizeof(weir::runtime::PhysicalExpr) || host->specSize != sizeof(weir::runtime::ColumnSpec) ||
      host->eventSize != sizeof(KernelEvent) || host->objects == nullptr || host->datePart == nullptr || host->textEqual == nullptr) {
    *why = "the JIT plugin is from another build of weir";
    return nullptr;
  }
  return LlvmJit::create(*host, *why).release();
}
