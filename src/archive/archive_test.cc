#include <gtest/gtest.h>

#include <algorithm>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "archive/gzip.h"
#include "archive/reader.h"
#include "archive/writer.h"

namespace hort {
namespace {

ArchiveEntry Dir(const std::string& path) {
  return {.path = path, .type = EntryType::kDirectory, .mode = 0755, .mtime_sec = 1700000000};
}

ArchiveEntry File(const std::string& path, uint32_t mode = 0644) {
  return {.path = path, .type = EntryType::kFile, .mode = mode, .mtime_sec = 1700000123, .uid = 1000, .gid = 100,
          .user = "alice", .group = "users"};
}

ArchiveEntry Link(const std::string& path, const std::string& target) {
  return {.path = path, .type = EntryType::kSymlink, .mode = 0777, .mtime_sec = 1700000000, .symlink = target};
}

struct Read {
  ArchiveEntry entry;
  std::string content;
};

Result<std::vector<Read>> ReadAll(ArchiveReader& r) {
  std::vector<Read> out;
  for (;;) {
    HORT_ASSIGN_OR_RETURN(auto e, r.Next());
    if (!e) return out;
    std::string content;
    if (e->type == EntryType::kFile) {
      HORT_ASSIGN_OR_RETURN(content, r.ReadContent());
    }
    out.push_back({*e, std::move(content)});
  }
}

// Every entry of an archive held in memory; `name` is the one messages give it.
Result<std::vector<Read>> ReadAllOf(const std::string& data, const std::string& name = "t.tar") {
  HORT_ASSIGN_OR_RETURN(auto r, ArchiveReader::FromMemory(data, name));
  return ReadAll(*r);
}

// A tree with every kind the archive layer must carry: directories, files
// (empty, small, larger than one read buffer), a symlink and a path longer
// than ustar's 100-byte name field (needs a pax header).
class ArchiveRoundTrip : public ::testing::TestWithParam<ArchiveCompression> {
 protected:
  static std::string LongName() {
    std::string p = "resources/deployments.apps/namespaces/paperless";
    while (p.size() < 230) p += "/very-long-directory-name";
    return p + "/deployment.json";
  }
  static std::string Big() {
    std::string s;
    for (uint32_t i = 0; i < 300000; ++i) s += static_cast<char>((i * 7919u) % 251u);
    return s;
  }
  Status WriteTree(ArchiveWriter& w) {
    HORT_RETURN_IF_ERROR(w.Add(Dir("resources")));
    HORT_RETURN_IF_ERROR(w.AddFile(File("resources/pod.json"), "{\"kind\":\"Pod\"}\n"));
    HORT_RETURN_IF_ERROR(w.AddFile(File("resources/empty", 0600), ""));
    HORT_RETURN_IF_ERROR(w.AddFile(File("resources/big.bin", 0755), Big()));
    HORT_RETURN_IF_ERROR(w.Add(Link("resources/latest", "pod.json")));
    HORT_RETURN_IF_ERROR(w.AddFile(File(LongName()), "long"));
    return w.Close();
  }
  void ExpectTree(const std::vector<Read>& got) {
    ASSERT_EQ(got.size(), 6u);
    EXPECT_EQ(got[0].entry.path, "resources/");  // libarchive marks directories with a slash
    EXPECT_EQ(got[0].entry.type, EntryType::kDirectory);
    EXPECT_EQ(got[0].entry.mode, 0755u);
    EXPECT_EQ(got[1].entry.path, "resources/pod.json");
    EXPECT_EQ(got[1].entry.type, EntryType::kFile);
    EXPECT_EQ(got[1].content, "{\"kind\":\"Pod\"}\n");
    EXPECT_EQ(got[1].entry.size, got[1].content.size());
    EXPECT_EQ(got[1].entry.mode, 0644u);
    EXPECT_EQ(got[1].entry.mtime_sec, 1700000123);
    EXPECT_EQ(got[1].entry.uid, 1000);
    EXPECT_EQ(got[1].entry.user, "alice");
    EXPECT_EQ(got[1].entry.group, "users");
    EXPECT_EQ(got[2].entry.size, 0u);
    EXPECT_EQ(got[2].entry.mode, 0600u);
    EXPECT_EQ(got[3].content, Big());
    EXPECT_EQ(got[4].entry.type, EntryType::kSymlink);
    EXPECT_EQ(got[4].entry.symlink, "pod.json");
    EXPECT_EQ(got[5].entry.path, LongName());
    EXPECT_EQ(got[5].content, "long");
  }
};

TEST_P(ArchiveRoundTrip, InMemory) {
  std::string tar;
  auto w = ArchiveWriter::ToString(&tar, ArchiveFormat::kTar, GetParam());
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_TRUE(WriteTree(**w).ok());
  if (GetParam() == ArchiveCompression::kGzip) {
    ASSERT_GE(tar.size(), 2u);
    EXPECT_EQ(tar.substr(0, 2), "\x1f\x8b") << "a gzip stream";
    ASSERT_GE(tar.size(), 10u);
    EXPECT_EQ(tar.substr(4, 4), std::string(4, '\0')) << "header MTIME 0, as Go writes it";
  } else {
    EXPECT_EQ(tar.size() % 512, 0u);
  }
  auto r = ArchiveReader::FromMemory(tar, "test.tar");
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto got = ReadAll(**r);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ExpectTree(*got);
}

TEST_P(ArchiveRoundTrip, ThroughAFile) {
  std::string path = (std::filesystem::temp_directory_path() / ("hort-archive-" + std::to_string(::getpid()))).string();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    auto w = ArchiveWriter::ToFd(fileno(f), ArchiveFormat::kTar, GetParam());
    ASSERT_TRUE(w.ok()) << w.status().message();
    ASSERT_TRUE(WriteTree(**w).ok());
    w->reset();
    std::fclose(f);
  }
  auto r = ArchiveReader::FromFile(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto got = ReadAll(**r);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ExpectTree(*got);
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Compression, ArchiveRoundTrip,
                         ::testing::Values(ArchiveCompression::kNone, ArchiveCompression::kGzip),
                         [](const auto& info) { return info.param == ArchiveCompression::kGzip ? "Gzip" : "Plain"; });

std::string SmallTar(ArchiveCompression compression) {
  std::string tar;
  auto w = ArchiveWriter::ToString(&tar, ArchiveFormat::kTar, compression);
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->AddFile(File("a.json"), std::string(5000, 'a')).ok());
  EXPECT_TRUE((*w)->AddFile(File("b.json"), "b").ok());
  EXPECT_TRUE((*w)->Close().ok());
  return tar;
}

// Linux names are bytes: a name that is not UTF-8 goes into the archive as
// it is, and the entries after it too (the header's fallback is a warning).
TEST(ArchiveWriter, ANameThatIsNotUtf8IsKeptAndTheArchiveGoesOn) {
  const std::string odd = "d/bad\xff" "name";
  for (ArchiveCompression compression : {ArchiveCompression::kNone, ArchiveCompression::kGzip}) {
    std::string out;
    auto w = ArchiveWriter::ToString(&out, ArchiveFormat::kTar, compression);
    ASSERT_TRUE(w.ok()) << w.status().message();
    ASSERT_TRUE((*w)->AddFile(File(odd), "y").ok());
    ASSERT_TRUE((*w)->AddFile(File("d/zz"), "a\n").ok());
    ASSERT_TRUE((*w)->Close().ok());
    auto got = ReadAllOf(out);
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].entry.path, odd);
    EXPECT_EQ((*got)[0].content, "y");
    EXPECT_EQ((*got)[1].entry.path, "d/zz");
    EXPECT_EQ((*got)[1].content, "a\n");
  }
}

// Reads every entry; the first error.
Status ReadEverything(const std::string& data) { return ReadAllOf(data, "velero.tar.gz").status(); }

TEST(ArchiveReader, RejectsATruncatedArchive) {
  for (auto compression : {ArchiveCompression::kNone, ArchiveCompression::kGzip}) {
    std::string tar = SmallTar(compression);
    ASSERT_TRUE(ReadEverything(tar).ok());
    // Cut inside a.json's content (plain) or inside the deflate stream (gzip).
    Status s = ReadEverything(tar.substr(0, compression == ArchiveCompression::kNone ? 2000 : tar.size() / 2));
    EXPECT_EQ(s.code(), Code::kCorruption) << s.message();
    EXPECT_NE(s.message().find("archive velero.tar.gz: "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("runcated"), std::string::npos) << s.message();
  }
}

TEST(ArchiveReader, RejectsADamagedHeaderAndForeignData) {
  const std::string tar = SmallTar(ArchiveCompression::kNone);
  // b.json's header follows a.json's (512 bytes) and its content (5000,
  // padded to 5120). Its mode field changed: the checksum no longer matches.
  std::string damaged = tar;
  damaged[512 + 5120 + 100] ^= 0x55;
  Status s = ReadEverything(damaged);
  EXPECT_EQ(s.code(), Code::kCorruption) << s.message();
  EXPECT_NE(s.message().find("archive velero.tar.gz: after entry a.json: "), std::string::npos) << s.message();

  damaged = tar;
  damaged[100] ^= 0x55;  // the first header: not recognisable as tar at all
  s = ReadEverything(damaged);
  EXPECT_EQ(s.code(), Code::kCorruption) << s.message();
  EXPECT_EQ(ReadEverything(std::string(2048, 'x')).code(), Code::kCorruption);
}

TEST(ArchiveReader, RefusesContentAboveTheLimit) {
  std::string tar = SmallTar(ArchiveCompression::kNone);
  auto r = ArchiveReader::FromMemory(tar, "t.tar");
  ASSERT_TRUE(r.ok());
  auto e = (*r)->Next();
  ASSERT_TRUE(e.ok() && *e);
  auto content = (*r)->ReadContent(100);
  EXPECT_EQ(content.status().code(), Code::kInvalidArgument);
  // Unread content is skipped.
  e = (*r)->Next();
  ASSERT_TRUE(e.ok() && *e);
  EXPECT_EQ((*e)->path, "b.json");
  EXPECT_EQ(*(*r)->ReadContent(), "b");
  e = (*r)->Next();
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(*e);
}

TEST(ArchiveWriter, RefusesSocketsDevicesInAZipAndGzippedZip) {
  std::string out;
  auto w = ArchiveWriter::ToString(&out, ArchiveFormat::kTar);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Add({.path = "run/s.sock", .type = EntryType::kOther}).code(), Code::kInvalidArgument);
  auto zip = ArchiveWriter::ToString(&out, ArchiveFormat::kZip);
  ASSERT_TRUE(zip.ok());
  EXPECT_EQ((*zip)->Add({.path = "p", .type = EntryType::kFifo}).code(), Code::kInvalidArgument);
  EXPECT_EQ((*zip)->Add({.path = "null", .type = EntryType::kCharDevice, .rdev = makedev(1, 3)}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ArchiveWriter::ToString(&out, ArchiveFormat::kZip, ArchiveCompression::kGzip).status().code(),
            Code::kInvalidArgument);
}

// A tar carries fifos and devices as they are, with the device number.
TEST(ArchiveWriter, FifosAndDevicesGoIntoATarWithTheirNumbers) {
  std::string out;
  auto w = ArchiveWriter::ToString(&out, ArchiveFormat::kTar);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Add({.path = "d/pipe", .type = EntryType::kFifo, .mode = 0640}).ok());
  ASSERT_TRUE((*w)->Add({.path = "d/null", .type = EntryType::kCharDevice, .mode = 0666, .rdev = makedev(1, 3)}).ok());
  ASSERT_TRUE((*w)->Add({.path = "d/sda", .type = EntryType::kBlockDevice, .mode = 0660, .rdev = makedev(8, 300)}).ok());
  ASSERT_TRUE((*w)->AddFile(File("d/after"), "z").ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto got = ReadAllOf(out);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0].entry.type, EntryType::kFifo);
  EXPECT_EQ((*got)[0].entry.mode, 0640u);
  EXPECT_EQ((*got)[1].entry.type, EntryType::kCharDevice);
  EXPECT_EQ((*got)[1].entry.rdev, makedev(1, 3));
  EXPECT_EQ((*got)[2].entry.type, EntryType::kBlockDevice);
  EXPECT_EQ((*got)[2].entry.rdev, makedev(8, 300));
  EXPECT_EQ((*got)[3].content, "z");
}

// A tar carries extended attributes in pax headers, as restic's dump and GNU
// tar write them (SCHILY.xattr.NAME); an empty value too.
TEST(ArchiveWriter, XattrsGoIntoATarAsSchilyRecords) {
  std::string out;
  auto w = ArchiveWriter::ToString(&out, ArchiveFormat::kTar);
  ASSERT_TRUE(w.ok());
  ArchiveEntry f = File("d/f");
  f.xattrs = {{"user.foo", "bar"}, {"user.empty", ""}};
  ASSERT_TRUE((*w)->AddFile(f, "x").ok());
  ArchiveEntry d = Dir("d2");
  d.xattrs = {{"user.dir", std::string("\0\x01", 2)}};
  ASSERT_TRUE((*w)->Add(d).ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_NE(out.find("SCHILY.xattr.user.foo=bar"), std::string::npos);
  EXPECT_EQ(out.find("LIBARCHIVE.xattr"), std::string::npos);  // GNU tar warns about those
  auto got = ReadAllOf(out);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 2u);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  Pairs first = (*got)[0].entry.xattrs;
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (Pairs{{"user.empty", ""}, {"user.foo", "bar"}}));
  EXPECT_EQ((*got)[1].entry.xattrs, (Pairs{{"user.dir", std::string("\0\x01", 2)}}));
}

// Each local header's name and general purpose flags in a zip.
std::vector<std::pair<std::string, uint16_t>> ZipNamesAndFlags(const std::string& zip) {
  std::vector<std::pair<std::string, uint16_t>> out;
  auto u16 = [&](size_t at) { return static_cast<uint16_t>(static_cast<uint8_t>(zip[at]) | static_cast<uint8_t>(zip[at + 1]) << 8); };
  for (size_t at = zip.find("PK\x03\x04"); at != std::string::npos && at + 30 <= zip.size();
       at = zip.find("PK\x03\x04", at + 4)) {
    out.emplace_back(zip.substr(at + 30, u16(at + 26)), u16(at + 6));
  }
  return out;
}

// A UTF-8 name other than ASCII carries the zip's UTF-8 flag (bit 11), as
// Go's zip writer (restic's dump) sets it, whatever hort's locale; ASCII and
// names that are not UTF-8 do not.
TEST(ArchiveWriter, AUtf8NameInAZipCarriesTheUtf8Flag) {
  std::string out;
  auto w = ArchiveWriter::ToString(&out, ArchiveFormat::kZip);
  ASSERT_TRUE(w.ok());
  const std::string utf8 = "odd/\xc3\xbcn\xc3\xaf", bytes = "odd/bad\xff";
  for (const std::string& name : {std::string("odd/plain"), utf8, bytes}) ASSERT_TRUE((*w)->AddFile(File(name), "x").ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto got = ZipNamesAndFlags(out);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].first, "odd/plain");
  EXPECT_FALSE(got[0].second & 0x800) << std::hex << got[0].second;
  EXPECT_EQ(got[1].first, utf8);
  EXPECT_TRUE(got[1].second & 0x800) << std::hex << got[1].second;
  EXPECT_EQ(got[2].first, bytes);
  EXPECT_FALSE(got[2].second & 0x800) << std::hex << got[2].second;
}

TEST(Gzip, RoundTripsAndRefusesDamage) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "level=info msg=\"line " + std::to_string(i) + "\"\n";
  auto gz = GzipCompress(text);
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>((*gz)[0]), 0x1f);
  ASSERT_GE(gz->size(), 10u);
  EXPECT_EQ(gz->substr(4, 4), std::string(4, '\0')) << "header MTIME 0: the same text, the same bytes";
  auto back = Gunzip(*gz, "x.gz");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, text);

  auto empty = GzipCompress("");
  ASSERT_TRUE(empty.ok());
  auto empty_back = Gunzip(*empty, "e.gz");
  ASSERT_TRUE(empty_back.ok()) << empty_back.status().ToString();
  EXPECT_EQ(*empty_back, "");

  EXPECT_EQ(Gunzip(gz->substr(0, gz->size() / 2), "t.gz").status().code(), Code::kCorruption);
  EXPECT_EQ(Gunzip("<html>502</html>", "h.gz").status().code(), Code::kCorruption);
  EXPECT_EQ(Gunzip(*gz, "big.gz", 100).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hort
