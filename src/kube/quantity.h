// Kubernetes quantities ("10Gi", "1.5G", "500m", "1e3") as kube-apiserver
// reads them (apimachinery's resource.ParseQuantity), so hort can refuse one
// before it creates anything with it.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace hort::kube {

// The quantity's sign: -1, 0 or 1. An error (kInvalidArgument, kube's own
// words) for text ParseQuantity refuses: "10XB", "10 Gi", "1GB", "1K", "".
[[nodiscard]] Result<int> QuantitySign(std::string_view quantity);

// A claim's storage size: "" when kube reads `quantity` and it is above zero,
// else why not (kube's words, or "must be greater than zero").
[[nodiscard]] std::string StorageSizeProblem(std::string_view quantity);

}  // namespace hort::kube
