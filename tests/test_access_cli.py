"""`cockpit user`, `embed-url`, `wall-url`, the link lists and revocations, `apikey list|revoke`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from factories import pinned_clock_env
from sqlalchemy.orm import Session

from data_access import access, api_keys, db

PLAYLISTS = Path(__file__).resolve().parent.parent / "playlists"


def cli(env, *args, stdin: str = ""):
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **pinned_clock_env(), **env})


def test_users_links_and_keys_from_the_command_line(mini_city, tmp_path):
    env = {"DATABASE_URL": mini_city.url, "DATA_DIR": str(tmp_path), "PLAYLISTS_DIR": str(PLAYLISTS)}
    added = cli(env, "user", "add", "zhang.san", "--role", "duty_officer", "--display-name", "张三", stdin="a good password\n")
    assert added.returncode == 0, added.stderr
    assert cli(env, "user", "add", "zhang.san", "--role", "viewer", stdin="a good password\n").stderr.strip() == \
        "cockpit: error: user 'zhang.san' exists"
    assert "at least 8" in cli(env, "user", "add", "li.si", "--role", "viewer", stdin="short\n").stderr
    assert cli(env, "user", "disable", "zhang.san").returncode == 0
    listed = cli(env, "user", "list").stdout
    assert listed.startswith("zhang.san\tduty_officer\t张三\t-\tdisabled")
    with Session(mini_city.engine) as s:
        assert access.authenticate(s, "zhang.san", "a good password") is None  # disabled

    url = cli(env, "embed-url", "overview.kpis", "--filter", "region=441900003", "--expires", "7d",
              "--origin", "https://portal.example/").stdout.strip()
    token = re.fullmatch(r"http://127\.0\.0\.1:8050/embed/overview\.kpis\?token=(\S+)", url)[1]
    settings_key = (tmp_path / "secret_key").read_text()
    with Session(mini_city.engine) as s:
        grant = access.check_link(s, settings_key, token, "embed")
    assert (grant.filters, grant.origins) == ("region=441900003", ("https://portal.example",))
    assert "no panel 'nope'" in cli(env, "embed-url", "nope").stderr
    assert "--origin" in cli(env, "embed-url", "overview.kpis", "--origin", "portal").stderr
    assert cli(env, "embed-url", "overview.kpis", "--expires", "soon").returncode == 2
    assert cli(env, "embed-list").stdout.startswith(f"{grant.link_id}\toverview.kpis\tregion=441900003")
    assert cli(env, "embed-revoke", grant.link_id).returncode == 0
    assert "revoked" in cli(env, "embed-list").stdout
    wall = cli(env, "wall-url", "wall").stdout.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:8050/wall/\S+", wall)
    assert "no playlist 'nope'" in cli(env, "wall-url", "nope").stderr

    with db.session_scope(mini_city.engine) as s:
        key = api_keys.create_key(s, "12345 hotline")
    prefix = key.split("_")[1]
    assert cli(env, "apikey", "list").stdout.startswith(f"{prefix}\t12345 hotline\tcreated ")
    assert cli(env, "apikey", "revoke", prefix).returncode == 0
    assert "\trevoked " in cli(env, "apikey", "list").stdout
    with Session(mini_city.engine) as s:
        assert api_keys.verify(s, key) is None
    assert cli(env, "apikey", "revoke", "ffffffff").returncode == 2


def test_the_demo_makes_its_users_once(engine):
    from dashboard.cli import DEMO_USERS, create_demo_users

    made = create_demo_users(engine)
    assert [(name, role) for name, role, _password in made] == [(name, role) for name, role, _ in DEMO_USERS]
    with db.session_scope(engine) as s:
        for name, _role, password in made:
            assert access.authenticate(s, name, password) is not None
    assert create_demo_users(engine) == []  # a second start leaves the users (and their passwords) alone
