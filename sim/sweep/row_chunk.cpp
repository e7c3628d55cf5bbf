// Row chunks: evaluation of consecutive points into rendered rows, and their byte form.
#include "sim/sweep/row_chunk.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace cascadesim::sim::sweep {

void RowChunk::clear() {
  csv.clear();
  jsonl.clear();
  csv_ends.clear();
  objectives.clear();
  ok.clear();
  invalid = excluded = 0;
}

ChunkEvaluator::ChunkEvaluator(const SweepSpec& spec, const RowFormatter& formatter, const PointSpace& space,
                               bool with_objectives)
    : formatter_(formatter),
      space_(space),
      with_objectives_(with_objectives),
      evaluator_(spec),
      digits_(spec.axes.size()) {}

void ChunkEvaluator::evaluate(std::uint64_t begin, std::uint64_t end, RowChunk& chunk) {
  chunk.clear();
  space_.digits(begin, digits_);
  for (std::uint64_t index = begin; index < end; ++index) {
    if (index > begin) space_.advance(digits_);
    evaluator_.evaluate(digits_, result_);
    formatter_.append(index, digits_, result_, chunk.csv, chunk.jsonl);
    chunk.csv_ends.push_back(chunk.csv.size());
    const bool ok = result_.status == PointStatus::ok;
    chunk.ok.push_back(ok);
    chunk.invalid += result_.status == PointStatus::invalid;
    chunk.excluded += result_.status == PointStatus::excluded;
    if (ok && with_objectives_)
      chunk.objectives.insert(chunk.objectives.end(), result_.objectives.begin(), result_.objectives.end());
  }
}

namespace {

void put_u64(std::string& bytes, std::uint64_t v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); }

template <class T>
void put_vector(std::string& bytes, const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  put_u64(bytes, v.size());
  if (!v.empty()) bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

void put_text(std::string& bytes, const std::string& text) {
  put_u64(bytes, text.size());
  bytes += text;
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::uint64_t u64() {
    std::uint64_t v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  template <class T>
  void vector(std::vector<T>& v) {
    const std::uint64_t n = u64();
    if (n > bytes_.size() / sizeof(T)) malformed();
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));  // an empty vector's data() may be null
  }
  void text(std::string& text) {
    const std::uint64_t n = u64();
    if (n > bytes_.size()) malformed();
    text.assign(take(n), n);
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  [[noreturn]] static void malformed() { throw std::runtime_error("a sweep worker sent a malformed chunk"); }
  const char* take(std::size_t n) {
    if (n > bytes_.size() - at_) malformed();
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  std::string_view bytes_;
  std::size_t at_ = 0;
};

}  // namespace

void append_chunk_bytes(const RowChunk& chunk, std::string& bytes) {
  put_text(bytes, chunk.csv);
  put_text(bytes, chunk.jsonl);
  put_vector(bytes, chunk.csv_ends);
  put_vector(bytes, chunk.objectives);
  put_vector(bytes, chunk.ok);
  put_u64(bytes, chunk.invalid);
  put_u64(bytes, chunk.excluded);
}

void read_chunk_bytes(std::string_view bytes, RowChunk& chunk) {
  Reader r(bytes);
  r.text(chunk.csv);
  r.text(chunk.jsonl);
  r.vector(chunk.csv_ends);
  r.vector(chunk.objectives);
  r.vector(chunk.ok);
  chunk.invalid = r.u64();
  chunk.excluded = r.u64();
  if (!r.done() || chunk.csv_ends.size() != chunk.ok.size())
    throw std::runtime_error("a sweep worker sent a malformed chunk");
}

}  // namespace cascadesim::sim::sweep
