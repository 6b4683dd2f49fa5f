#include "cli/keep_flags.h"

#include "cli/snapshot_filter.h"

namespace hort::cli {

void AddKeepFlags(CLI::App& sub, KeepFlags* f, bool tags) {
  sub.add_option("-l,--keep-last", f->last, "keep the last n snapshots (-1: all)");
  sub.add_option("-H,--keep-hourly", f->hourly, "keep the last n hourly snapshots");
  sub.add_option("-d,--keep-daily", f->daily, "keep the last n daily snapshots");
  sub.add_option("-w,--keep-weekly", f->weekly, "keep the last n weekly snapshots");
  sub.add_option("-m,--keep-monthly", f->monthly, "keep the last n monthly snapshots");
  sub.add_option("-y,--keep-yearly", f->yearly, "keep the last n yearly snapshots");
  sub.add_option("--keep-within", f->within, "keep snapshots newer than this duration before the latest (1y5m7d2h)");
  sub.add_option("--keep-within-hourly", f->within_hourly, "keep hourly snapshots within this duration");
  sub.add_option("--keep-within-daily", f->within_daily, "keep daily snapshots within this duration");
  sub.add_option("--keep-within-weekly", f->within_weekly, "keep weekly snapshots within this duration");
  sub.add_option("--keep-within-monthly", f->within_monthly, "keep monthly snapshots within this duration");
  sub.add_option("--keep-within-yearly", f->within_yearly, "keep yearly snapshots within this duration");
  if (tags) sub.add_option("--keep-tag", f->keep_tags, "keep snapshots with this tag list (a,b = both)");
}

Status BuildPolicy(const KeepFlags& f, ExpirePolicy* p) {
  for (int v : {f.last, f.hourly, f.daily, f.weekly, f.monthly, f.yearly}) {
    if (v < -1) return Status(Code::kInvalidArgument, "negative values other than -1 are not allowed for --keep-*");
  }
  p->last = f.last;
  p->hourly = f.hourly;
  p->daily = f.daily;
  p->weekly = f.weekly;
  p->monthly = f.monthly;
  p->yearly = f.yearly;
  std::pair<const std::string*, CalendarDuration*> durations[] = {
      {&f.within, &p->within}, {&f.within_hourly, &p->within_hourly}, {&f.within_daily, &p->within_daily},
      {&f.within_weekly, &p->within_weekly}, {&f.within_monthly, &p->within_monthly},
      {&f.within_yearly, &p->within_yearly}};
  for (auto& [text, out] : durations) {
    if (text->empty()) continue;
    HORT_ASSIGN_OR_RETURN(*out, ParseCalendarDuration(*text));
  }
  for (const auto& t : f.keep_tags) p->tags.push_back(ParseTagList(t));
  return Status::Ok();
}

}  // namespace hort::cli
