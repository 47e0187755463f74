// Replaces the global operator new/delete of the micro-benchmark binary with
// malloc-based versions that count, per thread, calls and bytes (see
// counting_allocator.hpp). Only linked into latchkey_micro.
#include "counting_allocator.hpp"

#include <malloc.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <new>

namespace latchkey::bench {
namespace {

// Trivially constructed thread_local: touching it never allocates.
thread_local AllocCounts counts;

// What glibc really takes for a block: its usable size plus the size field.
std::int64_t chunk_bytes(void* p) {
  return p ? static_cast<std::int64_t>(malloc_usable_size(p) + sizeof(std::size_t)) : 0;
}

void* counted_new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (p) {
    ++counts.news;
    counts.new_bytes += n;
    counts.live_bytes += chunk_bytes(p);
  }
  return p;
}

void* counted_new_aligned(std::size_t n, std::align_val_t al) {
  const auto a = static_cast<std::size_t>(al);
  std::size_t size = (n + a - 1) / a * a;  // aligned_alloc wants a multiple of the alignment
  if (size == 0) size = a;
  void* p = std::aligned_alloc(a, size);
  if (p) {
    ++counts.news;
    counts.new_bytes += n;
    counts.live_bytes += chunk_bytes(p);
  }
  return p;
}

void counted_delete(void* p) noexcept {
  if (!p) return;
  counts.live_bytes -= chunk_bytes(p);
  std::free(p);
}

void* ossl_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  if (p) {
    ++counts.ossl;
    counts.ossl_bytes += n;
    counts.live_bytes += chunk_bytes(p);
  }
  return p;
}

void* ossl_realloc(void* old, std::size_t n, const char*, int) {
  const std::int64_t before = chunk_bytes(old);
  void* p = std::realloc(old, n);
  if (p) {
    ++counts.ossl;
    counts.ossl_bytes += n;
    counts.live_bytes += chunk_bytes(p) - before;
  } else if (n == 0) {
    counts.live_bytes -= before;  // realloc(p, 0) freed the block
  }
  return p;
}

void ossl_free(void* p, const char*, int) { counted_delete(p); }

}  // namespace

AllocCounts alloc_counts() { return counts; }

bool count_openssl_allocations() {
  return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1;
}

AllocCounts operator-(const AllocCounts& a, const AllocCounts& b) {
  return AllocCounts{a.news - b.news, a.new_bytes - b.new_bytes, a.ossl - b.ossl,
                     a.ossl_bytes - b.ossl_bytes, a.live_bytes - b.live_bytes};
}

}  // namespace latchkey::bench

using latchkey::bench::counted_delete;
using latchkey::bench::counted_new;
using latchkey::bench::counted_new_aligned;

void* operator new(std::size_t n) {
  if (void* p = counted_new(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_new(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_new(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = counted_new_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = counted_new_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_new_aligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_new_aligned(n, a);
}

void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_delete(p);
}
