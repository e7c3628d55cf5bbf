// The decode-steps block of predict and simulate (/workload/decode): each group of steps, the run's time, tokens/s
// and speedup over dense decode of the full cache.
#pragma once

#include <ostream>

#include "core/config_node.hpp"
#include "models/decode_steps.hpp"

namespace cascadesim::sim {

// The "decode" object of predict's and simulate's JSON; simulated may be null (predict).
core::Json decode_to_json(const models::Study& study, const models::DecodeRun& predicted,
                          const models::DecodeRun* simulated);
void write_decode_table(std::ostream& out, const models::Study& study, const models::DecodeRun& predicted,
                        const models::DecodeRun* simulated);

}  // namespace cascadesim::sim
