// JSON objects as block-style YAML, the form people read and kustomize
// patches, and YAML as JSON for the text hort embeds (the alert rules).
#pragma once

#include <string>

#include "kube/client.h"
#include "util/status.h"

namespace hort::deploy {

// One YAML document (no "---"). Strings that YAML would read as anything else
// (numbers, booleans, null) are quoted; multi-line strings become literal
// blocks with the chomping that keeps them byte for byte.
[[nodiscard]] std::string ToYaml(const kube::Json& value);

// A YAML document as JSON with every scalar a string (the alert rules hold
// only strings; Prometheus takes `expr` as a string too).
[[nodiscard]] Result<kube::Json> YamlToJson(const std::string& text, const std::string& what);

}  // namespace hort::deploy
