// The runbook's words, German and English, in one table: the renderer is
// one, only the strings differ. Templates take their arguments at "{}".
#pragma once

#include <string>

#include "runbook/runbook.h"
#include "util/status.h"

namespace hort {

enum class Language { kEnglish, kGerman };

// "de" or "en"; anything else is kInvalidArgument.
[[nodiscard]] Result<Language> ParseLanguage(const std::string& code);
// What the environment asks for, as gettext reads it: the first set of
// LC_ALL, LC_MESSAGES, LANG; German when it starts with "de", else English.
[[nodiscard]] Language LanguageFromEnvironment();
[[nodiscard]] const char* LanguageCode(Language l);  // de, en

struct RunbookWords {
  const char *title, *generated, *intro;
  const char *classification, *owner, *rpo, *rto, *ns, *storage, *not_set;
  const char *files_lost, *namespace_deleted, *volume_lost, *cluster_lost;
  const char *point, *point_volume, *point_repository, *point_none, *from_state, *from_store, *s3_keys;
  const char *restore_to_folder, *restore_to_claim, *dump_to_file, *list_snapshots, *resources_dry_run,
      *resources_scratch, *resources_in_place, *volume_restore, *volume_list, *dr_restore, *repeat_test;
  const char *longhorn_ui, *cluster_order;
  const char *tests, *test_line, *last_tested, *never_tested, *no_test, *within, *over, *no_rto, *pass, *fail;
  const char *responsible, *validate;
  const char *expect_path, *expect_object, *min_files, *min_bytes, *smoke, *smoke_contains, *restore_verify,
      *dry_run_clean, *blocks_checked, *e2fsck, *dr_verified, *checked_by;
};

[[nodiscard]] const RunbookWords& WordsFor(Language l);
[[nodiscard]] const char* ScenarioTitle(const RunbookWords& w, Scenario s);
[[nodiscard]] const char* PurposeCaption(const RunbookWords& w, StepPurpose p);

}  // namespace hort
