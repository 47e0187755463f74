#pragma once
// LimitStore on PostgreSQL, where instances share their counters. Each event
// is one upsert whose SET computes store::hit in SQL, so concurrent events
// on one key from any number of instances serialise on its row and none is
// lost; the events of one call (and a check's reads) go in one statement,
// one round trip.
#include <array>
#include <string>

#include "store/limit_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresLimits final : public LimitStore {
 public:
  explicit PostgresLimits(PgPool& pool);

  Result<std::vector<std::optional<LimitCounter>>> hit(std::span<const LimitEvent> events, UnixSeconds now) override;
  Result<Admission> admit(std::span<const LimitEvent> bumps, std::span<const LimitKey> keys, UnixSeconds now) override;
  Result<std::vector<LimitRow>> locked(const LimitFilter& filter, UnixSeconds now) override;
  Result<std::size_t> clear(const LimitFilter& filter) override;
  Result<std::size_t> prune(UnixSeconds before, UnixSeconds now) override;

  // Most events in one statement of hit: more are split.
  static constexpr std::size_t kMaxPerCall = 4;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
  // Statement texts by size, made once: hits_[n-1] applies n events;
  // admits_[b][n] makes b bumps and reads n keys.
  using AdmitTable = std::array<std::array<std::string, kMaxAdmitReads + 1>, kMaxAdmitBumps + 1>;
  std::array<std::string, kMaxPerCall> hits_;
  std::array<std::string, kMaxPerCall> hit_names_;
  AdmitTable admits_;
  AdmitTable admit_names_;
};

}  // namespace latchkey::store::postgres
