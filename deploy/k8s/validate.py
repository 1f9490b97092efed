#!/usr/bin/python3
"""Checks Tandem's Kubernetes manifests without a cluster (stdlib + PyYAML).

Usage: validate.py PATH...   (files, or directories whose *.yaml / *.yml are read)

Every document needs apiVersion, kind and metadata.name. Per kind:
  Deployment: spec.selector.matchLabels matches the template's labels; every
    container has an image; readiness/liveness/startup probes use the gRPC health
    protocol (grpc:) on port 50051, and readiness and liveness are present.
  Service: spec.selector.
  PodDisruptionBudget: spec.selector and spec.minAvailable or spec.maxUnavailable.
  HorizontalPodAutoscaler: spec.scaleTargetRef names a Deployment in the set;
    1 <= minReplicas <= maxReplicas.
Exits 1 and prints "FILE: FIELD: problem" for each failure; exits 0 otherwise.
"""
import os
import sys

import yaml

GRPC_PORT = 50051


def get(doc, path):
    """Value at a dotted path, or None."""
    node = doc
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def check_deployment(doc, err):
    selector = get(doc, "spec.selector.matchLabels")
    labels = get(doc, "spec.template.metadata.labels")
    if not isinstance(selector, dict) or not selector:
        err("spec.selector.matchLabels", "missing or empty")
    elif not isinstance(labels, dict):
        err("spec.template.metadata.labels", "missing")
    else:
        for key, value in selector.items():
            if labels.get(key) != value:
                err("spec.template.metadata.labels",
                    f"does not match spec.selector.matchLabels {key}={value}")
    containers = get(doc, "spec.template.spec.containers")
    if not isinstance(containers, list) or not containers:
        err("spec.template.spec.containers", "missing or empty")
        return
    for i, c in enumerate(containers):
        where = f"spec.template.spec.containers[{i}]"
        if not isinstance(c, dict):
            err(where, "not a mapping")
            continue
        if not c.get("image"):
            err(f"{where}.image", "missing")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = c.get(probe)
            if p is None:
                if probe != "startupProbe":
                    err(f"{where}.{probe}", "missing")
                continue
            port = get(p, "grpc.port")
            if port is None:
                err(f"{where}.{probe}.grpc.port",
                    "missing: probes must use the gRPC health protocol")
            elif port != GRPC_PORT:
                err(f"{where}.{probe}.grpc.port", f"is {port!r}, want {GRPC_PORT}")


def check_service(doc, err):
    if not get(doc, "spec.selector"):
        err("spec.selector", "missing or empty")


def check_pdb(doc, err):
    if not get(doc, "spec.selector"):
        err("spec.selector", "missing or empty")
    spec = get(doc, "spec") or {}
    if "minAvailable" not in spec and "maxUnavailable" not in spec:
        err("spec.minAvailable", "neither minAvailable nor maxUnavailable is set")


def check_hpa(doc, err, deployments):
    ref = get(doc, "spec.scaleTargetRef")
    if not isinstance(ref, dict):
        err("spec.scaleTargetRef", "missing")
    else:
        if ref.get("kind") != "Deployment":
            err("spec.scaleTargetRef.kind", f"is {ref.get('kind')!r}, want 'Deployment'")
        if ref.get("name") not in deployments:
            err("spec.scaleTargetRef.name",
                f"{ref.get('name')!r} is not a Deployment here ({sorted(deployments)})")
    lo = get(doc, "spec.minReplicas")
    hi = get(doc, "spec.maxReplicas")
    lo = 1 if lo is None else lo
    if not isinstance(hi, int):
        err("spec.maxReplicas", "missing or not an integer")
    elif not isinstance(lo, int) or not 1 <= lo <= hi:
        err("spec.minReplicas", f"{lo!r} is not within 1..maxReplicas ({hi})")


def manifest_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                if name.endswith((".yaml", ".yml")):
                    yield os.path.join(path, name)
        else:
            yield path


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    errors = []
    docs = []  # (file, index, doc)
    for path in manifest_files(argv[1:]):
        try:
            with open(path, encoding="utf-8") as f:
                loaded = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            errors.append(f"{path}: cannot parse: {e}")
            continue
        if not loaded:
            errors.append(f"{path}: no YAML documents")
        docs.extend((path, i, d) for i, d in enumerate(loaded))
    if not docs and not errors:
        errors.append(f"no manifests found in {' '.join(argv[1:])}")

    deployments = {get(d, "metadata.name") for _, _, d in docs
                   if isinstance(d, dict) and d.get("kind") == "Deployment"}
    for path, i, doc in docs:
        label = path if i == 0 else f"{path}[document {i}]"

        def err(field, problem, label=label, doc=doc):
            kind = doc.get("kind", "?") if isinstance(doc, dict) else "?"
            errors.append(f"{label}: {kind} {field}: {problem}")

        if not isinstance(doc, dict):
            err("(document)", "not a mapping")
            continue
        for field in ("apiVersion", "kind", "metadata.name"):
            if not get(doc, field):
                err(field, "missing")
        kind = doc.get("kind")
        if kind == "Deployment":
            check_deployment(doc, err)
        elif kind == "Service":
            check_service(doc, err)
        elif kind == "PodDisruptionBudget":
            check_pdb(doc, err)
        elif kind == "HorizontalPodAutoscaler":
            check_hpa(doc, err, deployments)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if errors:
        return 1
    kinds = ", ".join(f"{d.get('kind')}/{get(d, 'metadata.name')}" for _, _, d in docs)
    print(f"validate.py: {len(docs)} manifests OK: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
