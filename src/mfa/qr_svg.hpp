#pragma once
// A QR code as inline SVG, for the TOTP enrolment page (the otpauth:// URI a
// phone scans). Encoded by libqrencode; drawn by us as one <path> of unit
// squares, with the four-module quiet zone the standard asks for, so it
// needs no image request, no script and no data: URI (the page's CSP allows none).
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::mfa {

// The code's modules as one SVG path of unit squares, in a square of
// `size` units (the quiet zone included): what the page templates draw.
struct QrGeometry {
  int size = 0;
  std::string path;
};
std::optional<QrGeometry> qr_geometry(std::string_view text);

// nullopt when the text does not fit a QR code (over ~2,900 bytes). The
// <title> names it for screen readers; the page shows the text beside it.
std::optional<std::string> qr_svg(std::string_view text);

}  // namespace latchkey::mfa
