// hort's version, in one place: `hort version`, --version, the metrics'
// build info and the program_version of every snapshot hort writes (which
// a backup compares with its parent's before taking the parent's xattrs).
#pragma once

namespace hort {

inline constexpr const char* kHortVersion = "0.1.0";
inline constexpr const char* kHortProgramVersion = "hort 0.1.0";  // "hort " + kHortVersion

}  // namespace hort
