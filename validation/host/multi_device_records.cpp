// Records of the multi-device runners.
#include "validation/host/multi_device_records.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace cascadesim::validation {

namespace {
using nlohmann::ordered_json;

void put_times(ordered_json& j, const TimingSummary& t) {
  j["median_ms"] = t.median_ms;
  j["p10_ms"] = t.p10_ms;
  j["p90_ms"] = t.p90_ms;
}
}  // namespace

std::string records_document(const std::vector<std::string>& records) {
  std::string text = "{\"schema_version\": 1, \"records\": [\n";
  for (std::size_t i = 0; i < records.size(); ++i) text += records[i] + (i + 1 < records.size() ? ",\n" : "\n");
  return text + "]}\n";
}

double bus_bandwidth_factor(models::Collective collective, int ranks) {
  if (ranks < 1) throw std::invalid_argument("bus_bandwidth_factor: ranks must be >= 1");
  const double n = ranks;
  switch (collective) {
    case models::Collective::all_reduce:
      return 2.0 * (n - 1) / n;
    case models::Collective::all_gather:
    case models::Collective::reduce_scatter:
      return (n - 1) / n;
    case models::Collective::send_recv:
      return 1.0;
    case models::Collective::all_to_all:
      break;
  }
  throw std::invalid_argument("bus_bandwidth_factor: all-to-all is not measured");
}

std::string collective_record_json(const CollectiveMeasurement& m, const DeviceInfo& device) {
  ordered_json j;
  j["implementation"] = "nccl";
  j["collective"] = std::string(models::to_string(m.collective));
  j["bytes"] = m.bytes;
  j["ranks"] = m.ranks;
  put_times(j, m.time);
  const double algbw_GBps = m.time.median_ms > 0 ? m.bytes / (m.time.median_ms * 1e-3) / 1e9 : 0.0;
  j["algbw_GBps"] = algbw_GBps;
  j["busbw_GBps"] = algbw_GBps * bus_bandwidth_factor(m.collective, m.ranks);
  j["nccl_version"] = m.nccl_version;
  j["device"] = ordered_json::parse(device_json_text(device));
  return j.dump();
}

std::string ring_record_json(const RingMeasurement& m, const DeviceInfo& device) {
  ordered_json j;
  j["implementation"] = "fa3-style";
  j["kernel"] = "ring_attention";
  j["context"] = m.variant;
  j["kv_fetch"] = m.kv_fetch;
  j["transport"] = m.transport;
  j["devices"] = m.devices;
  j["batch"] = m.batch;
  j["heads"] = m.heads;
  j["kv_heads"] = m.kv_heads;
  j["seq_len"] = m.seq_len;
  j["head_dim"] = m.head_dim;
  j["causal"] = true;
  j["top_k"] = m.top_k;
  j["executed_blocks"] = m.executed_blocks;
  j["flop_count"] = m.flop_count;
  j["sent_bytes_max"] = m.sent_bytes_max;
  j["reserved_sms"] = m.reserved_sms;
  put_times(j, m.time);
  j["single_device_ms"] = m.single_device_ms;
  j["speedup"] = m.single_device_ms > 0 && m.time.median_ms > 0 ? m.single_device_ms / m.time.median_ms : 0.0;
  j["device"] = ordered_json::parse(device_json_text(device));
  return j.dump();
}

}  // namespace cascadesim::validation
