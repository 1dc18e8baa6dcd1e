// store/LeaseLock.h: a lease file taken with link(2), waited for while another holds it, taken
// over when it ended or its holder on this host is gone, renewed while held, and known lost when
// another took it over.
#include "store/LeaseLock.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

using namespace weir::runtime;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class LeaseLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-lease-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / ".weir");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string base() const { return dir_.string(); }
  std::string locks() const { return (dir_ / ".weir" / "locks").string(); }
  fs::path leaseFile(const std::string& name) const { return dir_ / ".weir" / "locks" / (name + ".lease"); }
  void plant(const std::string& name, const std::string& content) const {
    fs::create_directories(locks());
    std::ofstream(leaseFile(name)) << content;
  }
  fs::path dir_;
};

TEST(LeaseText, RoundTripsAndRefusesWhatIsNotALease) {
  LeaseOwner owner{"abc-1", "node7", 4242, 1700000000123};
  std::optional<LeaseOwner> back = parseLease(leaseText(owner));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->token, "abc-1");
  EXPECT_EQ(back->host, "node7");
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->endsMs, 1700000000123);
  EXPECT_FALSE(parseLease(""));
  EXPECT_FALSE(parseLease("weir-lease 2\ntoken a\nhost h\npid 1\nends 2\n"));
  EXPECT_FALSE(parseLease("weir-lease 1\ntoken a\nhost h\npid x\nends 2\n"));
  EXPECT_FALSE(parseLease("weir-lease 1\ntoken a\nhost h\npid 1\n"));
}

TEST_F(LeaseLockTest, HeldLeaseNamesItsOwnerAndIsRemovedOnRelease) {
  {
    bool contended = true;
    LeaseLock lock = LeaseLock::acquire(base(), locks(), "key1", 60s, contended);
    ASSERT_TRUE(lock.held());
    EXPECT_FALSE(contended);
    std::optional<LeaseOwner> owner = parseLease(weir::test::fileText(leaseFile("key1")));
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->host, hostName());
    EXPECT_EQ(owner->pid, ::getpid());
    EXPECT_EQ(owner->token.rfind(leaseToken(), 0), 0u);
    EXPECT_GT(owner->endsMs, nowMs() + 50000);
    // Nothing else is left beside it (the file written before the link).
    EXPECT_EQ(std::distance(fs::directory_iterator(locks()), fs::directory_iterator()), 1);
  }
  EXPECT_FALSE(fs::exists(leaseFile("key1")));
}

TEST_F(LeaseLockTest, SecondHolderWaitsForTheFirst) {
  bool contended = false;
  std::optional<LeaseLock> first(std::in_place, LeaseLock::acquire(base(), locks(), "key2", 60s, contended));
  ASSERT_TRUE(first->held());
  std::atomic<bool> got{false};
  bool secondContended = false;
  std::thread second([&] {
    LeaseLock lock = LeaseLock::acquire(base(), locks(), "key2", 60s, secondContended);
    got = lock.held();
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(got.load()) << "a live lease was taken over";
  first.reset();
  second.join();
  EXPECT_TRUE(got.load());
  EXPECT_TRUE(secondContended);
}

TEST_F(LeaseLockTest, LeaseOfAGoneProcessOnThisHostIsTakenOver) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  plant("key3", leaseText({"dead-0", hostName(), child, nowMs() + 3600000}));
  bool contended = false;
  LeaseLock lock = LeaseLock::acquire(base(), locks(), "key3", 60s, contended);
  ASSERT_TRUE(lock.held());
  EXPECT_FALSE(contended) << "nothing was waited for";
  EXPECT_EQ(parseLease(weir::test::fileText(leaseFile("key3")))->pid, ::getpid());
}

TEST_F(LeaseLockTest, EndedLeaseOfAnotherHostIsTakenOverALiveOneIsNot) {
  plant("ended", leaseText({"other-0", "elsewhere", 1, nowMs() - 1000}));
  bool contended = false;
  LeaseLock ended = LeaseLock::acquire(base(), locks(), "ended", 60s, contended);
  ASSERT_TRUE(ended.held());
  EXPECT_NE(parseLease(weir::test::fileText(leaseFile("ended")))->host, "elsewhere");

  // Another host's live lease (its process number means nothing here) is waited for.
  plant("live", leaseText({"other-1", "elsewhere", 1, nowMs() + 3600000}));
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    bool waited = false;
    LeaseLock lock = LeaseLock::acquire(base(), locks(), "live", 60s, waited);
    got = lock.held();
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(got.load());
  fs::remove(leaseFile("live"));  // released
  waiter.join();
  EXPECT_TRUE(got.load());
}

TEST_F(LeaseLockTest, WhatIsNotALeaseIsTakenOver) {
  plant("junk", "not a lease\n");
  bool contended = false;
  LeaseLock lock = LeaseLock::acquire(base(), locks(), "junk", 60s, contended);
  ASSERT_TRUE(lock.held());
  EXPECT_TRUE(parseLease(weir::test::fileText(leaseFile("junk"))));
}

TEST_F(LeaseLockTest, HeldLeaseIsRenewedAndKnownLostWhenTakenOver) {
  // Waits (on a loaded machine, as long as it takes within 10 s) for `done`.
  auto eventually = [](const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(10ms);
    return done();
  };
  bool contended = false;
  {
    LeaseLock lock = LeaseLock::acquire(base(), locks(), "renewed", 150ms, contended);
    ASSERT_TRUE(lock.held());
    std::int64_t firstEnd = parseLease(weir::test::fileText(leaseFile("renewed")))->endsMs;
    // Renewed: its end moves on while it is held.
    EXPECT_TRUE(eventually([&] {
      std::optional<LeaseOwner> owner = parseLease(weir::test::fileText(leaseFile("renewed")));
      return owner && owner->endsMs > firstEnd + 100;
    }));
    EXPECT_TRUE(lock.stillHeld());
  }
  std::string other = leaseText({"thief-0", "elsewhere", 1, nowMs() + 3600000});
  {
    LeaseLock lock = LeaseLock::acquire(base(), locks(), "lost", 150ms, contended);
    ASSERT_TRUE(lock.held());
    fs::remove(leaseFile("lost"));
    std::ofstream(leaseFile("lost")) << other;
    EXPECT_TRUE(eventually([&] { return !lock.stillHeld(); }));
  }
  EXPECT_EQ(weir::test::fileText(leaseFile("lost")), other) << "released a lease that was another's";
}

}  // namespace
