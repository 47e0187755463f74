#include "store/store.hpp"

namespace latchkey::store {

std::string_view describe(StoreError e) {
  switch (e) {
    case StoreError::not_found: return "not found";
    case StoreError::conflict: return "conflict";
    case StoreError::unavailable: return "database unavailable";
    case StoreError::failed: return "database error";
  }
  return "database error";
}

std::string_view reason_name(EndReason r) {
  switch (r) {
    case EndReason::logout: return "logout";
    case EndReason::logout_all: return "logout_all";
    case EndReason::logout_others: return "logout_others";
    case EndReason::password_change: return "password_change";
    case EndReason::reuse_detected: return "reuse_detected";
    case EndReason::session_limit: return "session_limit";
    case EndReason::revoked: return "revoked";
    case EndReason::admin: return "admin";
    case EndReason::user_disabled: return "user_disabled";
    case EndReason::user_deleted: return "user_deleted";
    case EndReason::password_reset: return "password_reset";
    case EndReason::parent_ended: return "sso_logout";  // also spelled out by migration 9's trigger
    case EndReason::code_replayed: return "code_replayed";
  }
  return "logout";
}

}  // namespace latchkey::store
