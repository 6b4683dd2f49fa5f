#include "archiver/archiver.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "format/snapshot.h"
#include "format/tree.h"
#include "repository/test_init.h"
#include "repository/walk.h"
#include "util/hex.h"
#include "util/test_bytes.h"
#include "util/test_temp_folder.h"

namespace hort {

// gtest prints a failed comparison of xattrs as names and values.
void PrintTo(const ExtendedAttribute& a, std::ostream* os) { *os << a.name << "=" << a.value; }

namespace {

// An in-memory file holding `bytes`, read from its start: the backup's stdin.
int MemFdWith(const std::vector<uint8_t>& bytes) {
  int fd = ::memfd_create("archiver-test", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    EXPECT_GT(n, 0);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  EXPECT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  return fd;
}

class StdinBackup : public ::testing::Test {
 protected:
  void SetUp() override { repo_ = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value()); }

  Result<BackupResult> Backup(const std::vector<uint8_t>& bytes, const std::string& name,
                              std::optional<gojson::Timestamp> stable = std::nullopt) {
    BackupOptions opt;
    opt.from_stdin = true;
    opt.stdin_filename = name;
    opt.stdin_stable_time = stable;
    opt.host = "test-host";
    int fd = MemFdWith(bytes);
    opt.stdin_fd = fd;
    auto r = RunBackup(*repo_, opt, nullptr);
    ::close(fd);
    return r;
  }

  Node Only(const Id& tree) {
    auto nodes = LoadTree(*repo_, tree, TreeNames::kAsStored);
    EXPECT_TRUE(nodes.ok()) << nodes.status().message();
    EXPECT_EQ(nodes->size(), 1u);
    return nodes->empty() ? Node{} : nodes->front();
  }

  std::vector<uint8_t> Content(const Node& file) {
    std::vector<uint8_t> out;
    for (const Id& id : file.content) {
      auto blob = repo_->LoadBlob(BlobType::kData, id);
      EXPECT_TRUE(blob.ok());
      if (blob.ok()) out.insert(out.end(), blob->begin(), blob->end());
    }
    return out;
  }

  std::unique_ptr<Repository> repo_;
};

// A plain name stays what it always was: one file in the root tree.
TEST_F(StdinBackup, PlainNameIsAFileInTheRoot) {
  auto bytes = SeededBytes(5000, 1);
  auto r = Backup(bytes, "db.sql");
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto snap = repo_->FindSnapshot(r->snapshot_id.Hex());
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->paths, std::vector<std::string>{"/db.sql"});
  Node f = Only(r->tree);
  EXPECT_EQ(f.name, "db.sql");
  EXPECT_TRUE(f.IsFile());
  EXPECT_EQ(f.mode, 0644u);
  EXPECT_EQ(f.uid, ::getuid());
  EXPECT_EQ(f.size, bytes.size());
  EXPECT_EQ(Content(f), bytes);
}

// "resources/productivity.tar": root → directory resources → the file, and
// the snapshot's path is the file's.
TEST_F(StdinBackup, NestedNameGivesDirectories) {
  auto bytes = SeededBytes(3 << 20, 2);
  auto r = Backup(bytes, "resources/productivity.tar");
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto snap = repo_->FindSnapshot(r->snapshot_id.Hex());
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->paths, std::vector<std::string>{"/resources/productivity.tar"});
  Node dir = Only(r->tree);
  EXPECT_EQ(dir.name, "resources");
  ASSERT_TRUE(dir.IsDir());
  EXPECT_EQ(dir.mode, gomode::kDir | 0755u);
  ASSERT_TRUE(dir.subtree.has_value());
  Node f = Only(*dir.subtree);
  EXPECT_EQ(f.name, "productivity.tar");
  EXPECT_TRUE(f.IsFile());
  EXPECT_EQ(Content(f), bytes);
  auto at = FindNodeAt(*repo_, r->tree, "/resources/productivity.tar");
  ASSERT_TRUE(at.ok()) << at.status().message();
  EXPECT_EQ(at->size, bytes.size());

  auto deep = Backup(bytes, "a/b/c/d.bin");
  ASSERT_TRUE(deep.ok()) << deep.status().message();
  auto node = FindNodeAt(*repo_, deep->tree, "/a/b/c/d.bin");
  ASSERT_TRUE(node.ok()) << node.status().message();
  EXPECT_EQ(node->content, f.content);  // same bytes, same blobs
}

// Names are cleaned as restic cleans them (checked against restic 0.14);
// one that cleans to nothing is refused.
TEST_F(StdinBackup, NamesAreCleanedAsResticCleansThem) {
  auto bytes = SeededBytes(100, 3);
  for (const std::string bad : {"", ".", "..", "/", "a/..", "./.."}) {
    auto r = Backup(bytes, bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "' was accepted";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message(), "stdin file name \"" + bad + "\" names no file");
  }
  auto snaps = repo_->LoadSnapshots();
  ASSERT_TRUE(snaps.ok());
  EXPECT_TRUE(snaps->empty());
  const std::pair<const char*, const char*> cleaned[] = {
      {"/abs/x.sql", "/abs/x.sql"}, {"a/../b", "/b"}, {"./c", "/c"}, {"d/", "/d"},
      {"../e", "/e"},               {"f//g", "/f/g"}, {"a/./h", "/a/h"}};
  for (const auto& [name, path] : cleaned) {
    auto r = Backup(bytes, name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().message();
    auto snap = repo_->FindSnapshot(r->snapshot_id.Hex());
    ASSERT_TRUE(snap.ok());
    EXPECT_EQ(snap->paths, std::vector<std::string>{path}) << name;
    auto at = FindNodeAt(*repo_, r->tree, path);
    ASSERT_TRUE(at.ok()) << name << ": " << at.status().message();
    EXPECT_EQ(at->size, bytes.size()) << name;
  }
}

// Stable metadata: the same bytes on different days give the same tree, so
// a repeated backup stores no new blob at all; the nodes carry the fixed
// time, no owner, and private modes.
TEST_F(StdinBackup, StableMetadataGivesTheSameTreeForTheSameBytes) {
  auto bytes = SeededBytes(2 << 20, 4);
  const gojson::Timestamp epoch{};
  auto first = Backup(bytes, "resources/productivity.tar", epoch);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ::usleep(20000);  // the clock moves: nothing of it may reach the trees
  const uint64_t data_before = repo_->stats().data_blobs, trees_before = repo_->stats().tree_blobs;
  auto second = Backup(bytes, "resources/productivity.tar", epoch);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(first->tree, second->tree);
  EXPECT_NE(first->snapshot_id, second->snapshot_id);
  EXPECT_EQ(repo_->stats().data_blobs, data_before);
  EXPECT_EQ(repo_->stats().tree_blobs, trees_before);
  ASSERT_TRUE(second->parent.has_value());
  EXPECT_EQ(*second->parent, first->snapshot_id);
  EXPECT_EQ(second->summary.files_unmodified, 1u);
  EXPECT_EQ(second->summary.dirs_unmodified, 1u);

  Node dir = Only(first->tree);
  EXPECT_EQ(dir.mode, gomode::kDir | 0700u);
  EXPECT_EQ(dir.uid, 0u);
  EXPECT_EQ(dir.gid, 0u);
  EXPECT_EQ(dir.user, "");
  EXPECT_EQ(dir.group, "");
  EXPECT_EQ(dir.mtime, epoch);
  Node f = Only(*dir.subtree);
  EXPECT_EQ(f.mode, 0600u);
  EXPECT_EQ(f.uid, 0u);
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.mtime, epoch);
  EXPECT_EQ(f.ctime, epoch);
  EXPECT_EQ(Content(f), bytes);

  // Other bytes: a new file node and tree, the same path.
  auto third = Backup(SeededBytes(2 << 20, 5), "resources/productivity.tar", epoch);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->tree, first->tree);
  EXPECT_EQ(third->summary.files_changed, 1u);
}

// Backups of a real folder, compared by the names each tree holds.
class TreeBackup : public StdinBackup {
 protected:
  void File(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << text;
  }
  // The nodes below the snapshot path `rel` ("" = the test's folder), or
  // one node named "<missing NAME>" where the path ends early.
  std::vector<Node> NodesBelow(const Id& root, const std::string& rel) {
    std::vector<Node> nodes = LoadTree(*repo_, root, TreeNames::kAsStored).value();
    std::string path = dir_ + (rel.empty() ? "" : "/" + rel);
    for (const auto& part : std::filesystem::path(path).relative_path()) {
      auto it = std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.name == part.string(); });
      if (it == nodes.end() || !it->subtree) return {Node{.name = "<missing " + part.string() + ">"}};
      nodes = LoadTree(*repo_, *it->subtree, TreeNames::kAsStored).value();
    }
    return nodes;
  }
  // Options that back up `below` (paths under the test's folder) as host "h".
  BackupOptions OptionsFor(std::initializer_list<std::string> below) const {
    BackupOptions opt;
    for (const std::string& p : below) opt.targets.push_back(dir_ + p);
    opt.host = "h";
    return opt;
  }
  std::vector<std::string> Names(const Id& root, const std::string& rel) {
    std::vector<std::string> names;
    for (const auto& n : NodesBelow(root, rel)) names.push_back(n.name);
    return names;
  }
  TempFolder folder_{"archiver"};
  std::string dir_ = folder_.path();  // one test moves it off tmpfs
};

struct CountingObserver : BackupObserver {
  std::vector<std::string> errors, warnings;
  void OnError(const std::string& item, const std::string&, const Status&) override { errors.push_back(item); }
  void OnWarning(const std::string& m) override { warnings.push_back(m); }
};

// restic keeps a marked folder with its marker alone in it.
TEST_F(TreeBackup, MarkerFolderKeepsOnlyItsMarker) {
  File("d/cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55");
  File("d/cache/sub/f", "x");
  File("d/cache/g", "y");
  File("d/keep/f", "z");
  BackupOptions opt = OptionsFor({"/d"});
  opt.excludes.exclude_caches = true;
  auto r = RunBackup(*repo_, opt, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Names(r->tree, "d"), (std::vector<std::string>{"cache", "keep"}));
  EXPECT_EQ(Names(r->tree, "d/cache"), (std::vector<std::string>{"CACHEDIR.TAG"}));
  EXPECT_EQ(Names(r->tree, "d/keep"), (std::vector<std::string>{"f"}));
}

// One target missing: the rest is backed up, the run counts an error (exit 3).
TEST_F(TreeBackup, MissingTargetIsSkipped) {
  File("d/f", "x");
  BackupOptions opt = OptionsFor({"/d", "/missing"});
  CountingObserver obs;
  auto r = RunBackup(*repo_, opt, &obs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->errors, 1u);
  ASSERT_EQ(obs.warnings.size(), 1u);
  EXPECT_EQ(obs.warnings[0], dir_ + "/missing does not exist, skipping");
  auto snap = repo_->FindSnapshot(r->snapshot_id.Hex());
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->paths, std::vector<std::string>{dir_ + "/d"});
  opt.targets = {dir_ + "/missing"};
  auto none = RunBackup(*repo_, opt, &obs);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "all target directories/files do not exist");
}

// A path through a symlinked folder stores that folder as a folder holding
// the target, as restic does (the folder's metadata, not the link's); the
// symlink named as the target itself, with or without a trailing slash or
// "/.", is stored as a symlink.
TEST_F(TreeBackup, AFolderReachedThroughASymlinkIsStoredAsTheFolder) {
  File("data/a/f1", "x");
  File("data/a/f2", "y");
  ASSERT_EQ(::symlink("data/a", (dir_ + "/link_a").c_str()), 0);
  ASSERT_EQ(::chmod((dir_ + "/data/a").c_str(), 0750), 0);
  BackupOptions opt = OptionsFor({"/link_a/f1"});
  CountingObserver obs;
  auto r = RunBackup(*repo_, opt, &obs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->errors, 0u);
  std::vector<Node> top = NodesBelow(r->tree, "");
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].name, "link_a");
  EXPECT_EQ(top[0].type, "dir");
  EXPECT_EQ(top[0].mode, gomode::kDir | 0750u);
  EXPECT_EQ(Names(r->tree, "link_a"), std::vector<std::string>{"f1"});

  for (const char* spelled : {"/link_a", "/link_a/", "/link_a/."}) {
    opt.targets = {dir_ + spelled};
    auto link = RunBackup(*repo_, opt, &obs);
    ASSERT_TRUE(link.ok()) << link.status().message();
    top = NodesBelow(link->tree, "");
    ASSERT_EQ(top.size(), 1u) << spelled;
    EXPECT_EQ(top[0].type, "symlink") << spelled;
    EXPECT_EQ(top[0].linktarget, "data/a") << spelled;
  }
  EXPECT_TRUE(obs.errors.empty());
}

// Root reads a mode 000 folder through CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH; without them in its effective set it is refused like
// any user. Capabilities belong to a thread: those started while this lives
// (the backup's) inherit the reduced set. The set is restored at the end.
class WithoutReadOverride {
 public:
  WithoutReadOverride() {
    if (::syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct reduced[2] = {saved_[0], saved_[1]};
    reduced[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    dropped_ = ::syscall(SYS_capset, &header_, reduced) == 0;
  }
  ~WithoutReadOverride() {
    if (dropped_) (void)::syscall(SYS_capset, &header_, saved_);
  }
  WithoutReadOverride(const WithoutReadOverride&) = delete;
  WithoutReadOverride& operator=(const WithoutReadOverride&) = delete;

 private:
  __user_cap_header_struct header_{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct saved_[2]{};
  bool dropped_ = false;
};

// An unreadable folder is left out (with an error), not stored empty. Also
// as root (which CI is): the test gives up the capabilities that let root
// read it (tests/e2e/restic_same_trees.sh shows the same as nobody).
TEST_F(TreeBackup, UnreadableFolderIsLeftOut) {
  File("d/locked/f", "x");
  File("d/open/f", "y");
  const std::string locked = dir_ + "/d/locked";
  ::chmod(locked.c_str(), 0);
  WithoutReadOverride as_any_user;
  if (DIR* d = ::opendir(locked.c_str())) {
    ::closedir(d);
    FAIL() << "this process still reads a mode 000 folder: the test would show nothing";
  }
  BackupOptions opt = OptionsFor({"/d"});
  CountingObserver obs;
  auto r = RunBackup(*repo_, opt, &obs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->errors, 1u);
  EXPECT_EQ(Names(r->tree, "d"), (std::vector<std::string>{"open"}));
}

// The current folder is `dir` while this lives.
class InFolder {
 public:
  explicit InFolder(const std::string& dir) : was_(std::filesystem::current_path()) { std::filesystem::current_path(dir); }
  ~InFolder() {
    std::error_code ec;  // a destructor must not throw
    std::filesystem::current_path(was_, ec);
  }
  InFolder(const InFolder&) = delete;
  InFolder& operator=(const InFolder&) = delete;

 private:
  std::filesystem::path was_;
};

// restic 0.14 refuses a snapshot whose root tree is empty ("snapshot is
// empty", exit 1), dry run or not, as when every target is excluded or is a
// socket (which its archiver skips): nothing is saved.
// A relative target of one name is the root tree's only node (the folders
// above an absolute target would stay, and restic saves those).
TEST_F(TreeBackup, AnEmptySnapshotIsRefused) {
  File("ex/f", "x");
  InFolder in_test_folder(dir_);
  BackupOptions opt;
  opt.targets = {"ex"};
  opt.host = "h";
  opt.excludes.patterns.push_back(dir_ + "/ex");
  for (bool dry : {false, true}) {
    opt.dry_run = dry;
    auto r = RunBackup(*repo_, opt, nullptr);
    ASSERT_FALSE(r.ok()) << "dry run " << dry;
    EXPECT_EQ(r.status().message(), "unable to save snapshot: snapshot is empty");
  }
  EXPECT_TRUE(repo_->LoadSnapshots().value().empty());
}

// restic 0.14's trees: a socket is left out (its archiver skips it) and a
// symlink has no xattrs (fillExtendedAttributes reads none for it).
TEST_F(TreeBackup, SocketsAreLeftOutAndSymlinksCarryNoXattrs) {
  File("d/f", "x");
  const std::string sock = dir_ + "/d/sock", link = dir_ + "/d/link";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.size(), sizeof(addr.sun_path));
  std::copy(sock.begin(), sock.end(), addr.sun_path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0) << errno;
  ::close(fd);
  ASSERT_EQ(::symlink("f", link.c_str()), 0);
  // Linux refuses user.* xattrs on symlinks; trusted.* needs CAP_SYS_ADMIN.
  const bool link_has_xattr = ::lsetxattr(link.c_str(), "trusted.hort", "v", 1, 0) == 0;
  auto r = RunBackup(*repo_, OptionsFor({"/d"}), nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Names(r->tree, "d"), (std::vector<std::string>{"f", "link"}));
  for (const Node& n : NodesBelow(r->tree, "d")) EXPECT_TRUE(n.xattrs.empty()) << n.name;
  InFolder in_d(dir_ + "/d");
  BackupOptions opt;
  opt.targets = {"sock"};
  opt.host = "h";
  auto alone = RunBackup(*repo_, opt, nullptr);
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.status().message(), "unable to save snapshot: snapshot is empty");
  if (!link_has_xattr) GTEST_SKIP() << "a symlink's xattrs not checked: setting trusted.* needs CAP_SYS_ADMIN";
}

// A file that cannot be read is an error, not processed: restic's summary
// counts the files it saved (1 file, 2 B here, not 2 files, 4 B).
TEST_F(TreeBackup, AnUnreadableFileIsNotCountedAsProcessed) {
  File("d/locked", "xx");
  File("d/open", "yy");
  ::chmod((dir_ + "/d/locked").c_str(), 0);
  WithoutReadOverride as_any_user;
  auto r = RunBackup(*repo_, OptionsFor({"/d"}), nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->errors, 1u);
  EXPECT_EQ(r->summary.total_files_processed, 1u);
  EXPECT_EQ(r->summary.total_bytes_processed, 2u);
}

// The xattrs of d/f as the snapshot `root` records them.
std::vector<ExtendedAttribute> XattrsOfDF(Repository& repo, const Id& root, const std::string& dir) {
  std::vector<Node> nodes = LoadTree(repo, root, TreeNames::kAsStored).value();
  for (const auto& part : std::filesystem::path(dir + "/d").relative_path()) {
    auto it = std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.name == part.string(); });
    if (it == nodes.end() || !it->subtree) return {};
    nodes = LoadTree(repo, *it->subtree, TreeNames::kAsStored).value();
  }
  auto f = std::find_if(nodes.begin(), nodes.end(), [](const Node& n) { return n.name == "f"; });
  return f == nodes.end() ? std::vector<ExtendedAttribute>{{"<no d/f>", ""}} : f->xattrs;
}

// A copy of snapshot `parent` whose node d/f names `forged` as its xattrs,
// every other field (times, size, inode) unchanged.
Id ForgeXattrs(Repository& repo, const Snapshot& parent, const std::string& dir, const std::string& forged) {
  std::vector<std::string> parts;
  for (const auto& part : std::filesystem::path(dir + "/d").relative_path()) parts.push_back(part.string());
  std::function<Id(const Id&, size_t)> rewrite = [&](const Id& tree, size_t depth) {
    std::vector<Node> nodes = LoadTree(repo, tree, TreeNames::kAsStored).value();
    for (Node& n : nodes) {
      if (depth < parts.size() && n.name == parts[depth]) n.subtree = rewrite(*n.subtree, depth + 1);
      if (depth == parts.size() && n.name == "f") n.xattrs = {{"user.k", forged}};
    }
    std::string text = EncodeTree(nodes);
    Id id = Id::Hash(AsBytes(text));
    EXPECT_TRUE(repo.SaveBlob(BlobType::kTree, id, AsBytes(text)).ok());
    return id;
  };
  Snapshot s = parent;
  s.tree = rewrite(parent.tree, 0);
  EXPECT_TRUE(repo.Flush().ok());
  return repo.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(s)).value();
}

// An unchanged file's xattrs come from its parent node (the backup does not
// list them again) when hort wrote that parent as this uid; once they are
// set, the kernel has moved the file's ctime and they are read again, with
// --ignore-ctime too.
TEST_F(TreeBackup, XattrsOfAnUnchangedFileComeFromTheParentUntilItsCtimeMoves) {
  // Below the current folder (the build tree), not /tmp: a tmpfs takes no
  // user xattrs before Linux 6.6.
  std::string folder = (std::filesystem::current_path() / "hort-xattrs-XXXXXX").string();
  ASSERT_NE(::mkdtemp(folder.data()), nullptr);
  struct RemovedAtEnd {
    std::string path;
    ~RemovedAtEnd() {
      std::error_code ec;  // a destructor must not throw
      std::filesystem::remove_all(path, ec);
    }
  } removed_at_end{folder};
  dir_ = folder;
  File("d/f", "x");
  const std::string f = dir_ + "/d/f";
  ASSERT_EQ(::setxattr(f.c_str(), "user.k", "v1", 2, 0), 0)
      << "the file system of " << dir_ << " refuses user xattrs (errno " << errno << ")";
  BackupOptions opt = OptionsFor({"/d"});
  auto first = RunBackup(*repo_, opt, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  const std::vector<ExtendedAttribute> v1{{"user.k", "v1"}};
  EXPECT_EQ(XattrsOfDF(*repo_, first->tree, dir_), v1);

  // Parents that disagree with the file only in its xattrs: taken from the
  // one hort wrote as this uid, read again below the others.
  const Snapshot written = repo_->FindSnapshot(first->snapshot_id.Hex()).value();
  Snapshot by_restic = written, by_another_uid = written;
  by_restic.program_version = "restic 0.14.0";
  by_another_uid.uid = written.uid + 1;
  const std::vector<std::pair<Snapshot, std::vector<ExtendedAttribute>>> parents{
      {written, {{"user.k", "from-parent"}}}, {by_restic, v1}, {by_another_uid, v1}};
  for (const auto& [parent, expected] : parents) {
    opt.parent = ForgeXattrs(*repo_, parent, dir_, "from-parent").Hex();
    auto next = RunBackup(*repo_, opt, nullptr);
    ASSERT_TRUE(next.ok()) << next.status().message();
    EXPECT_EQ(XattrsOfDF(*repo_, next->tree, dir_), expected) << parent.program_version << " uid " << parent.uid;
  }

  struct stat before, after;
  ASSERT_EQ(::lstat(f.c_str(), &before), 0);
  ASSERT_EQ(::setxattr(f.c_str(), "user.k", "v2", 2, 0), 0);
  ASSERT_EQ(::lstat(f.c_str(), &after), 0);
  ASSERT_TRUE(before.st_ctim.tv_sec != after.st_ctim.tv_sec || before.st_ctim.tv_nsec != after.st_ctim.tv_nsec)
      << "setxattr left ctime as it was: this test shows nothing here";
  opt.parent = ForgeXattrs(*repo_, written, dir_, "from-parent").Hex();
  auto changed = RunBackup(*repo_, opt, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  EXPECT_EQ(XattrsOfDF(*repo_, changed->tree, dir_), (std::vector<ExtendedAttribute>{{"user.k", "v2"}}));

  // --ignore-ctime keeps the content (same size and mtime) but not the xattrs.
  opt.ignore_ctime = true;
  opt.parent = changed->snapshot_id.Hex();
  ASSERT_EQ(::setxattr(f.c_str(), "user.k", "v3", 2, 0), 0);
  auto ignored = RunBackup(*repo_, opt, nullptr);
  ASSERT_TRUE(ignored.ok()) << ignored.status().message();
  EXPECT_EQ(XattrsOfDF(*repo_, ignored->tree, dir_), (std::vector<ExtendedAttribute>{{"user.k", "v3"}}));
}

}  // namespace
}  // namespace hort
