// A thread pool that produces numbered chunks on worker threads and consumes them on the calling thread in
// chunk order, through a bounded reorder buffer: at most `window` chunks exist at once, so memory does not
// grow with the number of chunks, and the consumer sees the same sequence whatever the thread count.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace cascadesim::sim::sweep {

namespace detail {

// caller_produces: the calling thread runs producer 0 and a pool thread consumes (for producers whose state must
// stay on the calling thread, such as SystemC's kernel); otherwise the calling thread consumes.
template <class Chunk, class Produce, class Consume>
void run_ordered(std::uint64_t count, unsigned threads, std::size_t window, bool caller_produces, Produce&& produce,
                 Consume&& consume) {
  if (threads <= 1) {
    Chunk chunk;
    for (std::uint64_t c = 0; c < count; ++c) {
      produce(0u, c, chunk);
      consume(static_cast<const Chunk&>(chunk));
    }
    return;
  }
  struct Slot {
    Chunk chunk;
    bool ready = false;
  };
  std::vector<Slot> slots(window);
  std::mutex mutex;
  std::condition_variable work_cv, ready_cv;
  std::uint64_t next = 0, consumed = 0;
  bool stop = false;
  std::exception_ptr error;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard lock(mutex);
    if (!error) error = e;
    stop = true;
    work_cv.notify_all();
    ready_cv.notify_all();
  };

  auto worker = [&](unsigned w) {
    for (;;) {
      std::uint64_t c;
      {
        std::unique_lock lock(mutex);
        // Chunk c may start once chunk c - window, which used the same slot, has been consumed.
        work_cv.wait(lock, [&] { return stop || next >= count || next < consumed + window; });
        if (stop || next >= count) return;
        c = next++;
      }
      Slot& slot = slots[c % window];
      try {
        produce(w, c, slot.chunk);
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      {
        std::lock_guard lock(mutex);
        slot.ready = true;
      }
      ready_cv.notify_one();
    }
  };

  auto consumer = [&] {
    for (std::uint64_t c = 0; c < count; ++c) {
      Slot& slot = slots[c % window];
      {
        std::unique_lock lock(mutex);
        ready_cv.wait(lock, [&] { return stop || slot.ready; });
        if (stop) return;
      }
      try {
        consume(static_cast<const Chunk&>(slot.chunk));
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      {
        std::lock_guard lock(mutex);
        slot.ready = false;
        consumed = c + 1;
      }
      work_cv.notify_all();
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned w = caller_produces ? 1 : 0; w < threads; ++w) pool.emplace_back(worker, w);
  if (caller_produces) {
    pool.emplace_back(consumer);
    worker(0);
  } else {
    consumer();
  }
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace detail

// produce(worker, chunk, Chunk&) fills a chunk (worker in [0, threads): one per thread, for per-thread state);
// consume(const Chunk&) takes them in order 0..count-1. With threads <= 1 both run on the calling thread.
// Contract: the first exception thrown by either stops the pool and is rethrown here after every worker joined;
// chunks are reused, so produce must overwrite a chunk's previous contents.
template <class Chunk, class Produce, class Consume>
void run_ordered(std::uint64_t count, unsigned threads, std::size_t window, Produce&& produce, Consume&& consume) {
  detail::run_ordered<Chunk>(count, threads, window, false, produce, consume);
}

// As run_ordered, but producer 0 runs on the calling thread and the chunks are consumed on a pool thread.
template <class Chunk, class Produce, class Consume>
void run_ordered_caller_produces(std::uint64_t count, unsigned threads, std::size_t window, Produce&& produce,
                                 Consume&& consume) {
  detail::run_ordered<Chunk>(count, threads, window, true, produce, consume);
}

}  // namespace cascadesim::sim::sweep
