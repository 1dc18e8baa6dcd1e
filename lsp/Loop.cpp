#include "lsp/Loop.h"

#include "lsp/Server.h"

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace weir::lsp {

namespace {

// Shared by the reader thread and the loop. The reader is detached (a read cannot be
// interrupted portably), so it owns a reference and outlives `serve` safely.
struct Inbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<Frame> frames;
  bool ended = false;
  std::shared_ptr<engine::Cancellation> compiling;  // the compilation in progress, if any
};

void readFrames(int in, std::size_t maxMessageBytes, const std::shared_ptr<Inbox>& inbox) {
  FrameReader reader(maxMessageBytes);
  std::string buffer(64 * 1024, '\0');
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reader.push(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    while (std::optional<Frame> frame = reader.next()) {
      std::lock_guard<std::mutex> lock(inbox->mutex);
      if (inbox->compiling && frame->kind == Frame::Kind::Message && Server::changesDocuments(frame->message)) {
        inbox->compiling->cancel();
      }
      inbox->frames.push_back(std::move(*frame));
      inbox->arrived.notify_one();
    }
  }
  // The end of the input, mid-message or not: what was not framed is dropped.
  std::lock_guard<std::mutex> lock(inbox->mutex);
  inbox->ended = true;
  if (inbox->compiling) inbox->compiling->cancel();
  inbox->arrived.notify_one();
}

}  // namespace

int serve(int in, int out, engine::Workspace& workspace, const ServeOptions& options) {
  auto inbox = std::make_shared<Inbox>();
  bool writeFailed = false;
  Server server(workspace, [&](const json& message) {
    if (!writeFailed && !writeFrame(out, message)) writeFailed = true;
  });
  std::thread(readFrames, in, options.maxMessageBytes, inbox).detach();
  for (;;) {
    std::unique_lock<std::mutex> lock(inbox->mutex);
    if (inbox->frames.empty() && server.hasPendingChecks() && !inbox->ended) {
      auto cancel = std::make_shared<engine::Cancellation>();
      inbox->compiling = cancel;
      lock.unlock();
      server.checkPending(cancel.get());
      lock.lock();
      inbox->compiling.reset();
      continue;
    }
    inbox->arrived.wait(lock, [&] { return !inbox->frames.empty() || inbox->ended; });
    if (inbox->frames.empty()) break;  // the client is gone
    Frame frame = std::move(inbox->frames.front());
    inbox->frames.pop_front();
    lock.unlock();
    server.handleBadFrame(frame);
    if (server.exited() || writeFailed) break;
  }
  return server.exitCode();
}

}  // namespace weir::lsp
