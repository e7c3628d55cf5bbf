// The memory components (HBM, tile-caching L2, bounded DMA): achieved bandwidth emerges from channels, queues and
// contention; the L2 keeps whole tiles with LRU replacement; the DMA bounds a core's requests in flight.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "component_builder.hpp"
#include "core/config_error.hpp"
#include "hw/memory/dma.hpp"
#include "hw/memory/memory_level.hpp"
#include "recording_memory.hpp"

using namespace cascadesim;
using core::ConfigErrors;
using core::ConfigNode;
using core::Json;
using hw::MemoryLevel;
using hw::MemoryRequest;
using test::RecordingMemory;

namespace {

template <class Interface>
std::unique_ptr<Interface> build(const std::string& role, const Json& section) {
  return test::build_component<Interface>(role, section);
}

std::unique_ptr<MemoryLevel> hbm(int channels, double channel_GBps, double latency_ns, Json extra = Json::object()) {
  Json section{{"impl", "hbm"},
               {"bytes", 16e9},
               {"channels", channels},
               {"channel_bandwidth_GBps", channel_GBps},
               {"latency_ns", latency_ns}};
  section.update(extra);
  return build<MemoryLevel>("memory", section);
}

MemoryRequest read(std::uint64_t address, std::uint64_t bytes, std::uint64_t tile_id = 0) {
  MemoryRequest r;
  r.address = address;
  r.bytes = bytes;
  r.tile_id = tile_id;
  return r;
}

MemoryRequest write(std::uint64_t address, std::uint64_t bytes, std::uint64_t tile_id = 0) {
  MemoryRequest r = read(address, bytes, tile_id);
  r.write = true;
  return r;
}

// Issues `count` contiguous requests of `bytes` from `address`, all at issue_ns (a stream with no think time);
// returns the last completion.
double stream(MemoryLevel& level, std::uint64_t address, int count, std::uint64_t bytes, double issue_ns = 0) {
  double last = issue_ns;
  for (int i = 0; i < count; ++i)
    last = std::max(last, level.access(read(address + static_cast<std::uint64_t>(i) * bytes, bytes), issue_ns));
  return last;
}

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;

}  // namespace

TEST_CASE("every memory role lists its implementation by name") {
  const hw::ComponentCatalog& catalog = hw::ComponentCatalog::instance();
  CHECK(catalog.find("memory", "hbm") != nullptr);
  CHECK(catalog.find("l2", "tile_cache") != nullptr);
  CHECK(catalog.find("dma", "bounded") != nullptr);
  CHECK(catalog.find("host_memory", "host_link") != nullptr);
}

TEST_CASE("the host link moves a stream at its bandwidth plus its latency and holds its capacity") {
  // 64 requests of 1 MiB at 50 GB/s (50 bytes per ns): 64 MiB / 50 = 1342177.28 ns, then 1000 ns of latency.
  auto host = build<MemoryLevel>(
      "host_memory", Json{{"impl", "host_link"}, {"bytes", 256e9}, {"link_bandwidth_GBps", 50}, {"latency_ns", 1000}});
  REQUIRE(host);
  const double done = stream(*host, 0, 64, MiB);
  CHECK(done == doctest::Approx(64.0 * MiB / 50.0 + 1000.0).epsilon(1e-3));
  CHECK(host->traffic().read_bytes == 64.0 * MiB);
  CHECK(host->peak_bandwidth_GBps(132) == 50);
  CHECK(host->capacity_bytes() == 256e9);
  host->reset();
  CHECK(host->traffic().read_bytes == 0);
}

TEST_CASE("a back-to-back stream of large requests achieves channels x channel bandwidth") {
  auto memory = hbm(8, 32, 100);
  const std::uint64_t total = 64 * MiB;
  const double elapsed = stream(*memory, 0, 1024, 64 * KiB);
  // 8 x 32 GB/s = 256 bytes/ns; the latency is paid once at the end.
  CHECK(elapsed == doctest::Approx(static_cast<double>(total) / 256 + 100));
  CHECK(static_cast<double>(total) / elapsed == doctest::Approx(256).epsilon(0.01));
  CHECK(memory->stats().value("requests") == 1024);
  CHECK(memory->stats().value("read_bytes") == static_cast<double>(total));
  CHECK(memory->stats().value("write_bytes") == 0);
}

TEST_CASE("two concurrent streams each get half the bandwidth") {
  auto memory = hbm(8, 32, 100);
  double last_a = 0, last_b = 0;
  const std::uint64_t b_base = 1ull << 30;
  for (std::uint64_t i = 0; i < 512; ++i) {
    last_a = std::max(last_a, memory->access(read(i * 64 * KiB, 64 * KiB), 0));
    last_b = std::max(last_b, memory->access(read(b_base + i * 64 * KiB, 64 * KiB), 0));
  }
  const double each = 512.0 * 64 * KiB;
  CHECK(each / last_a == doctest::Approx(128).epsilon(0.01));
  CHECK(each / last_b == doctest::Approx(128).epsilon(0.01));
}

TEST_CASE("a request confined to one channel gets one channel's bandwidth") {
  auto memory = hbm(8, 32, 0, {{"burst_bytes", 4096}});
  // One aligned burst lives on one channel: 4096 bytes at 32 bytes/ns.
  CHECK(memory->access(read(0, 4096), 0) == doctest::Approx(4096.0 / 32));
  memory->reset();
  // Eight bursts spread over the eight channels in the same time.
  CHECK(memory->access(read(0, 8 * 4096), 0) == doctest::Approx(4096.0 / 32));
}

TEST_CASE("requests are rounded up to the whole bursts they touch") {
  auto memory = hbm(8, 32, 0, {{"burst_bytes", 4096}});
  // 4096 bytes from address 2048 touch bursts 0 and 1, on channels 0 and 1: 4096 bytes on each.
  CHECK(memory->access(read(2048, 4096), 0) == doctest::Approx(4096.0 / 32));
  CHECK(memory->stats().value("read_bytes") == 4096);
  CHECK(memory->stats().value("transferred_bytes") == 8192);
  CHECK(memory->stats().value("channel_busy_ns") == doctest::Approx(2 * 4096.0 / 32));
}

TEST_CASE("bursts interleave round-robin from the channel of the first burst") {
  auto memory = hbm(4, 64, 0);
  // Bursts 3..12 of 64 bytes land on channels 3,0,1,2,3,0,1,2,3,0: three on channels 3 and 0, two on 1 and 2.
  CHECK(memory->access(read(3 * 64, 10 * 64), 0) == doctest::Approx(3 * 64.0 / 64));
  // A burst on channel 1 queues behind that channel's two; one on channel 3 behind its three.
  CHECK(memory->access(read(1 * 64, 64), 0) == doctest::Approx(3.0));
  CHECK(memory->access(read(3 * 64, 64), 0) == doctest::Approx(4.0));
}

TEST_CASE("latency is added once per request, not once per channel or per queued request") {
  auto memory = hbm(4, 16, 500);
  // 4096 bytes = 64 bursts, 16 per channel: 1024 bytes at 16 bytes/ns = 64 ns, plus 500 ns.
  CHECK(memory->access(read(0, 4096), 0) == doctest::Approx(64 + 500));
  memory->reset();
  // Ten such requests at once pipeline: the transfers queue, the latencies overlap.
  CHECK(stream(*memory, 0, 10, 4096) == doctest::Approx(10 * 64 + 500));
  CHECK(memory->stats().value("access_ns") ==
        doctest::Approx(500 * 10 + 64 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10)));
}

TEST_CASE("requests arriving out of time order still see contention") {
  // One channel of 10 bytes/ns. 1000 bytes issued at 50 ns are booked first, then 2000 bytes issued at 0 ns:
  // alone they would end at 150 and 200 ns; sharing the channel, all 3000 bytes take 300 ns whatever the order.
  auto memory = hbm(1, 10, 0, {{"burst_bytes", 8}});
  const double late = memory->access(read(0, 1000), 50);
  const double early = memory->access(read(1 << 20, 2000), 0);
  CHECK(std::max(late, early) == doctest::Approx(300));
  CHECK(early > 200);
  CHECK(late >= 150);
}

TEST_CASE("a request booked after a later one is not pushed behind it when the channel is free") {
  // The first booking is at 1000 ns; a later-booked request at 0 ns finds the channel free then.
  auto memory = hbm(1, 10, 0, {{"burst_bytes", 8}});
  CHECK(memory->access(read(0, 1000), 1000) == doctest::Approx(1100));
  CHECK(memory->access(read(4096, 1000), 0) == doctest::Approx(100));
}

TEST_CASE("doubling the channel bandwidth halves the time of a long stream") {
  auto slow = hbm(4, 32, 100);
  auto fast = hbm(4, 64, 100);
  const double slow_ns = stream(*slow, 0, 1024, 16 * KiB);
  const double fast_ns = stream(*fast, 0, 1024, 16 * KiB);
  CHECK(fast_ns / slow_ns == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("queue_depth bounds throughput when latency dominates") {
  // One channel of 64 bytes/ns and 1000 ns latency; one-burst requests (1 ns each). With queue depth D, request
  // n starts when request n - D completes, so 4 D requests issued at once take 4 rounds of (latency + transfer)
  // plus the D - 1 transfers by which the last of a round trails the first: (D + 3) ns + 4 x 1000 ns.
  // Little's law: throughput is D x 64 bytes per (1000 + 1) ns, far below 64 bytes/ns. Slots are counted per
  // window, so a 1 ns window makes the count exact here.
  for (int depth : {4, 8}) {
    CAPTURE(depth);
    auto memory = hbm(1, 64, 1000, {{"queue_depth", depth}, {"window_ns", 1}});
    const int count = 4 * depth;
    const double elapsed = stream(*memory, 0, count, 64);
    CHECK(elapsed == doctest::Approx((depth + 3) + 4 * 1000.0));
    CHECK(count * 64.0 / elapsed == doctest::Approx(depth * 64.0 / 1001).epsilon(0.01));
    CHECK(memory->stats().value("queue_stall_ns") > 0);
  }
}

TEST_CASE("with the default window the queue bound holds within a window per round") {
  auto memory = hbm(1, 64, 1000, {{"queue_depth", 4}});
  const double elapsed = stream(*memory, 0, 16, 64);
  // Exact: 4007 ns (above); each of the 3 later rounds may start up to one 20 ns window late.
  CHECK(elapsed >= 4007);
  CHECK(elapsed <= 4007 + 3 * 20);
}

TEST_CASE("a request arriving out of time order does not queue behind later requests") {
  // Queue depth 1: a request at 5000 ns holds the only slot until 6001 ns; one issued at 0 ns but booked after
  // it finds the slot free at 0 ns.
  auto memory = hbm(1, 64, 1000, {{"queue_depth", 1}});
  CHECK(memory->access(read(0, 64), 5000) == doctest::Approx(6001));
  CHECK(memory->access(read(64, 64), 0) == doctest::Approx(1001));
  // A third request at 5500 ns waits for the slot held until 6001 ns.
  CHECK(memory->access(read(128, 64), 5500) >= 6001 + 1000);
}

TEST_CASE("reset forgets the channels' bookings and zeroes the statistics") {
  auto memory = hbm(2, 16, 10);
  const double first = memory->access(read(0, 4096), 0);
  memory->access(read(0, 4096), 0);
  memory->reset();
  for (double v : memory->stats().values()) CHECK(v == 0);
  CHECK(memory->access(read(0, 4096), 0) == first);
}

TEST_CASE("hbm config errors are reported with file and pointer") {
  CHECK_THROWS_WITH_AS(hbm(0, 32, 100), "hw.json: /memory/channels: must be >= 1 (got 0)", core::ConfigError);
  CHECK_THROWS_WITH_AS(hbm(8, 32, 100, {{"chanels", 8}}),
                       "hw.json: /memory/chanels: unknown key 'chanels' (did you mean 'channels'?)", core::ConfigError);
  CHECK_THROWS_WITH_AS(
      build<MemoryLevel>("memory", Json{{"impl", "hbm"}, {"bytes", 16e9}, {"channels", 8}, {"latency_ns", 1}}),
      doctest::Contains("hw.json: /memory/channel_bandwidth_GBps: missing required key"), core::ConfigError);
}

// --- L2 tile cache ------------------------------------------------------------------------------------------

namespace {
struct CachedSystem {
  std::unique_ptr<MemoryLevel> l2;
  std::unique_ptr<RecordingMemory> next = std::make_unique<RecordingMemory>(1000);
};

// An L2 of 100 bytes/ns and 10 ns latency in front of a 1000 ns memory.
CachedSystem cached(std::int64_t capacity_bytes) {
  CachedSystem s;
  s.l2 = build<MemoryLevel>(
      "l2", Json{{"impl", "tile_cache"}, {"bytes", capacity_bytes}, {"bandwidth_GBps", 100}, {"latency_ns", 10}});
  s.l2->bind_next(s.next.get());
  return s;
}
}  // namespace

TEST_CASE("the second read of a tile hits, at L2 bandwidth, without reaching the next level") {
  CachedSystem s = cached(1 * MiB);
  // Miss: the next level delivers at 1000 ns; the 10000 bytes cross the L2 in 100 ns meanwhile; + 10 ns.
  CHECK(s.l2->access(read(0, 10000, 7), 0) == doctest::Approx(1000 + 10));
  CHECK(s.next->bytes == 10000);
  // Hit: 10000 bytes at 100 bytes/ns + 10 ns.
  CHECK(s.l2->access(read(0, 10000, 7), 2000) == doctest::Approx(2000 + 100 + 10));
  CHECK(s.next->bytes == 10000);
  CHECK(s.l2->stats().value("hits") == 1);
  CHECK(s.l2->stats().value("misses") == 1);
  CHECK(s.l2->stats().value("hit_bytes") == 10000);
  CHECK(s.l2->stats().value("miss_bytes") == 10000);
}

TEST_CASE("hits share the L2 bandwidth") {
  CachedSystem s = cached(1 * MiB);
  s.l2->access(read(0, 10000, 7), 0);
  // Two hits issued together: 20000 bytes at 100 bytes/ns.
  const double a = s.l2->access(read(0, 10000, 7), 5000);
  const double b = s.l2->access(read(0, 10000, 7), 5000);
  CHECK(std::max(a, b) == doctest::Approx(5000 + 200 + 10));
}

TEST_CASE("a read of a tile still being filled waits for the fill instead of going to memory") {
  CachedSystem s = cached(1 * MiB);
  s.l2->access(read(0, 1000, 7), 0);
  CHECK(s.l2->access(read(0, 1000, 7), 20) == doctest::Approx(1000 + 10));
  CHECK(s.next->seen.size() == 1);
}

TEST_CASE("a read issued before a fill that a core running ahead booked waits the fill's duration, not its end") {
  CachedSystem s = cached(1 * MiB);
  // A core running ahead in simulated time books the fill at 50000 ns (done 51000); another core then reads the
  // same tile at 0 ns. It was the first to ask: it waits as long as the fill took from its own issue time.
  s.l2->access(read(0, 1000, 7), 50000);
  CHECK(s.l2->access(read(0, 1000, 7), 0) == doctest::Approx(1000 + 10));
  CHECK(s.next->seen.size() == 1);
  CHECK(s.l2->stats().value("misses") == 1);
}

TEST_CASE("LRU evicts the least recently used tile when the capacity is exceeded") {
  CachedSystem s = cached(2000);  // two 1000-byte tiles
  const std::uint64_t A = 1, B = 2, C = 3;
  for (std::uint64_t tile : {A, B, A, C}) s.l2->access(read(tile * 4096, 1000, tile), 0);
  CHECK(s.l2->stats().value("hits") == 1);
  CHECK(s.l2->stats().value("evictions") == 1);
  // C evicted B, the least recently used, not A.
  const std::size_t before = s.next->seen.size();
  s.l2->access(read(A * 4096, 1000, A), 5000);
  CHECK(s.next->seen.size() == before);
  s.l2->access(read(B * 4096, 1000, B), 6000);
  CHECK(s.next->seen.size() == before + 1);
  CHECK(s.l2->stats().value("hits") == 2);
  CHECK(s.l2->stats().value("misses") == 4);
  CHECK(s.l2->stats().value("evicted_bytes") == 2000);
}

TEST_CASE("a tile larger than the L2 is never kept") {
  CachedSystem s = cached(2000);
  s.l2->access(read(0, 3000, 9), 0);
  s.l2->access(read(0, 3000, 9), 5000);
  CHECK(s.l2->stats().value("misses") == 2);
  CHECK(s.next->bytes == 6000);
}

TEST_CASE("reads without a tile id bypass the cache but pass its bandwidth") {
  CachedSystem s = cached(1 * MiB);
  s.l2->access(read(0, 10000), 0);
  s.l2->access(read(0, 10000), 5000);
  CHECK(s.next->bytes == 20000);
  CHECK(s.l2->stats().value("bypass_bytes") == 20000);
  CHECK(s.l2->stats().value("hits") == 0);
  CHECK(s.l2->stats().value("misses") == 0);
  // A stream slower through the L2 than from the next level is paced by the L2: 200000 bytes take 2000 ns.
  CHECK(s.l2->access(read(0, 200000), 10000) == doctest::Approx(10000 + 2000 + 10));
}

TEST_CASE("writes go through to the next level without allocating") {
  CachedSystem s = cached(1 * MiB);
  CHECK(s.l2->access(write(0, 1000, 5), 0) == doctest::Approx(1000 + 10));
  CHECK(s.next->seen.size() == 1);
  CHECK(s.next->seen[0].write);
  s.l2->access(read(0, 1000, 5), 2000);
  CHECK(s.l2->stats().value("misses") == 1);
  CHECK(s.l2->stats().value("write_bytes") == 1000);
  CHECK(s.next->bytes == 2000);
}

TEST_CASE("reset forgets the cached tiles and zeroes the statistics") {
  CachedSystem s = cached(1 * MiB);
  s.l2->access(read(0, 1000, 5), 0);
  s.l2->reset();
  for (double v : s.l2->stats().values()) CHECK(v == 0);
  s.l2->access(read(0, 1000, 5), 0);
  CHECK(s.l2->stats().value("misses") == 1);
  CHECK(s.next->seen.size() == 2);
}

TEST_CASE("an L2 without a next level refuses a miss") {
  auto l2 = build<MemoryLevel>(
      "l2", Json{{"impl", "tile_cache"}, {"bytes", 1000}, {"bandwidth_GBps", 100}, {"latency_ns", 10}});
  CHECK_THROWS_AS(l2->access(read(0, 100, 1), 0), std::logic_error);
}

TEST_CASE("l2 config errors are reported with file and pointer") {
  CHECK_THROWS_WITH_AS(
      build<MemoryLevel>("l2", Json{{"impl", "tile_cache"}, {"bytes", 0}, {"bandwidth_GBps", 100}, {"latency_ns", 1}}),
      "hw.json: /l2/bytes: must be >= 1 (got 0)", core::ConfigError);
}

// --- DMA ----------------------------------------------------------------------------------------------------

namespace {
std::unique_ptr<hw::Dma> dma(int outstanding, int max_transfer_bytes) {
  return build<hw::Dma>(
      "dma", Json{{"impl", "bounded"}, {"outstanding", outstanding}, {"max_transfer_bytes", max_transfer_bytes}});
}
}  // namespace

TEST_CASE("a DMA transfer is cut into pieces of at most max_transfer_bytes at advancing addresses") {
  auto engine = dma(16, 1000);
  RecordingMemory memory(100);
  CHECK(engine->transfer(read(5000, 2500), 0, memory) == doctest::Approx(100));
  REQUIRE(memory.seen.size() == 3);
  CHECK(memory.seen[0].address == 5000);
  CHECK(memory.seen[1].address == 6000);
  CHECK(memory.seen[2].address == 7000);
  CHECK(memory.seen[2].bytes == 500);
  CHECK(engine->stats().value("requests") == 3);
  CHECK(engine->stats().value("bytes") == 2500);
  CHECK(engine->stats().value("transfers") == 1);
}

TEST_CASE("a DMA transfer of a tile is issued whole so the L2 caches the tile whole") {
  auto engine = dma(16, 1000);
  RecordingMemory memory(100);
  engine->transfer(read(0, 2500, 42), 0, memory);
  REQUIRE(memory.seen.size() == 1);
  CHECK(memory.seen[0].bytes == 2500);
  CHECK(memory.seen[0].tile_id == 42);
}

TEST_CASE("the DMA outstanding limit stalls the piece after the limit until a slot frees") {
  auto engine = dma(2, 1000);
  RecordingMemory memory(100);
  // Pieces 1 and 2 go at 0 and complete at 100; piece 3 waits for a slot until 100 and completes at 200.
  CHECK(engine->transfer(read(0, 3000), 0, memory) == doctest::Approx(200));
  REQUIRE(memory.issued_ns.size() == 3);
  CHECK(memory.issued_ns[0] == 0);
  CHECK(memory.issued_ns[1] == 0);
  CHECK(memory.issued_ns[2] == doctest::Approx(100));
  CHECK(engine->stats().value("stall_ns") == doctest::Approx(100));
  // In-flight pieces of the previous transfer keep their slots: a transfer at 150 waits for piece 3 (200).
  engine->transfer(read(0, 2000), 150, memory);
  CHECK(memory.issued_ns[3] == doctest::Approx(150));
  CHECK(memory.issued_ns[4] == doctest::Approx(200));
  engine->reset();
  for (double v : engine->stats().values()) CHECK(v == 0);
}

TEST_CASE("one outstanding DMA request exposes the memory latency, enough of them reach the peak bandwidth") {
  // HBM of 4 x 16 = 64 bytes/ns and 1000 ns latency; 64 pieces of 4096 bytes (64 ns each on the channels).
  const std::uint64_t total = 64 * 4096;
  auto memory = hbm(4, 16, 1000);
  auto serial = dma(1, 4096);
  CHECK(serial->transfer(read(0, total), 0, *memory) == doctest::Approx(64 * (64 + 1000.0)));
  memory->reset();
  // 32 in flight x 4096 bytes / 1064 ns = 123 bytes/ns > 64: bandwidth-bound, the latency is paid once.
  auto wide = dma(32, 4096);
  CHECK(wide->transfer(read(0, total), 0, *memory) == doctest::Approx(total / 64.0 + 1000));
}

TEST_CASE("dma config errors are reported with file and pointer") {
  CHECK_THROWS_WITH_AS(dma(0, 1000), "hw.json: /dma/outstanding: must be >= 1 (got 0)", core::ConfigError);
}
