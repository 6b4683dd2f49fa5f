#include "runbook/runbook_document.h"

#include <initializer_list>

#include "runbook/runbook_commands.h"
#include "schedule/duration.h"
#include "util/local_time.h"

namespace hort {
namespace {

Line Code(std::string s) { return {Span{std::move(s), true}}; }
Line Text(std::string s) { return {Span{std::move(s), false}}; }

void Append(Line& line, const Line& more) { line.insert(line.end(), more.begin(), more.end()); }

// The template's text as plain spans, each "{}" replaced by the next argument.
Line Fill(const char* tmpl, std::initializer_list<Line> args) {
  Line out;
  const std::string t = tmpl;
  auto arg = args.begin();
  size_t pos = 0;
  for (size_t at; arg != args.end() && (at = t.find("{}", pos)) != std::string::npos; pos = at + 2, ++arg) {
    if (at > pos) Append(out, Text(t.substr(pos, at - pos)));
    Append(out, *arg);
  }
  if (pos < t.size()) Append(out, Text(t.substr(pos)));
  return out;
}

class Writer {
 public:
  Writer(const Runbook& rb, Language lang) : rb_(rb), w_(WordsFor(lang)) { doc_.language = lang; }

  RunbookDocument Write() {
    Add(Block::Kind::kTitle, Text(w_.title));
    Add(Block::Kind::kParagraph, Fill(w_.generated, {Text(FormatWhen(rb_.generated)), Code(rb_.catalog_path)}));
    Add(Block::Kind::kParagraph, Text(w_.intro));
    for (const ServiceRunbook& s : rb_.services) Service(s);
    Add(Block::Kind::kHeading, Text(w_.cluster_lost));
    Section(rb_.cluster);
    return std::move(doc_);
  }

 private:
  void Add(Block::Kind kind, Line line) { doc_.blocks.push_back({kind, std::move(line), {}}); }
  void Commands(std::vector<std::string> lines) { doc_.blocks.push_back({Block::Kind::kCommands, {}, std::move(lines)}); }
  void Fact(const char* label, const Line& value) {
    Line line = Text(label);
    Append(line, value);
    Add(Block::Kind::kFact, line);
  }

  void Service(const ServiceRunbook& sr) {
    const hort::Service& s = *sr.service;
    Add(Block::Kind::kHeading, Code(s.name));
    Fact(w_.classification, Text(ClassificationName(s.classification)));
    Fact(w_.owner, s.owner.empty() ? Text(w_.not_set) : Code(s.owner));
    Fact(w_.rpo, Text(FormatDuration(s.rpo_seconds)));
    Fact(w_.rto, s.rto_seconds ? Text(FormatDuration(s.rto_seconds)) : Text(w_.not_set));
    Fact(w_.ns, Code(s.ns));
    Fact(w_.storage, s.storage.empty() ? Text(w_.not_set) : Code(s.storage));
    for (const ScenarioSection& sec : sr.scenarios) {
      Line title = Text(std::string(ScenarioTitle(w_, sec.scenario)) + " — ");
      Append(title, Code(s.name));
      Add(Block::Kind::kSubheading, title);
      Section(sec);
    }
  }

  void Section(const ScenarioSection& sec) {
    if (!sec.responsible.empty()) Fact(w_.responsible, Code(sec.responsible));
    if (!sec.order.empty()) {
      Line order;
      for (const auto& name : sec.order) {
        if (!order.empty()) Append(order, Text(", "));
        Append(order, Code(name));
      }
      Add(Block::Kind::kParagraph, Fill(w_.cluster_order, {order}));
    }
    for (const RecoveryPoint& p : sec.points) Point(sec.scenario, p);
    Tests(sec);
    Add(Block::Kind::kCaption, Text(w_.validate));
    for (const RunbookCheck& c : sec.checks) Check(c);
  }

  void Point(Scenario scenario, const RecoveryPoint& p) {
    const std::string entry = p.job.substr(p.job.rfind('/') + 1);
    const Line when = Text(FormatWhen(p.time));
    const Line id = p.id.empty() ? Text("-") : Code(p.short_id);
    Line line;
    if (scenario == Scenario::kClusterLost) {
      line = Fill(w_.point_repository, {Code(p.store), Code(p.what), id, when});
    } else if (p.id.empty()) {
      line = Fill(w_.point_none, {Code(p.what.empty() ? entry : p.what), Code(entry)});
    } else if (scenario == Scenario::kVolumeLost) {
      line = Fill(w_.point_volume, {Code(p.what), Code(p.store), id, when});
    } else {
      line = Fill(w_.point, {Code(p.what), Code(entry), id, when});
    }
    if (!p.id.empty() && !p.job.empty()) {  // say where the name came from
      Append(line, Text(" ("));
      Append(line, Fill(scenario == Scenario::kVolumeLost ? w_.from_store : w_.from_state, {Code(p.job)}));
      Append(line, Text(")"));
    }
    Add(Block::Kind::kBullet, line);
    if (!p.s3_keys.empty()) Add(Block::Kind::kParagraph, Fill(w_.s3_keys, {Code(p.s3_keys)}));
    for (const RunbookCommand& c : p.commands) {
      Add(Block::Kind::kParagraph, Text(PurposeCaption(w_, c.purpose)));
      Commands(c.lines);
    }
    if (p.longhorn_ui && !p.id.empty()) Add(Block::Kind::kParagraph, Fill(w_.longhorn_ui, {Code(p.what), Code(p.id)}));
  }

  void Tests(const ScenarioSection& sec) {
    Add(Block::Kind::kCaption, Text(w_.tests));
    if (sec.tests.empty()) {
      Add(Block::Kind::kBullet, Fill(w_.no_test, {Code(TestTypeName(ScenarioTestType(sec.scenario)))}));
      return;
    }
    for (const CoveringTest& t : sec.tests) {
      Line line = Fill(w_.test_line, {Code(t.spec->id), Text(TestTypeName(t.spec->type)), Text(t.spec->every)});
      Append(line, Text(": "));
      if (!t.last) {
        Append(line, Text(w_.never_tested));
      } else {
        const Line rto = Text(FormatDuration(t.rto_seconds));
        const Line judged = t.rto_seconds == 0 ? Text(w_.no_rto) : Fill(t.WithinRto() ? w_.within : w_.over, {rto});
        Append(line, Fill(w_.last_tested, {Text(FormatWhen(t.last->started)),
                                           Text(t.last->result == RunResult::kSuccess ? w_.pass : w_.fail),
                                           Code(FormatElapsed(t.last->restore_seconds)), judged}));
      }
      if (!t.spec->responsible.empty()) {
        Append(line, Text("; " + std::string(w_.responsible) + ": "));
        Append(line, Code(t.spec->responsible));
      }
      Add(Block::Kind::kBullet, line);
    }
    for (const CoveringTest& t : sec.tests) {
      Add(Block::Kind::kParagraph, Text(w_.repeat_test));
      Commands({"hort --config " + ShellWord(rb_.catalog_path) + " test run " + ShellWord(t.spec->id)});
    }
  }

  void Check(const RunbookCheck& c) {
    Line line;
    switch (c.kind) {
      case RunbookCheck::Kind::kExpectPath: line = Fill(w_.expect_path, {Code(c.value)}); break;
      case RunbookCheck::Kind::kExpectObject: line = Fill(w_.expect_object, {Code(c.value)}); break;
      case RunbookCheck::Kind::kMinFiles: line = Fill(w_.min_files, {Text(c.value)}); break;
      case RunbookCheck::Kind::kMinBytes: line = Fill(w_.min_bytes, {Text(c.value)}); break;
      case RunbookCheck::Kind::kSmoke:
        line = c.contains.empty() ? Fill(w_.smoke, {Code(c.value)}) : Fill(w_.smoke_contains, {Code(c.value), Code(c.contains)});
        break;
      case RunbookCheck::Kind::kRestoreVerify: line = Text(w_.restore_verify); break;
      case RunbookCheck::Kind::kDryRunClean: line = Text(w_.dry_run_clean); break;
      case RunbookCheck::Kind::kBlocksChecked: line = Text(w_.blocks_checked); break;
      case RunbookCheck::Kind::kE2fsck: line = Text(w_.e2fsck); break;
      case RunbookCheck::Kind::kDrVerified: line = Text(w_.dr_verified); break;
    }
    if (!c.test.empty()) {
      Append(line, Text(" "));
      Append(line, Fill(w_.checked_by, {Code(c.test)}));
    }
    Add(Block::Kind::kBullet, line);
  }

  const Runbook& rb_;
  const RunbookWords& w_;
  RunbookDocument doc_;
};

// The longest run of backticks in `s`, so a code span's fence can be longer.
size_t LongestBacktickRun(const std::string& s) {
  size_t best = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best;
}

std::string MarkdownLine(const Line& line) {
  std::string out;
  for (const Span& s : line) {
    if (!s.code) {
      out += MarkdownEscape(s.text);
      continue;
    }
    // CommonMark: a span fenced by more backticks than it holds; padded when it starts or ends with one.
    const std::string fence(LongestBacktickRun(s.text) + 1, '`');
    const bool pad = !s.text.empty() && (s.text.front() == '`' || s.text.back() == '`');
    out += fence + (pad ? " " : "") + s.text + (pad ? " " : "") + fence;
  }
  return out;
}

}  // namespace

RunbookDocument MakeRunbookDocument(const Runbook& rb, Language lang) { return Writer(rb, lang).Write(); }

std::string PlainText(const Line& line) {
  std::string out;
  for (const Span& s : line) out += s.text;
  return out;
}

std::string MarkdownEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\`*_[]<>|#~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string RenderRunbookText(const RunbookDocument& doc) {
  std::string out;
  for (const Block& b : doc.blocks) {
    const std::string text = PlainText(b.line);
    switch (b.kind) {
      case Block::Kind::kTitle: out += text + "\n" + std::string(text.size(), '=') + "\n"; break;
      case Block::Kind::kHeading: out += "\n== " + text + " ==\n"; break;
      case Block::Kind::kSubheading: out += "\n-- " + text + "\n"; break;
      case Block::Kind::kParagraph: out += "  " + text + "\n"; break;
      case Block::Kind::kFact: out += "  " + b.line.front().text + ": " + text.substr(b.line.front().text.size()) + "\n"; break;
      case Block::Kind::kBullet: out += "  - " + text + "\n"; break;
      case Block::Kind::kCaption: out += "  " + text + ":\n"; break;
      case Block::Kind::kCommands:
        for (const auto& l : b.lines) out += "      $ " + l + "\n";
        break;
    }
  }
  return out;
}

std::string RenderRunbookMarkdown(const RunbookDocument& doc) {
  std::string out;
  bool in_list = false;
  for (const Block& b : doc.blocks) {
    const std::string text = MarkdownLine(b.line);
    const bool list_item = b.kind == Block::Kind::kFact || b.kind == Block::Kind::kBullet;
    if (in_list && !list_item) out += "\n";  // else the next paragraph would continue the last item
    in_list = list_item;
    switch (b.kind) {
      case Block::Kind::kTitle: out += "# " + text + "\n\n"; break;
      case Block::Kind::kHeading: out += "\n## " + text + "\n\n"; break;
      case Block::Kind::kSubheading: out += "\n### " + text + "\n\n"; break;
      case Block::Kind::kParagraph: out += text + "\n\n"; break;
      case Block::Kind::kFact: {
        Line value(b.line.begin() + 1, b.line.end());
        out += "- **" + MarkdownEscape(b.line.front().text) + ":** " + MarkdownLine(value) + "\n";
        break;
      }
      case Block::Kind::kBullet: out += "- " + text + "\n"; break;
      case Block::Kind::kCaption: out += "\n**" + text + "**\n\n"; break;
      case Block::Kind::kCommands: {
        size_t longest = 0;
        for (const auto& l : b.lines) longest = std::max(longest, LongestBacktickRun(l));
        const std::string fence(std::max<size_t>(3, longest + 1), '`');
        out += fence + "sh\n";
        for (const auto& l : b.lines) out += l + "\n";
        out += fence + "\n\n";
        break;
      }
    }
  }
  return out;
}

}  // namespace hort
