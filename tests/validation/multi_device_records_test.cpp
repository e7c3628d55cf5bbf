// The multi-device runners' records: nccl-tests' bus-bandwidth factors and the fields the joins read.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "validation/host/multi_device_records.hpp"

using namespace cascadesim::validation;
using cascadesim::models::Collective;

TEST_CASE("validation: bus bandwidth factors follow nccl-tests' PERFORMANCE.md") {
  CHECK(bus_bandwidth_factor(Collective::all_reduce, 8) == doctest::Approx(1.75));
  CHECK(bus_bandwidth_factor(Collective::all_reduce, 1) == 0.0);
  CHECK(bus_bandwidth_factor(Collective::all_gather, 4) == doctest::Approx(0.75));
  CHECK(bus_bandwidth_factor(Collective::reduce_scatter, 2) == doctest::Approx(0.5));
  CHECK(bus_bandwidth_factor(Collective::send_recv, 8) == 1.0);
  CHECK_THROWS_AS(bus_bandwidth_factor(Collective::all_to_all, 8), std::invalid_argument);
  CHECK_THROWS_AS(bus_bandwidth_factor(Collective::all_reduce, 0), std::invalid_argument);
}

TEST_CASE("validation: a collective record carries algbw and busbw from its median") {
  CollectiveMeasurement m;
  m.collective = Collective::all_reduce;
  m.bytes = 1e9;
  m.ranks = 8;
  m.nccl_version = "2.28.9";
  m.time = {10.0, 9.0, 12.0};
  DeviceInfo device;
  device.name = "NVIDIA H100 80GB HBM3";
  device.sm_clock_kHz = 1980000;
  const auto j = nlohmann::json::parse(collective_record_json(m, device));
  CHECK(j["collective"] == "all_reduce");
  CHECK(j["ranks"] == 8);
  CHECK(j["algbw_GBps"].get<double>() == doctest::Approx(100.0));  // 1e9 bytes in 10 ms
  CHECK(j["busbw_GBps"].get<double>() == doctest::Approx(175.0));
  CHECK(j["p90_ms"].get<double>() == 12.0);
  CHECK(j["device"]["sm_clock_kHz"] == 1980000);
  CHECK(j["device"]["name"] == "NVIDIA H100 80GB HBM3");
}

TEST_CASE("validation: a ring record carries the plan parameters and the speedup over one device") {
  RingMeasurement m;
  m.variant = "zigzag-bidirectional";
  m.kv_fetch = "rotate";
  m.transport = "nccl";
  m.devices = 4;
  m.seq_len = 131072;
  m.reserved_sms = 8;
  m.single_device_ms = 80.0;
  m.time = {25.0, 24.0, 26.0};
  const auto j = nlohmann::json::parse(ring_record_json(m, DeviceInfo{}));
  CHECK(j["context"] == "zigzag-bidirectional");
  CHECK(j["kv_fetch"] == "rotate");
  CHECK(j["devices"] == 4);
  CHECK(j["seq_len"] == 131072);
  CHECK(j["reserved_sms"] == 8);
  CHECK(j["speedup"].get<double>() == doctest::Approx(3.2));
  m.single_device_ms = 0;  // not measured: no speedup claimed
  CHECK(nlohmann::json::parse(ring_record_json(m, DeviceInfo{}))["speedup"].get<double>() == 0.0);
}

TEST_CASE("validation: the records document holds every record in order") {
  const auto j = nlohmann::json::parse(records_document({"{\"a\": 1}", "{\"a\": 2}"}));
  CHECK(j["schema_version"] == 1);
  REQUIRE(j["records"].size() == 2);
  CHECK(j["records"][1]["a"] == 2);
  CHECK(nlohmann::json::parse(records_document({}))["records"].empty());
}
