#include "runbook/runbook_words.h"

#include <cstdlib>

namespace hort {

namespace {

constexpr RunbookWords kEnglish{
    .title = "Restore runbook",
    .generated = "Generated {} by hort runbook from {}, with the backups and restore tests its state recorded.",
    .intro = "For each service and each way of losing it: the newest backups, the exact commands (try the scratch "
             "form first where there is one), the restore test that covers the scenario and how to validate.",
    .classification = "Classification",
    .owner = "Owner",
    .rpo = "RPO",
    .rto = "RTO",
    .ns = "Namespace",
    .storage = "Storage",
    .not_set = "not set",
    .files_lost = "Files lost",
    .namespace_deleted = "Namespace deleted",
    .volume_lost = "Volume lost",
    .cluster_lost = "Cluster lost",
    .point = "{} (entry {}): latest backup {} of {}",
    .point_volume = "Volume {} in store {}: latest backup {} of {}",
    .point_repository = "Repository {} ({}): newest backup {} of {}",
    .point_none = "{} (entry {}): no backup recorded yet; the commands take the newest the repository holds",
    .from_state = "from the state: the last successful run of {}",
    .from_store = "from the state: the volume's last backup recorded by {}",
    .s3_keys = "S3 keys: from {}, as the catalog's credentials say; export them as AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY first.",
    .restore_to_folder = "Restore into a scratch folder (every file re-read against the snapshot), then copy back what was lost:",
    .restore_to_claim = "Or in the cluster, straight into the claim (hort agent on the claim's node):",
    .dump_to_file = "Write the dump to a file, then load it into the database:",
    .list_snapshots = "Other snapshots of this series:",
    .resources_dry_run = "First a dry run into a scratch namespace (nothing is written):",
    .resources_scratch = "Then restore into the scratch namespace, look at it, delete it:",
    .resources_in_place = "Restore the namespace itself (objects that exist are left as they are):",
    .volume_restore = "Restore the volume to an image and check its filesystem:",
    .volume_list = "The volume's backups:",
    .dr_restore = "Restore every group of this repository from its credentials alone:",
    .repeat_test = "Repeat the restore test:",
    .longhorn_ui = "Or in Longhorn's UI: Backup → volume {} → backup {} → Restore (Longhorn lists hort's backups as its own).",
    .cluster_order = "Then rebuild the cluster (Kubernetes, Longhorn, storage classes, hort) and follow each service's "
                     "runbook above, in this order: {}.",
    .tests = "Restore tests",
    .test_line = "{} ({}, every {})",
    .last_tested = "Last tested {}: {}, measured restore time {}, {}",
    .never_tested = "never tested",
    .no_test = "No restore test covers this scenario: add one of type {} to the catalog's tests.",
    .within = "within the RTO of {}",
    .over = "OVER the RTO of {}",
    .no_rto = "no RTO set",
    .pass = "pass",
    .fail = "FAIL",
    .responsible = "Responsible",
    .validate = "How to validate",
    .expect_path = "{} exists in the restored tree",
    .expect_object = "{} is back in the namespace",
    .min_files = "at least {} files are restored",
    .min_bytes = "at least {} bytes are restored",
    .smoke = "{} succeeds",
    .smoke_contains = "{} succeeds and prints {}",
    .restore_verify = "restore --verify re-reads every restored file against the snapshot and reports no error",
    .dry_run_clean = "the dry run reports every object created, unchanged or differs, none failed",
    .blocks_checked = "volumes restore checks every block against its name while writing",
    .e2fsck = "e2fsck -fn on the restored image exits 0",
    .dr_verified = "hort dr verifies every restored group like a restore test and exits 0",
    .checked_by = "(checked by {})",
};

constexpr RunbookWords kGerman{
    .title = "Wiederherstellungs-Runbook",
    .generated = "Erstellt am {} von hort runbook aus {}, mit den Sicherungen und Wiederherstellungstests aus dessen State.",
    .intro = "Für jeden Dienst und jede Art, ihn zu verlieren: die neuesten Sicherungen, die genauen Befehle (wo es "
             "sie gibt, zuerst die Form mit Testziel), der Wiederherstellungstest, der das Szenario abdeckt, und die Validierung.",
    .classification = "Klassifizierung",
    .owner = "Owner",  // as the protocol's column is called in the strategy
    .rpo = "RPO",
    .rto = "RTO",
    .ns = "Namespace",
    .storage = "Speicher",
    .not_set = "nicht gesetzt",
    .files_lost = "Dateien verloren",
    .namespace_deleted = "Namespace gelöscht",
    .volume_lost = "Volume verloren",
    .cluster_lost = "Cluster verloren",
    .point = "{} (Eintrag {}): letzte Sicherung {} vom {}",
    .point_volume = "Volume {} im Speicher {}: letzte Sicherung {} vom {}",
    .point_repository = "Repository {} ({}): neueste Sicherung {} vom {}",
    .point_none = "{} (Eintrag {}): noch keine Sicherung aufgezeichnet; die Befehle nehmen die neueste im Repository",
    .from_state = "aus dem State: letzter erfolgreicher Lauf von {}",
    .from_store = "aus dem State: letzte Sicherung des Volumes, aufgezeichnet von {}",
    .s3_keys = "S3-Schlüssel: aus {}, wie die credentials des Katalogs sagen; zuerst als AWS_ACCESS_KEY_ID und "
               "AWS_SECRET_ACCESS_KEY exportieren.",
    .restore_to_folder = "In einen Testordner wiederherstellen (jede Datei gegen den Snapshot nachgelesen), dann das "
                         "Verlorene zurückkopieren:",
    .restore_to_claim = "Oder im Cluster direkt in den Claim (hort agent auf dem Node des Claims):",
    .dump_to_file = "Den Dump in eine Datei schreiben, dann in die Datenbank einspielen:",
    .list_snapshots = "Weitere Snapshots dieser Reihe:",
    .resources_dry_run = "Zuerst ein Probelauf in einen Test-Namespace (nichts wird geschrieben):",
    .resources_scratch = "Dann in den Test-Namespace wiederherstellen, ansehen, löschen:",
    .resources_in_place = "Den Namespace selbst wiederherstellen (vorhandene Objekte bleiben unverändert):",
    .volume_restore = "Das Volume in ein Image wiederherstellen und sein Dateisystem prüfen:",
    .volume_list = "Die Sicherungen des Volumes:",
    .dr_restore = "Jede Gruppe dieses Repositorys allein mit seinen Zugangsdaten wiederherstellen:",
    .repeat_test = "Den Wiederherstellungstest wiederholen:",
    .longhorn_ui = "Oder in der Longhorn-Oberfläche: Backup → Volume {} → Sicherung {} → Restore (Longhorn führt die "
                   "Sicherungen von hort als eigene).",
    .cluster_order = "Danach den Cluster neu aufbauen (Kubernetes, Longhorn, Storage-Klassen, hort) und dem Runbook "
                     "jedes Dienstes oben folgen, in dieser Reihenfolge: {}.",
    .tests = "Wiederherstellungstests",
    .test_line = "{} ({}, alle {})",
    .last_tested = "Zuletzt getestet am {}: {}, gemessene Wiederherstellungszeit {}, {}",
    .never_tested = "nie getestet",
    .no_test = "Kein Wiederherstellungstest deckt dieses Szenario ab: einen Test vom Typ {} im Katalog ergänzen.",
    .within = "innerhalb des RTO von {}",
    .over = "ÜBER dem RTO von {}",
    .no_rto = "kein RTO gesetzt",
    .pass = "bestanden",
    .fail = "FEHLGESCHLAGEN",
    .responsible = "Verantwortlich",
    .validate = "Validierung",
    .expect_path = "{} ist im wiederhergestellten Baum vorhanden",
    .expect_object = "{} ist wieder im Namespace",
    .min_files = "mindestens {} Dateien sind wiederhergestellt",
    .min_bytes = "mindestens {} Bytes sind wiederhergestellt",
    .smoke = "{} läuft erfolgreich",
    .smoke_contains = "{} läuft erfolgreich und gibt {} aus",
    .restore_verify = "restore --verify liest jede wiederhergestellte Datei gegen den Snapshot nach und meldet keinen Fehler",
    .dry_run_clean = "der Probelauf meldet jedes Objekt als created, unchanged oder differs, keines als failed",
    .blocks_checked = "volumes restore prüft beim Schreiben jeden Block gegen seinen Namen",
    .e2fsck = "e2fsck -fn auf dem wiederhergestellten Image endet mit 0",
    .dr_verified = "hort dr prüft jede wiederhergestellte Gruppe wie ein Wiederherstellungstest und endet mit 0",
    .checked_by = "(geprüft von {})",
};

}  // namespace

Result<Language> ParseLanguage(const std::string& code) {
  if (code == "de") return Language::kGerman;
  if (code == "en") return Language::kEnglish;
  return Status(Code::kInvalidArgument, "--lang: expected de or en, got \"" + code + "\"");
}

Language LanguageFromEnvironment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(name);
    if (v && *v) return std::string(v).rfind("de", 0) == 0 ? Language::kGerman : Language::kEnglish;
  }
  return Language::kEnglish;
}

const char* LanguageCode(Language l) { return l == Language::kGerman ? "de" : "en"; }

const RunbookWords& WordsFor(Language l) { return l == Language::kGerman ? kGerman : kEnglish; }

const char* ScenarioTitle(const RunbookWords& w, Scenario s) {
  switch (s) {
    case Scenario::kFilesLost: return w.files_lost;
    case Scenario::kNamespaceDeleted: return w.namespace_deleted;
    case Scenario::kVolumeLost: return w.volume_lost;
    case Scenario::kClusterLost: return w.cluster_lost;
  }
  return w.files_lost;
}

const char* PurposeCaption(const RunbookWords& w, StepPurpose p) {
  switch (p) {
    case StepPurpose::kRestoreToFolder: return w.restore_to_folder;
    case StepPurpose::kRestoreToClaim: return w.restore_to_claim;
    case StepPurpose::kDumpToFile: return w.dump_to_file;
    case StepPurpose::kListSnapshots: return w.list_snapshots;
    case StepPurpose::kResourcesDryRun: return w.resources_dry_run;
    case StepPurpose::kResourcesIntoScratch: return w.resources_scratch;
    case StepPurpose::kResourcesInPlace: return w.resources_in_place;
    case StepPurpose::kVolumeRestore: return w.volume_restore;
    case StepPurpose::kVolumeList: return w.volume_list;
    case StepPurpose::kDrRestore: return w.dr_restore;
    case StepPurpose::kRepeatTest: return w.repeat_test;
  }
  return "";
}

}  // namespace hort
