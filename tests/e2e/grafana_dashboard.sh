#!/usr/bin/env bash
# The Grafana dashboard is well-formed dashboard JSON, every query parses as
# PromQL (promtool), and every metric it queries exists in hort's output.
# Grafana itself is not in Debian, so its JSON model is checked here by
# structure; the queries are checked by the real Prometheus parser.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
DASH="$ROOT/deploy/grafana/hort-backups.json"

# A catalog with a backup, a check and an offsite copy, so every family has samples.
mkdir -p "$WORK/src" && echo data >"$WORK/src/f"
cat >"$WORK/hort.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD, check: {schedule: "@weekly"}}
  copy: {url: ./copy, password_env: HORT_PASSWORD}
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: data, path: $WORK/src, schedule: "@daily", repository: main}
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
hort --config "$WORK/hort.yaml" run app -q
hort --config "$WORK/hort.yaml" run check/main -q
hort --config "$WORK/hort.yaml" run offsite/nightly -q
hort --config "$WORK/hort.yaml" run velero/nas -q
# The daemon's exposition (it alone has backend request counters).
PORT=$(free_port)
"$HORT" --config "$WORK/hort.yaml" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics.txt"
promtool check metrics <"$WORK/metrics.txt" || fail "promtool rejects hort's exposition"

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
exprs = []
for p in dash["panels"]:
    need(p.get("type") in known, f"panel {p.get('title')}: unknown type {p.get('type')}")
    g = p.get("gridPos", {})
    need(all(isinstance(g.get(k), int) for k in "hwxy") and g["x"] + g["w"] <= 24, f"panel {p['title']}: bad gridPos")
    need(p.get("targets"), f"panel {p['title']}: no queries")
    for t in p["targets"]:
        need(t.get("refId") and t.get("expr"), f"panel {p['title']}: target without refId/expr")
        exprs.append(t["expr"])
        for name in re.findall(r"\bhort_[a-z_]+", t["expr"]):
            need(name in exposed, f"panel {p['title']}: metric {name} is not in hort's output")
        # Backups are per service, layer and entry: a legend without the layer mixes files and resources rows.
        if "hort_backup_" in t["expr"] and t.get("legendFormat"):
            need("{{layer}}" in t["legendFormat"], f"panel {p['title']}: legend {t['legendFormat']} lacks the layer")
need(any("hort_velero_" in t["expr"] for p in dash["panels"] for t in p["targets"]), "no panel shows the Velero locations")
with open(sys.argv[3], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:expr{i}\n        expr: {json.dumps(e)}\n")
print(f"{len(dash['panels'])} panels, {len(exprs)} queries, all metrics exist")
PY
promtool check rules "$WORK/exprs.yaml" >/dev/null || fail "a dashboard query does not parse as PromQL"
echo "grafana dashboard ok"
