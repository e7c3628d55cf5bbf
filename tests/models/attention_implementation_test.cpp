// The attention implementations' occupancy: resident units per core from shared memory, registers and threads,
// against the figures Nsight Compute reported for the validation kernels.
#include <doctest/doctest.h>

#include "models/dataflow/attention_implementation.hpp"
#include "models/dataflow/kernel.hpp"
#include "models/kernel_families.hpp"

using namespace cascadesim::models::dataflow;

namespace {
// An H100 SM (CUDA C++ Programming Guide, compute capability 9.0).
const CoreLimits h100_sm{233472, 65536, 2048, 32};

const AttentionImplementation& named(const char* name) {
  const std::int64_t index = attention_implementation_index(name);
  REQUIRE(index >= 0);
  return attention_implementation(index);
}
}  // namespace

TEST_CASE("every implementation is listed under its name, the machine's own dataflow first") {
  REQUIRE(attention_implementations().size() == attention_implementation_names.size());
  CHECK(attention_implementations()[0].name == "tiled");
  for (std::size_t i = 0; i < attention_implementation_names.size(); ++i)
    CHECK(attention_implementation_index(attention_implementation_names[i]) == static_cast<std::int64_t>(i));
  CHECK(attention_implementation_index("fa4-style") == -1);
}

TEST_CASE("fa2-style keeps two blocks per H100 SM at head_dim 64 (registers bind) and one at 128 (shared memory)") {
  const AttentionImplementation& fa2 = named("fa2-style");
  CHECK(fa2.threads(128) == 256);
  CHECK(resident_units(fa2, h100_sm, 128, 128, 64, 2, 2) == 2);
  CHECK(resident_units(fa2, h100_sm, 128, 128, 128, 2, 2) == 1);
  // 64-row tiles: 4 warps of 128 registers (16,384 a block) bind before shared memory (8 of 28 KB) and threads (16).
  CHECK(resident_units(fa2, h100_sm, 64, 64, 64, 2, 2) == 4);
}

TEST_CASE("fa3-style's shared memory and registers match what Nsight Compute reported: one block per SM") {
  const AttentionImplementation& fa3 = named("fa3-style");
  CHECK(fa3.threads(128) == 384);
  // 197.74 and 132.23 Kbyte (Nsight Compute's kilo is 1000) at head_dim 128 and 64 (reports/measured/h100-fa3),
  // within the barriers' few bytes.
  CHECK(fa3.shared_bytes(128, 128, 128, 2, 2) / 1000 == doctest::Approx(197.74).epsilon(0.005));
  CHECK(fa3.shared_bytes(128, 128, 64, 2, 2) / 1000 == doctest::Approx(132.23).epsilon(0.005));
  // 168 registers per thread on average: 384 x 168 = 64,512 of 65,536.
  CHECK(fa3.registers(128, 128) == 384 * 168);
  CHECK(resident_units(fa3, h100_sm, 128, 128, 128, 2, 2) == 1);
  CHECK(resident_units(fa3, h100_sm, 128, 128, 64, 2, 2) == 1);
  // Its producer loads the next unit while the consumers compute this one: two units in flight per SM.
  CHECK(units_in_flight(fa3, h100_sm, 128, 128, 128, 2, 2) == 2);
  CHECK(units_in_flight(named("fa2-style"), h100_sm, 128, 128, 128, 2, 2) == 1);
}

TEST_CASE("the machine's own dataflow runs one unit per core, and a core that limits nothing else allows max_units") {
  CHECK(resident_units(named("tiled"), h100_sm, 128, 128, 64, 2, 2) == 1);
  const CoreLimits scheduler_only{0, 0, 0, 3};
  CHECK(resident_units(named("fa2-style"), scheduler_only, 128, 128, 64, 2, 2) == 3);
  // A unit that does not fit still runs, alone.
  const CoreLimits tiny{1024, 0, 0, 32};
  CHECK(resident_units(named("fa2-style"), tiny, 128, 128, 64, 2, 2) == 1);
}

TEST_CASE("an attention kernel's family is its implementation's, split-key decode's is decode") {
  for (std::size_t i = 0; i < attention_implementations().size(); ++i) {
    AttentionWork w;
    w.rows = w.tile_tokens = 128;
    w.implementation = static_cast<std::int64_t>(i);
    const Kernel k{"attention", cascadesim::models::Op::attention, 0, cascadesim::models::LayerKind::dense, w};
    CHECK(cascadesim::models::kernel_family_names[kernel_family(k)] == attention_implementations()[i].name);
    w.rows = 1;  // decode: fewer rows than a tile
    const Kernel decode{"attention", cascadesim::models::Op::attention, 0, cascadesim::models::LayerKind::dense, w};
    CHECK(cascadesim::models::kernel_family_names[kernel_family(decode)] == "decode");
  }
}
