"""docker-compose.yml cannot run here (no Docker engine), so its shape is checked."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET_NAMES = re.compile(r"(SECRET|PASSWORD|KEY|TOKEN)", re.IGNORECASE)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_describes_web_worker_beat_database_and_redis(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "safespace", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "safespace", "beat"]


def test_compose_uses_postgresql_16_or_newer_and_redis_7(compose):
    db_image = compose["services"]["db"]["image"]
    redis_image = compose["services"]["redis"]["image"]
    assert re.fullmatch(r"postgres:(\d+)(-alpine)?", db_image)
    assert int(re.match(r"postgres:(\d+)", db_image).group(1)) >= 16
    assert re.fullmatch(r"redis:7(\.\d+)*(-alpine)?", redis_image)


def test_compose_keeps_data_in_named_volumes(compose):
    named = set(compose["volumes"])
    assert {"pgdata", "redisdata"} <= named
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in named, f"{volume} is not a named volume"


def test_compose_hard_codes_no_secret(compose):
    def walk(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{path}[{index}]")
        else:
            yield path, node

    for path, value in walk(compose):
        if not isinstance(value, str):
            continue
        last = path.rsplit(".", 1)[-1]
        if SECRET_NAMES.search(last):
            assert value.startswith("${"), f"{path} is hard-coded"
        for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
            assert password.startswith("${"), f"{path} embeds a password"
    for name in ("web", "worker", "beat"):
        assert compose["services"][name]["env_file"] == ".env"


def test_env_example_lists_every_required_variable_with_no_value_for_secrets():
    lines = (ROOT / ".env.example").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    for name in (
        "DJANGO_SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "POSTGRES_PASSWORD",
    ):
        assert values[name] == "", f"{name} must be left empty in .env.example"
    assert values["DJANGO_DEBUG"] == "0"
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_gunicorn_access_logs_carry_no_paths(compose):
    """Paths can hold one-time tokens (password reset links): the access log omits them."""
    command = compose["services"]["web"]["command"]
    log_format = command[command.index("--access-logformat") + 1]
    assert "%(U)s" not in log_format and "%(r)s" not in log_format and "%(q)s" not in log_format
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--access-logformat" in dockerfile
