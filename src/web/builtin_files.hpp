#pragma once
// The web pages' templates and stylesheet as they were in src/web/templates
// at build time (CMake writes generated/web_builtin_files.cpp from
// builtin_files.cpp.in). Read by templates.cpp only; kept in a header so the
// generated file and its reader agree on the type.
#include <span>
#include <string_view>

namespace latchkey::web {

struct BuiltinFile {
  std::string_view name;  // "login.html", "style.css": the file name, no folder
  std::string_view text;
};

// Every *.html and *.css file of src/web/templates, by name.
extern const std::span<const BuiltinFile> kBuiltinFiles;

}  // namespace latchkey::web
