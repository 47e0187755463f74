#include "mfa/qr_svg.hpp"

#include <qrencode.h>

#include <charconv>
#include <memory>


namespace latchkey::mfa {

namespace {

void append_number(std::string& out, int n) {
  char buf[16];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace

std::optional<QrGeometry> qr_geometry(std::string_view text) {
  const std::string data(text);
  // Level M: 15% of the code may be damaged; version chosen by the length.
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString8bit(data.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  if (!qr) return std::nullopt;
  const int n = qr->width, quiet = 4;
  QrGeometry g;
  g.size = n + 2 * quiet;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      if (qr->data[y * n + x] & 1) {
        g.path.push_back('M');
        append_number(g.path, x + quiet);
        g.path.push_back(' ');
        append_number(g.path, y + quiet);
        g.path.append("h1v1h-1z");
      }
  return g;
}

std::optional<std::string> qr_svg(std::string_view text) {
  auto g = qr_geometry(text);
  if (!g) return std::nullopt;
  const std::string dim = std::to_string(g->size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
         "\" width=\"240\" height=\"240\" role=\"img\" shape-rendering=\"crispEdges\"><title>QR code of the "
         "authenticator setup link</title><rect width=\"" + dim + "\" height=\"" + dim +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + g->path + "\"/></svg>";
}

}  // namespace latchkey::mfa
