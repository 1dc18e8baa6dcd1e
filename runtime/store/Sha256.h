#pragma once

// SHA-256 (FIPS 180-4), for the audit log's hash chain: small enough to keep here rather than
// load a cryptographic library into every `weir` for it.

#include <string>
#include <string_view>

namespace weir::runtime {

// The SHA-256 of `bytes`, as 64 lowercase hex digits.
std::string sha256Hex(std::string_view bytes);

}  // namespace weir::runtime
