#!/usr/bin/env bash
# The Grafana dashboard is well-formed dashboard JSON, every query parses as
# PromQL (promtool), and every metric it queries exists in hort's output.
# Grafana itself is not in Debian, so its JSON model is checked here by
# structure; the queries are checked by the real Prometheus parser. The
# Volumes row's queries are run by a real Prometheus scraping `hort serve`:
# before the volumes jobs run, its per-volume panels return nothing and the
# check fails; after a real run of a volumes entry on an image and of a
# snapshots job every query returns hort's own values, and every legend's
# labels are in its results.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
DASH="$ROOT/deploy/grafana/hort-backups.json"
command -v prometheus >/dev/null || fail "prometheus is missing (Debian package prometheus)"

# A catalog with a backup, a check, an offsite copy and volumes entries (one on an image, one
# pvc with snapshots, its cluster unreachable), so every family has samples.
mkdir -p "$WORK/src" && echo data >"$WORK/src/f"
truncate -s 16M "$WORK/app.img"
head -c 3M /dev/urandom | dd of="$WORK/app.img" bs=1M seek=4 conv=notrunc status=none
cat >"$WORK/hort.yaml" <<YAML
kubernetes: {kubeconfig: ./no-cluster.kubeconfig}
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD, check: {schedule: "@weekly"}}
  copy: {url: ./copy, password_env: HORT_PASSWORD}
volume_stores:
  nas: {url: ./store}
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: data, path: $WORK/src, schedule: "@daily", repository: main}
    volumes:
      - {image: $WORK/app.img, name: app-data, schedule: "@daily", store: nas, verify: true}
      - {pvc: app-db, schedule: "@daily", store: nas, snapshots: {schedule: "@daily", keep: {last: 3}}}
offsite:
  nightly: {from: main, to: copy, schedule: "@daily"}
tests:
  T1: {type: files, scope: app, every: 3mo}
velero:
  locations:
    nas: {url: ./bsl}
  verify: {schedule: "@daily"}
YAML
# A Velero location (Velero's layout, written from the reference) so the hort_velero_* families have samples.
python3 "$E2E_DIR/../kube/make_velero_backup.py" "$WORK/bsl" daily-20261203020000 >/dev/null
hort init -r "$WORK/repo" -q
hort init -r "$WORK/copy" -q
hort --config "$WORK/hort.yaml" run app/files/data -q
hort --config "$WORK/hort.yaml" run check/main -q
hort --config "$WORK/hort.yaml" run offsite/nightly -q
hort --config "$WORK/hort.yaml" run velero/nas -q
# The daemon's exposition (it alone has backend request counters), scraped by a real Prometheus.
PORT=$(free_port)
"$HORT" --config "$WORK/hort.yaml" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
PPORT=$(free_port)
cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: hort
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" >"$WORK/prometheus.log" 2>&1 &
BG_PIDS+=($!)

# volume_queries METRICS: Prometheus runs every query of the Volumes row; each returns series, each
# result has the labels its legend names, and a bare metric query returns exactly hort's samples
# in METRICS (the daemon's exposition). Prints the problems, one a line, and exits 1 if any.
volume_queries() {
  python3 - "$DASH" "http://127.0.0.1:$PPORT" "$1" <<'PY'
import json, re, sys, urllib.parse, urllib.request
dash, prom, metrics = sys.argv[1:4]
samples = {}
for line in open(metrics):
    m = re.match(r"^([a-z_]+)\{(.*)\} (\S+)$", line.strip())
    if m:
        samples[(m.group(1), frozenset(re.findall(r'([a-z_]+)="([^"]*)"', m.group(2))))] = float(m.group(3))
problems, row = [], None
for p in json.load(open(dash))["panels"]:
    if p["type"] == "row":
        row = p["title"]
        continue
    if row != "Volumes":
        continue
    for t in p["targets"]:
        where = f"panel '{p['title']}' {t['refId']} ({t['expr']})"
        url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": t["expr"]})
        result = json.load(urllib.request.urlopen(url))["data"]["result"]
        if not result:
            problems.append(f"{where}: no series")
        for r in result:
            labels = r["metric"]
            for name in re.findall(r"\{\{(\w+)\}\}", t.get("legendFormat", "")):
                if name not in labels:
                    problems.append(f"{where}: legend label {name} is not in {labels}")
            if re.fullmatch(r"hort_[a-z_]+", t["expr"]):
                own = frozenset((k, v) for k, v in labels.items() if k not in ("__name__", "job", "instance"))
                if (t["expr"], own) not in samples:
                    problems.append(f"{where}: {labels} is not in hort's exposition")
                elif samples[(t["expr"], own)] != float(r["value"][1]):
                    problems.append(f"{where}: {r['value'][1]}, hort says {samples[(t['expr'], own)]}")
print("\n".join(problems) if problems else "every Volumes query returns hort's samples")
sys.exit(1 if problems else 0)
PY
}

note "before any volumes run the per-volume panels are empty: the check fails on them"
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/before.txt"
grep -q '^hort_volume_snapshot_last_status{.*} -1$' "$WORK/before.txt" || fail "no never-ran snapshots sample: $(grep snapshot "$WORK/before.txt")"
# Prometheus has scraped once hort's snapshots sample is there.
wait_for 30 sh -c "curl -sf 'http://127.0.0.1:$PPORT/api/v1/query?query=hort_volume_snapshot_last_status' | grep -q '\"result\":\[{'"
expect_rc 1 volume_queries "$WORK/before.txt"
for panel in "Volume backup age" "Volume verification" "Blocks per volume backup: new vs reused" "Uploaded per volume backup"; do
  grep -q "^panel '$panel' .*: no series$" "$WORK/last.out" || fail "the check did not miss '$panel': $(cat "$WORK/last.out")"
done
if grep -q "^panel 'Volume snapshots'" "$WORK/last.out"; then fail "the never-ran snapshots sample was missed: $(cat "$WORK/last.out")"; fi

note "a real run of the volumes entry and of the snapshots job (no cluster: it fails)"
hort --config "$WORK/hort.yaml" run app/volumes/app-data -q
expect_rc 1 hort --config "$WORK/hort.yaml" run app/volumes/app-db/snapshots
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics.txt"
promtool check metrics <"$WORK/metrics.txt" || fail "promtool rejects hort's exposition"
grep -q '^hort_volume_verify_last_status{store="nas",volume="app-data",service="app",entry="app-data",classification="critical"} 1$' "$WORK/metrics.txt" \
  || fail "no verified volume in hort's exposition: $(grep hort_volume_verify "$WORK/metrics.txt")"
grep -q '^hort_volume_snapshot_last_status{service="app",namespace="app",entry="app-db",classification="critical"} 0$' "$WORK/metrics.txt" \
  || fail "no failed snapshot run in hort's exposition: $(grep hort_volume_snapshot_last_status "$WORK/metrics.txt")"
note "the Volumes row's queries return hort's samples"
# Prometheus scrapes every second: wait until its answers are those of metrics.txt.
end=$((SECONDS + 30))
until volume_queries "$WORK/metrics.txt" >"$WORK/queries.out"; do
  [ $SECONDS -lt $end ] || { cat "$WORK/queries.out" >&2; fail "the Volumes row's queries do not return hort's samples"; }
  sleep 0.5
done
cat "$WORK/queries.out"

python3 - "$DASH" "$WORK/metrics.txt" "$WORK/exprs.yaml" <<'PY'
import json, re, sys
dash = json.load(open(sys.argv[1]))
exposed = {l.split()[2] for l in open(sys.argv[2]) if l.startswith("# TYPE ")}
def need(cond, msg):
    if not cond:
        sys.exit("dashboard: " + msg)
need(dash.get("title") == "Backups", "title must be 'Backups'")
need(isinstance(dash.get("uid"), str) and dash["uid"], "uid missing")
need(isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] >= 30, "schemaVersion missing or old")
need(isinstance(dash.get("panels"), list) and dash["panels"], "no panels")
ids = [p.get("id") for p in dash["panels"]]
need(len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids), "panel ids must be unique integers")
known = {"stat", "bargauge", "table", "timeseries", "gauge", "text", "row"}
exprs, rows = [], []
for p in dash["panels"]:
    need(p.get("type") in known, f"panel {p.get('title')}: unknown type {p.get('type')}")
    g = p.get("gridPos", {})
    need(all(isinstance(g.get(k), int) for k in "hwxy") and g["x"] + g["w"] <= 24, f"panel {p['title']}: bad gridPos")
    if p["type"] == "row":
        need(p.get("title") and g["w"] == 24 and g["h"] == 1 and not p.get("targets"),
             f"row {p.get('title')}: a row is a full-width title without queries")
        rows.append(p["title"])
        continue
    need(p.get("targets"), f"panel {p['title']}: no queries")
    for t in p["targets"]:
        need(t.get("refId") and t.get("expr"), f"panel {p['title']}: target without refId/expr")
        exprs.append(t["expr"])
        for name in re.findall(r"\bhort_[a-z_]+", t["expr"]):
            need(name in exposed, f"panel {p['title']}: metric {name} is not in hort's output")
        # Backups are per service, layer and entry: a legend without the layer mixes files and resources rows.
        if "hort_backup_" in t["expr"] and t.get("legendFormat"):
            need("{{layer}}" in t["legendFormat"], f"panel {p['title']}: legend {t['legendFormat']} lacks the layer")
        # Volumes are per store and volume, snapshots per service and entry: the legend names them.
        if re.search(r"hort_volume_(?!snapshot_)", t["expr"]):
            need("{{volume}}" in t.get("legendFormat", ""), f"panel {p['title']}: legend {t.get('legendFormat')} lacks the volume")
        if "hort_volume_snapshot_" in t["expr"]:
            need("{{entry}}" in t.get("legendFormat", ""), f"panel {p['title']}: legend {t.get('legendFormat')} lacks the entry")
need(any("hort_velero_" in e for e in exprs), "no panel shows the Velero locations")
need("Volumes" in rows, "no Volumes row")
for family in ("hort_volume_last_backup_timestamp_seconds", "hort_volume_verify_last_status",
               "hort_volume_last_backup_new_blocks", "hort_volume_last_backup_reused_blocks",
               "hort_volume_last_backup_uploaded_bytes", "hort_volume_snapshot_last_status"):
    need(any(family in e for e in exprs), f"no panel shows {family}")
with open(sys.argv[3], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:expr{i}\n        expr: {json.dumps(e)}\n")
print(f"{len(dash['panels'])} panels, {len(exprs)} queries, all metrics exist")
PY
promtool check rules "$WORK/exprs.yaml" >/dev/null || fail "a dashboard query does not parse as PromQL"
echo "grafana dashboard ok"
