#pragma once

// A lock between processes, on hosts that share a folder, for file systems where flock(2) is not
// reliable (docs/CLUSTER.md, "Locks"): the lock is a file `NAME.lease` holding its owner's token,
// host, process and the time its lease ends. It is created with link(2), atomic on network file
// systems too; while held, it is renewed (a thread, every third of the lease); a lease that ended,
// or whose holder on this host is gone, is taken over. Hosts' clocks must agree to within the
// lease (NTP). A holder stopped for longer than its lease can lose it without knowing: the locks
// Weir takes spare work (a cache key computed once) and keep one run of a program at a time; the
// cache stays correct without them (every entry is written whole, then renamed).

#include "io/StateFolder.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace weir::runtime {

struct LeaseOwner {
  std::string token;  // random, one per process
  std::string host;
  long pid = 0;
  std::int64_t endsMs = 0;  // when the lease ends, milliseconds since the epoch (the owner's clock)
};

// The content of a lease file and back (nullopt when it is not one).
std::string leaseText(const LeaseOwner& owner);
std::optional<LeaseOwner> parseLease(std::string_view text);

class LeaseLock {
 public:
  LeaseLock() = default;
  LeaseLock(LeaseLock&& other) noexcept = default;
  LeaseLock& operator=(LeaseLock&& other) = delete;
  ~LeaseLock();

  // Takes the lock `name` in the folder `path` (below `base`), waiting while another holds it;
  // `contended` says whether it waited for one (not when it took over a lease that had ended). Not held() when the lock file cannot be written (then the
  // caller goes on without it, as with an flock that cannot be had).
  static LeaseLock acquire(const std::string& base, const std::string& path, const std::string& name, std::chrono::milliseconds lease,
                           bool& contended);
  bool held() const { return state_ != nullptr; }
  // False once another process took the lease over (it ended while this one held it).
  bool stillHeld() const;

  struct State;  // shared with the renewing thread

 private:
  std::shared_ptr<State> state_;
};

// This process's owner token (random) and host name.
const std::string& leaseToken();
std::string hostName();

}  // namespace weir::runtime
