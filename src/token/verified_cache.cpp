#include "token/verified_cache.hpp"

#include <cstring>

#include "crypto/digest.hpp"

namespace latchkey::token {

namespace {
// Enough shards that the I/O threads rarely meet on one lock.
constexpr std::size_t kShards = 16;
}  // namespace

std::size_t VerifiedCache::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h;
  std::memcpy(&h, d.data() + 8, sizeof h);  // bytes 0-7 pick the shard
  return h;
}

VerifiedCache::VerifiedCache(std::size_t capacity, UnixSeconds leeway) : leeway_(leeway) {
  if (capacity == 0) return;
  per_shard_ = (capacity + kShards - 1) / kShards;
  shards_.reserve(kShards);
  for (std::size_t i = 0; i < kShards; ++i) {
    auto s = std::make_unique<Shard>();
    s->map.reserve(per_shard_);
    shards_.push_back(std::move(s));
  }
}

VerifiedCache::Digest VerifiedCache::digest(std::string_view jwt) {
  Digest d;
  crypto::sha256_into(jwt, d);
  return d;
}

VerifiedCache::Shard& VerifiedCache::shard_of(const Digest& d) const {
  return *shards_[d[0] % shards_.size()];
}

std::shared_ptr<const VerifiedToken> VerifiedCache::find(std::string_view jwt, UnixSeconds now) const {
  if (shards_.empty()) return nullptr;
  const Digest d = digest(jwt);
  Shard& s = shard_of(d);
  std::lock_guard lock(s.mutex);
  auto it = s.map.find(d);
  if (it == s.map.end()) return nullptr;
  // Expired: let full verification give the answer (it says "expired").
  if (now - leeway_ > it->second->exp) return nullptr;
  return it->second;
}

void VerifiedCache::insert(std::string_view jwt, std::shared_ptr<const VerifiedToken> token) {
  if (shards_.empty()) return;
  const Digest d = digest(jwt);
  Shard& s = shard_of(d);
  std::lock_guard lock(s.mutex);
  if (s.map.contains(d)) return;
  if (s.order.size() < per_shard_) {
    s.order.push_back(d);
  } else {
    s.map.erase(s.order[s.next]);
    s.order[s.next] = d;
    s.next = (s.next + 1) % per_shard_;
  }
  s.map.emplace(d, std::move(token));
}

void VerifiedCache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    s->map.clear();
    s->order.clear();
    s->next = 0;
  }
}

std::size_t VerifiedCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->map.size();
  }
  return n;
}

}  // namespace latchkey::token
