"""Every Kubernetes manifest in deploy/k8s keeps the invariants: resources and probes on
every container, no secret in plain text, the data stores and the model server private."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
DOCS: list[dict[str, Any]] = [
    doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc
]
WORKLOADS = [d for d in DOCS if d["kind"] in ("Deployment", "StatefulSet")]
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|API_KEY|ENCRYPTION_KEY|DATABASE_URL|REDIS_URL)")


def _named(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in DOCS if d["kind"] == kind and d["metadata"]["name"] == name)


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_the_manifests_are_found() -> None:
    names = {(d["kind"], d["metadata"]["name"]) for d in WORKLOADS}
    assert names >= {("Deployment", "web"), ("Deployment", "worker"), ("Deployment", "vllm"),
                     ("StatefulSet", "postgres"), ("StatefulSet", "redis")}  # fmt: skip


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w["metadata"]["name"])
def test_every_container_sets_requests_and_limits(workload) -> None:
    for container in _containers(workload):
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(bound, {})), (container["name"], bound)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w["metadata"]["name"])
def test_every_long_running_container_has_liveness_and_readiness_probes(workload) -> None:
    for container in workload["spec"]["template"]["spec"]["containers"]:
        assert "livenessProbe" in container and "readinessProbe" in container, container["name"]


def test_no_secret_is_written_in_the_manifests() -> None:
    assert not [d for d in DOCS if d["kind"] == "Secret"], "Secrets come from secrets.env (git-ignored)"
    for workload in WORKLOADS:
        for container in _containers(workload):
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    assert "valueFrom" in env and "value" not in env, (container["name"], env["name"])
    config = _named("ConfigMap", "clinic-assistant")["data"]
    assert not [key for key in config if SECRET_NAME.search(key)]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["secretGenerator"][0]["envs"] == ["secrets.env"]
    ignored = (K8S.parents[1] / ".gitignore").read_text().splitlines()
    assert "/deploy/k8s/secrets.env" in ignored
    example = (K8S / "secrets.env.example").read_text()
    assert all(line.endswith("=") or "<" in line for line in example.splitlines() if "=" in line)


@pytest.mark.parametrize("name", ["redis", "postgres", "vllm"])
def test_data_stores_and_the_model_server_are_private(name) -> None:
    service = _named("Service", name)
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert "nodePort" not in str(service) and "externalIPs" not in service["spec"]
    policy = _named("NetworkPolicy", f"{name}-private")
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app": name}
    for rule in policy["spec"]["ingress"]:
        for source in rule["from"]:
            # Only the app's own pods (and, for Redis, KEDA's namespace): never everyone.
            assert source.get("podSelector", {}).get("matchLabels") == {"tier": "app"} or source.get(
                "namespaceSelector", {}
            ).get("matchLabels") == {"kubernetes.io/metadata.name": "keda"}
    no_host_ports = [
        p for w in WORKLOADS for c in _containers(w) for p in c.get("ports", []) if "hostPort" in p
    ]
    assert not no_host_ports


def test_everything_is_denied_unless_a_policy_allows_it() -> None:
    deny = _named("NetworkPolicy", "default-deny-ingress")
    assert deny["spec"]["podSelector"] == {} and deny["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny["spec"]


def test_web_scales_on_cpu_and_the_worker_on_queue_depth() -> None:
    hpa = _named("HorizontalPodAutoscaler", "web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "web" and hpa["spec"]["minReplicas"] >= 2
    scaled = _named("ScaledObject", "worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "worker"
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == "celery"


def test_the_model_server_has_a_gpu_a_health_probe_and_its_weights_on_a_volume() -> None:
    vllm = _named("Deployment", "vllm")
    container = vllm["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    claims = [v["persistentVolumeClaim"]["claimName"] for v in vllm["spec"]["template"]["spec"]["volumes"]
              if "persistentVolumeClaim" in v]  # fmt: skip
    assert claims and _named("PersistentVolumeClaim", claims[0])


def test_web_probes_use_the_health_endpoints_with_an_allowed_host() -> None:
    web = _named("Deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    host = web["readinessProbe"]["httpGet"]["httpHeaders"][0]["value"]
    assert host in _named("ConfigMap", "clinic-assistant")["data"]["ALLOWED_HOSTS"].split(",")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_the_whole_set(tmp_path: Path) -> None:
    shutil.copytree(K8S, tmp_path / "k8s")
    shutil.copy(K8S / "secrets.env.example", tmp_path / "k8s" / "secrets.env")
    built = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path / "k8s")], capture_output=True, text=True, check=True
    ).stdout
    kinds = [doc["kind"] for doc in yaml.safe_load_all(built) if doc]
    assert kinds.count("Secret") == 1 and "ScaledObject" in kinds and "NetworkPolicy" in kinds
