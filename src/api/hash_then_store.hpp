#pragma once
// The two phases of a request that hashes a password (signup, login, password
// change, the admin API's user and password calls): argon2id on the hashing
// lane, then the writes on the database lane, so that a hashing thread never
// waits for a commit.
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "auth/errors.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::api {

// `hash()` (returning auth::Expected<T>, no writes) on the hashing lane, then
// `store(T)` (returning auth::Expected<U>) on the database lane. A full queue
// on either lane is AuthError::unavailable (503 + Retry-After).
template <class Hash, class Store>
auto hash_then_store(WorkerPool& pool, Hash hash, Store store)
    -> boost::asio::awaitable<std::invoke_result_t<Store, typename std::invoke_result_t<Hash>::value_type>> {
  using Result = std::invoke_result_t<Store, typename std::invoke_result_t<Hash>::value_type>;
  auto first = co_await pool.run_hashing(std::move(hash));
  if (!first) co_return Result(tl::unexpected(auth::AuthError::unavailable));
  if (!*first) co_return Result(tl::unexpected(first->error()));
  auto second = co_await pool.run([&] { return store(std::move(**first)); });
  if (!second) co_return Result(tl::unexpected(auth::AuthError::unavailable));
  co_return std::move(*second);
}

}  // namespace latchkey::api
