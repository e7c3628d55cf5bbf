// Forked calls (sim/process): messages in order, exceptions carried back by type with every issue, a child that dies
// or is stopped reported as such, never a hang.
#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "sim/process/forked_call.hpp"

namespace cascadesim::sim::process {
namespace {

// Every message until the call ends.
std::vector<Message> drain(ForkedCall& call) {
  std::vector<Message> all;
  Message m;
  while (!call.finished())
    if (call.next(m, -1)) all.push_back(m);
  return all;
}

TEST_CASE("a forked call's messages arrive in the order sent, then the call ends") {
  ForkedCall call([](Outbox& out) {
    out.send('a', "one");
    out.send('b', std::string(1 << 20, 'x'));  // more than a socket buffer holds
    out.send('a', "");
  });
  const std::vector<Message> got = drain(call);
  REQUIRE(got.size() == 3);
  CHECK(got[0].kind == 'a');
  CHECK(got[0].bytes == "one");
  CHECK(got[1].kind == 'b');
  CHECK(got[1].bytes == std::string(1 << 20, 'x'));
  CHECK(got[2].bytes.empty());
  Message m;
  CHECK_FALSE(call.next(m, 0));
}

TEST_CASE("a config error thrown in the child comes back as one, with every file, pointer and message") {
  ForkedCall call([](Outbox&) {
    throw core::ConfigError({{"a.json", "/workload/top_k", "must be >= 1 (got 0)"}, {"b.json", "", "not JSON"}});
  });
  try {
    drain(call);
    FAIL("no exception");
  } catch (const core::ConfigError& e) {
    REQUIRE(e.issues().size() == 2);
    CHECK(e.issues()[0].file == "a.json");
    CHECK(e.issues()[0].pointer == "/workload/top_k");
    CHECK(e.issues()[0].message == "must be >= 1 (got 0)");
    CHECK(e.issues()[1].pointer.empty());
    CHECK(e.what() == std::string("a.json: /workload/top_k: must be >= 1 (got 0)\nb.json: /: not JSON"));
  }
  CHECK(call.finished());
}

TEST_CASE("an output error keeps its type, and another exception comes back with its message") {
  ForkedCall output([](Outbox&) { throw core::OutputError("out/x.json: cannot write: No space left on device"); });
  CHECK_THROWS_WITH_AS(drain(output), "out/x.json: cannot write: No space left on device", core::OutputError);
  ForkedCall other([](Outbox&) { throw std::invalid_argument("a record calibrate cannot use"); });
  CHECK_THROWS_WITH_AS(drain(other), "a record calibrate cannot use", std::runtime_error);
}

TEST_CASE("a child that dies before it finishes is an error saying how it ended") {
  ForkedCall call([](Outbox& out) {
    out.send('a', "before");
    ::raise(SIGKILL);
  });
  Message m;
  REQUIRE(call.next(m, -1));
  CHECK(m.bytes == "before");
  CHECK_THROWS_WITH_AS(call.next(m, -1), doctest::Contains("killed by signal 9"), std::runtime_error);
  CHECK(call.finished());
}

TEST_CASE("waiting times out while the child works, and stop ends it") {
  ForkedCall call([](Outbox&) { ::sleep(30); });
  Message m;
  CHECK_FALSE(call.next(m, 50));
  CHECK_FALSE(call.finished());
  call.stop();
  CHECK(call.finished());
  CHECK_FALSE(call.next(m, -1));
}

}  // namespace
}  // namespace cascadesim::sim::process
