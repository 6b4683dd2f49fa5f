#include "catalog/names.h"

#include <cctype>

namespace hort {

std::string NameProblem(const std::string& name) {
  if (name.empty()) return "is empty";
  // Made only of allowed characters, and still a folder's parent or itself.
  if (name == "." || name == "..") return "may not be \"" + name + "\", which names a folder, not a file";
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') {
      return "may use letters, digits, '-', '_' and '.' only";
    }
  }
  return "";
}

std::string FilesEntryName(YamlFields& f, const YAML::Node& entry, const std::string& key, const std::string& fallback) {
  const bool given = static_cast<bool>(entry["name"]);
  std::string name = f.String(entry, key, "name").value_or(fallback);
  if (std::string bad = NameProblem(name); !bad.empty()) {
    f.Error(given ? entry["name"] : entry, key + ".name",
            (given ? "an entry name " : "the entry's default name \"" + name + "\" ") + bad +
                " (it names the job <service>/files/<name>)" + (given ? "" : "; give the entry a name"));
  }
  return name;
}

}  // namespace hort
