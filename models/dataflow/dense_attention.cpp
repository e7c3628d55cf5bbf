// Dense tiled attention, FlashAttention-2 style (Dao 2023, Alg. 1): per query tile, load Q, stream every
// visible K/V tile with the online softmax, write O; causal or not. Double buffering is the engine's: it
// overlaps the next tile's load with this tile's compute as far as the scratchpad allows. Decode packs and
// splits as flash-decoding does (models/dataflow/kernel.hpp).
#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

AttentionWork dense_attention(const TransformerModel& model, const LayerShape& shape, std::uint64_t kv_tensor) {
  const TileGrid grid = layer_tile_grid(shape);
  AttentionWork w;
  w.batch = shape.batch;
  w.heads = model.n_heads;
  w.kv_heads = model.n_kv_heads;
  w.head_dim = model.head_dim;
  w.query_tiles = grid.query_tiles;
  w.key_tiles = grid.key_tiles;
  w.key_tokens = shape.key_tokens;
  w.tile_tokens = shape.tile_tokens;
  w.rows = executed_query_rows(shape);
  w.causal = model.causal;
  w.precision = shape.precision;
  w.kv_tensor = kv_tensor;
  w.implementation = shape.attention_implementation;
  w.host_key_tiles = shape.host_key_tiles;
  if (model.mla()) shape_latent_attention(model, shape, w);
  // Query rows that do not fill a tile (decode) leave room for the other query heads of the K/V head: pack them
  // (FlashAttention-3's pack-GQA, flash-decoding), as many of the group as fill the tile's rows (FlashMLA packs 64
  // of a latent's 128 heads per block); the engine then splits the key tiles to fill the machine.
  const std::int64_t group = w.heads / w.kv_heads;
  for (std::int64_t packed = group; packed > 1; --packed)
    if (group % packed == 0 && w.rows * packed <= w.tile_tokens) {
      w.heads_per_unit = packed;
      break;
    }
  return w;
}

}  // namespace cascadesim::models::dataflow
