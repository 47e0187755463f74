#include "oidc/grants/grants.hpp"

#include <algorithm>

namespace latchkey::oidc {

std::vector<std::string> scope_list(std::string_view scope) {
  std::vector<std::string> out;
  while (!scope.empty()) {
    const std::size_t sp = scope.find(' ');
    std::string_view one = scope.substr(0, sp);
    if (!one.empty() && std::find(out.begin(), out.end(), one) == out.end()) out.emplace_back(one);
    scope = sp == std::string_view::npos ? std::string_view{} : scope.substr(sp + 1);
  }
  return out;
}

bool has_scope(std::string_view scope, std::string_view one) {
  const auto all = scope_list(scope);
  return std::find(all.begin(), all.end(), one) != all.end();
}

}  // namespace latchkey::oidc
