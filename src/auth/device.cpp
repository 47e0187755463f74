#include "auth/device.hpp"

#include <array>
#include <utility>

namespace latchkey::auth {

namespace {

bool has(std::string_view ua, std::string_view needle) { return ua.find(needle) != std::string_view::npos; }

// Order matters: many browsers also name the engines they imitate.
std::string_view browser(std::string_view ua) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kBrowsers{{
      {"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
      {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"}, {"Chromium/", "Chromium"},
      {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"PostmanRuntime/", "Postman"}, {"MSIE ", "Internet Explorer"},
  }};
  for (const auto& [needle, name] : kBrowsers) {
    if (has(ua, needle)) return name;
  }
  return {};
}

std::string_view os(std::string_view ua) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kSystems{{
      {"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"CrOS", "ChromeOS"},
      {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
      {"FreeBSD", "FreeBSD"},
  }};
  for (const auto& [needle, name] : kSystems) {
    if (has(ua, needle)) return name;
  }
  return {};
}

}  // namespace

std::string describe_device(std::string_view ua) {
  if (ua.empty()) return "Unknown device";
  const std::string_view b = browser(ua);
  const std::string_view o = os(ua);
  if (!b.empty() && !o.empty()) return std::string(b) + " on " + std::string(o);
  if (!b.empty()) return std::string(b);
  if (!o.empty()) return "Unknown browser on " + std::string(o);
  // A tool such as "curl/8.1" or "python-requests/2.28": its product name.
  std::string_view product = ua.substr(0, ua.find_first_of("/ "));
  if (product.size() > 40) product = product.substr(0, 40);
  return product.empty() ? "Unknown device" : std::string(product);
}

}  // namespace latchkey::auth
