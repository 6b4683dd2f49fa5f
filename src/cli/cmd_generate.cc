// restic's `generate`: man pages into a folder, completion scripts into
// files ("-" is standard output, as in newer restic).
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "cli/command.h"
#include "cli/generate.h"

namespace hort::cli {
namespace {

struct GenerateFlags {
  std::string man_dir, bash_file, zsh_file, fish_file;
};

Status WriteText(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status(Code::kIo, "cannot write " + path);
  return Status::Ok();
}

std::string Today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%b %Y", &tm);
  return buf;
}

}  // namespace

Command AddGenerate(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<GenerateFlags>();
  sub.add_option("--man", f->man_dir, "write man pages to directory");
  sub.add_option("--bash-completion", f->bash_file, "write bash completion file (- for stdout)");
  sub.add_option("--zsh-completion", f->zsh_file, "write zsh completion file (- for stdout)");
  sub.add_option("--fish-completion", f->fish_file, "write fish completion file (- for stdout)");
  const CLI::App* root = sub.get_parent();
  return MakeCommand(NeedsNothing(), [f, root, &g](Opened&) {
    bool done = false;
    if (!f->man_dir.empty()) {
      if (!g.quiet) std::fprintf(stderr, "writing man pages to directory %s\n", f->man_dir.c_str());
      std::error_code ec;
      std::filesystem::create_directories(f->man_dir, ec);
      for (const ManPage& page : ManPages(*root, Today())) {
        if (Status s = WriteText(f->man_dir + "/" + page.file, page.text); !s.ok()) return Fail(s);
      }
      done = true;
    }
    const std::pair<const std::string*, std::string (*)(const CLI::App&)> scripts[] = {
        {&f->bash_file, BashCompletion}, {&f->zsh_file, ZshCompletion}, {&f->fish_file, FishCompletion}};
    for (const auto& [file, make] : scripts) {
      if (file->empty()) continue;
      if (*file != "-" && !g.quiet) std::fprintf(stderr, "writing completion file to %s\n", file->c_str());
      if (Status s = WriteText(*file, make(*root)); !s.ok()) return Fail(s);
      done = true;
    }
    if (!done) {
      std::fprintf(stderr, "nothing to do\n");
      std::fputs(root->get_subcommand("generate")->help().c_str(), stdout);
    }
    return kExitOk;
  });
}

}  // namespace hort::cli
