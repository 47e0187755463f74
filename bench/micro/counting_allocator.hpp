#pragma once
// Allocation counters for the micro benchmarks. counting_allocator.cpp
// replaces the global operator new/delete (every sized, aligned and nothrow
// variant) and OpenSSL's allocator (CRYPTO_set_mem_functions), so both C++
// and OpenSSL heap traffic are seen. Counters are per thread: a benchmark
// sees only what its own thread allocates. Plain malloc calls from other C
// libraries (SQLite, libsodium) are not counted.
#include <cstddef>
#include <cstdint>

namespace latchkey::bench {

struct AllocCounts {
  std::uint64_t news = 0;        // operator new calls
  std::uint64_t new_bytes = 0;   // bytes asked of operator new
  std::uint64_t ossl = 0;        // OpenSSL malloc/realloc calls
  std::uint64_t ossl_bytes = 0;  // bytes asked by OpenSSL
  // Heap held right now, as glibc chunks (usable size + 8-byte header),
  // allocations minus frees; may go negative on a thread that frees what
  // another allocated.
  std::int64_t live_bytes = 0;

  std::uint64_t allocs() const { return news + ossl; }
  std::uint64_t bytes() const { return new_bytes + ossl_bytes; }
};

// This thread's counters since it started.
AllocCounts alloc_counts();

// Routes OpenSSL's allocations through the counters. Call first thing in
// main, before OpenSSL allocates anything; false if it was too late.
bool count_openssl_allocations();

// The difference of two snapshots (after - before).
AllocCounts operator-(const AllocCounts& after, const AllocCounts& before);

}  // namespace latchkey::bench
