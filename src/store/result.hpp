#pragma once
// What every store call returns: a value, or one of four failures. Choosing:
// not_found and conflict are answers about the data (the caller decides what
// they mean); unavailable is "try again later" (503); failed is a bug or a
// damaged database (500, logged).
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::store {

enum class StoreError {
  not_found,    // no such row (or not the caller's)
  conflict,     // a unique value is taken
  unavailable,  // the database cannot be reached or is busy: retry later
  failed,       // anything else: a bug or a damaged database
};

std::string_view describe(StoreError e);

template <class T>
using Result = tl::expected<T, StoreError>;

}  // namespace latchkey::store
