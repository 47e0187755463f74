// GET /assets/style.css: the pages' stylesheet (built in, or the theme's).
// Pages link it with ?v=<its hash>, so it may be cached for a year: a new
// theme has a new URL.
#include "oidc/endpoints/endpoints.hpp"

namespace latchkey::oidc {

Answer stylesheet(const Provider& p, const http::Request&) {
  http::Response r;
  r.body = std::string(p.pages.css());
  r.content_type = "text/css; charset=utf-8";
  r.cache_control = "public, max-age=31536000, immutable";
  std::string etag(1, '"');
  etag += p.pages.css_version();
  etag += '"';
  r.headers.emplace_back("ETag", std::move(etag));
  co_return r;
}

}  // namespace latchkey::oidc
