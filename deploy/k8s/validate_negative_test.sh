#!/usr/bin/env bash
# The validator must reject broken manifests, naming the file and the field.
# Usage: validate_negative_test.sh [validate.py]
set -euo pipefail
validator=${1:-$(dirname "$0")/validate.py}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0

# expect_failure NAME PATTERN: validate $dir/NAME.yaml alone; it must fail and print PATTERN.
expect_failure() {
  local out rc=0
  out=$(/usr/bin/python3 "$validator" "$dir/$1.yaml" 2>&1) || rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "FAIL $1: validator exited $rc, want 1; output: $out"; status=1
  elif ! grep -qF -- "$2" <<<"$out"; then
    echo "FAIL $1: output lacks '$2': $out"; status=1
  else
    echo "ok   $1: rejected with '$2'"
  fi
}

cat >"$dir/selector-mismatch.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: tandem-cloud}
spec:
  selector: {matchLabels: {app: tandem-cloud}}
  template:
    metadata: {labels: {app: something-else}}
    spec:
      containers:
        - name: c
          image: tandem-cloud:latest
          readinessProbe: {grpc: {port: 50051}}
          livenessProbe: {grpc: {port: 50051}}
Y
expect_failure selector-mismatch "selector-mismatch.yaml: Deployment spec.template.metadata.labels"

cat >"$dir/http-probe-no-image.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: tandem-cloud}
spec:
  selector: {matchLabels: {app: t}}
  template:
    metadata: {labels: {app: t}}
    spec:
      containers:
        - name: c
          readinessProbe: {httpGet: {port: 8080, path: /}}
          livenessProbe: {grpc: {port: 50052}}
Y
expect_failure http-probe-no-image "spec.template.spec.containers[0].image: missing"
expect_failure http-probe-no-image "readinessProbe.grpc.port: missing"
expect_failure http-probe-no-image "livenessProbe.grpc.port: is 50052, want 50051"

cat >"$dir/hpa-bad.yaml" <<'Y'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: tandem-cloud}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: no-such-deployment}
  minReplicas: 5
  maxReplicas: 2
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: tandem-cloud}
spec:
  selector: {matchLabels: {app: t}}
---
apiVersion: v1
kind: Service
metadata: {}
spec: {clusterIP: None}
Y
expect_failure hpa-bad "hpa-bad.yaml: HorizontalPodAutoscaler spec.scaleTargetRef.name"
expect_failure hpa-bad "HorizontalPodAutoscaler spec.minReplicas: 5 is not within"
expect_failure hpa-bad "hpa-bad.yaml[document 1]: PodDisruptionBudget spec.minAvailable"
expect_failure hpa-bad "hpa-bad.yaml[document 2]: Service metadata.name: missing"
expect_failure hpa-bad "Service spec.selector: missing"

# The real manifests with one field broken: the HPA aims at a renamed Deployment.
sed 's/^  name: tandem-cloud$/  name: tandem-cloud-renamed/' \
  "$(dirname "$validator")/deployment.yaml" >"$dir/renamed.yaml"
cat "$(dirname "$validator")/hpa.yaml" >>"$dir/renamed.yaml"
sed -i 's/^kind: HorizontalPodAutoscaler$/---\n&/' "$dir/renamed.yaml"
expect_failure renamed "HorizontalPodAutoscaler spec.scaleTargetRef.name: 'tandem-cloud' is not a Deployment here (['tandem-cloud-renamed'])"

printf 'kind: [unclosed\n' >"$dir/not-yaml.yaml"
expect_failure not-yaml "not-yaml.yaml: cannot parse"

exit $status
