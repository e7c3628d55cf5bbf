// Field tables: a declaration without a key or target, or a key twice, is caught (the registration macros and
// schemas.cpp static_assert it), and every table the simulator registers declares each parameter once.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/field.hpp"
#include "hw/component_registry.hpp"
#include "models/dataflow/pattern.hpp"
#include "sim/config/schemas.hpp"

using namespace cascadesim;

namespace {
struct ProbeConfig {
  double rate = 1.0;
  std::int64_t count = 2;
  int mode = 0;
};

constexpr std::array<std::string_view, 2> probe_modes{"fast", "slow"};

constexpr core::Field<ProbeConfig> probe_rate{
    .key = "rate", .unit = "GB/s", .doc = "a rate", .min = 0, .min_exclusive = true, .target = &ProbeConfig::rate};
constexpr core::Field<ProbeConfig> probe_count{.key = "count", .doc = "a count", .target = &ProbeConfig::count};
constexpr core::Field<ProbeConfig> probe_mode{
    .key = "mode",
    .doc = "a choice",
    .target =
        core::Choice<ProbeConfig>{probe_modes, [](ProbeConfig& c, std::size_t i) { c.mode = static_cast<int>(i); },
                                  [](const ProbeConfig& c) { return static_cast<std::size_t>(c.mode); }}};

constexpr auto probe_fields = std::to_array<core::Field<ProbeConfig>>({probe_rate, probe_count, probe_mode});
constexpr auto probe_with_empty_entry = std::to_array<core::Field<ProbeConfig>>({probe_rate, {}, probe_mode});
constexpr auto probe_with_key_twice = std::to_array<core::Field<ProbeConfig>>({probe_rate, probe_count, probe_rate});

// Each registered table's keys: none empty, none twice.
void check_param_keys(std::string_view owner, const std::vector<core::ParamInfo>& params) {
  std::set<std::string> seen;
  for (const core::ParamInfo& p : params) {
    INFO(owner, ": '", p.key, "'");
    CHECK(!p.key.empty());
    CHECK(!p.kind.empty());
    CHECK(seen.insert(p.key).second);
  }
}
}  // namespace

static_assert(probe_fields.size() == 3);
static_assert(core::fields_declared<ProbeConfig>(probe_fields));
static_assert(!core::fields_declared<ProbeConfig>(probe_with_empty_entry));

TEST_CASE("a field table with an empty entry, a missing key or target, or a key twice is not declared") {
  CHECK(core::fields_declared<ProbeConfig>(probe_fields));
  CHECK(core::fields_declared<ProbeConfig>(std::span<const core::Field<ProbeConfig>>{}));
  CHECK_FALSE(core::fields_declared<ProbeConfig>(probe_with_empty_entry));
  CHECK_FALSE(core::fields_declared<ProbeConfig>(probe_with_key_twice));

  core::Field<ProbeConfig> no_key = probe_count;
  no_key.key = "";
  CHECK_FALSE(core::field_declared(no_key));
  core::Field<ProbeConfig> null_member = probe_count;
  null_member.target = static_cast<std::int64_t ProbeConfig::*>(nullptr);
  CHECK_FALSE(core::field_declared(null_member));
  core::Field<ProbeConfig> choice_without_getter = probe_mode;
  std::get<core::Choice<ProbeConfig>>(choice_without_getter.target).get = nullptr;
  CHECK_FALSE(core::field_declared(choice_without_getter));
  core::Field<ProbeConfig> choice_without_names = probe_mode;
  std::get<core::Choice<ProbeConfig>>(choice_without_names.target).names = {};
  CHECK_FALSE(core::field_declared(choice_without_names));
}

TEST_CASE("designated entries keep the defaults of the members they leave out") {
  CHECK(probe_count.unit.empty());
  CHECK(probe_count.presence == core::Presence::optional);
  CHECK(probe_count.min == -std::numeric_limits<double>::infinity());
  CHECK(probe_count.max == std::numeric_limits<double>::infinity());
  CHECK_FALSE(probe_count.min_exclusive);
  CHECK(probe_count.text_choices.empty());
  CHECK(probe_rate.unit == "GB/s");
  CHECK(probe_rate.min == 0);
  CHECK(probe_rate.min_exclusive);
}

TEST_CASE("every study section declares each of its fields once, with a key and a target") {
  CHECK(core::fields_declared(sim::hardware_fields()));
  CHECK(core::fields_declared(sim::model_fields()));
  CHECK(core::fields_declared(sim::workload_fields()));
  CHECK(core::fields_declared(sim::cascade_fields()));
  CHECK(core::fields_declared(sim::cascade_stage_fields()));
  CHECK(core::fields_declared(sim::early_exit_fields()));
  CHECK(core::fields_declared(sim::early_exit_point_fields()));
}

TEST_CASE("every registered component and pattern parameter has a key, a kind and no twin") {
  const auto& components = hw::ComponentCatalog::instance().entries();
  CHECK(!components.empty());
  for (const hw::ComponentEntry& e : components) check_param_keys(e.role + "/" + e.name, e.params);
  const auto& patterns = models::dataflow::PatternCatalog::instance().entries();
  CHECK(!patterns.empty());
  for (const auto& e : patterns) check_param_keys("pattern " + e.name, e.params);
}
