// hort's version, in one place: `hort version`, --version, the metrics'
// build info and the program_version of every snapshot hort writes (which
// a backup compares with its parent's before taking the parent's xattrs).
#pragma once

// A macro only so that the program's name can be joined to it at compile time.
#define HORT_VERSION_TEXT "0.1.0"

namespace hort {

inline constexpr const char* kHortVersion = HORT_VERSION_TEXT;
inline constexpr const char* kHortProgramVersion = "hort " HORT_VERSION_TEXT;

}  // namespace hort
