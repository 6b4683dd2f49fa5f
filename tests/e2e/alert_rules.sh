#!/usr/bin/env bash
# The shipped alert rules are valid and every alert fires when it should and
# stays silent when it should not (promtool's rule unit tests).
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus)"
promtool check rules "$ROOT/deploy/prometheus/hort-rules.yaml"
promtool test rules "$ROOT/tests/prometheus/hort-rules.test.yaml"
# Every alert in the rules file has a unit test.
for alert in $(grep -o 'alert: [A-Za-z]*' "$ROOT/deploy/prometheus/hort-rules.yaml" | cut -d' ' -f2); do
  grep -q "alertname: $alert\$" "$ROOT/tests/prometheus/hort-rules.test.yaml" || fail "no promtool test for $alert"
done
# A broken expectation must make promtool fail (the tests can fail).
sed 's/exp_alerts: \[\]/exp_alerts: [{exp_labels: {severity: none}}]/' "$ROOT/tests/prometheus/hort-rules.test.yaml" \
  | sed "s#../../deploy/prometheus/hort-rules.yaml#$ROOT/deploy/prometheus/hort-rules.yaml#" >"$WORK/broken.test.yaml"
expect_rc 1 promtool test rules "$WORK/broken.test.yaml"
echo "alert rules ok"
