"""The staff directory: imported or synced (real slapd, real Radicale) once at the central service, pulled by version into each PC."""

from __future__ import annotations

import psycopg
import pytest
import requests

from atesaki import create_app
from atesaki.central import db
from atesaki.central import directory as central_directory
from atesaki.link import client, directory
from atesaki.sync import SyncError
from tests.conftest import ApiClient, write_config
from tests.servers.fixtures import Branch, vcard

pytest_plugins = ["servers.postgres", "servers.central", "servers.fixtures"]
pytestmark = pytest.mark.servers


def staff_file(folder, people) -> str:
    path = folder / "staff.vcf"
    path.write_text("".join(vcard(uid, name, mail, reading) for uid, name, mail, reading in people),
                    encoding="utf-8")
    return str(path)


def findings(data_dir, address: str, name: str) -> dict:
    """What the PC's own check says of one recipient."""
    api = ApiClient(create_app({"DATA_DIR": str(data_dir), "PORT": 8765}))
    [recipient] = api.check([{"field": "to", "address": address, "name": name}])["recipients"]
    return recipient


def known(data_dir, address: str, name: str) -> tuple[bool, list[str]]:
    """What the PC's own check says of one recipient: (known, finding codes)."""
    recipient = findings(data_dir, address, name)
    return recipient["known"], [f["code"] for f in recipient["findings"]]


def homonyms(data_dir, address: str, name: str) -> list[str]:
    """The directory people a ``surname_homonym`` finding names for one recipient."""
    return [related["name"] for finding in findings(data_dir, address, name)["findings"]
            if finding["code"] == "surname_homonym" for related in finding["related"]]


def joined_pc(central, folder, name: str = "PC-01"):
    """A PC's data folder, joined to ``central``."""
    write_config(folder, {"internal_domains": ["agency.go.jp"]})
    client.join(folder, central.url, central.enrol(name), central.certificate.cert)
    return folder


def central_version(central) -> int:
    with psycopg.connect(central.database_url) as conn:
        return conn.execute("SELECT coalesce(max(version), 0) FROM directory_people").fetchone()[0]


def central_events(central) -> list[str]:
    with psycopg.connect(central.database_url) as conn:
        return [row[0] for row in conn.execute("SELECT event FROM central_log ORDER BY seq")]


def test_a_pc_pulls_the_directory_and_then_only_its_changes(central, tmp_path):
    people = [("u1", "佐藤 美咲", "m-sato@agency.go.jp", "さとう"),
              ("u2", "鈴木 花子", "h-suzuki@agency.go.jp", "すずき"),
              ("u3", "田中 一郎", "i-tanaka@agency.go.jp", "たなか")]
    done = central.cli("directory", "import", staff_file(tmp_path, people))
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout
    pc = tmp_path / "pc"
    write_config(pc, {"internal_domains": ["agency.go.jp"]})
    client.join(pc, central.url, central.enrol("PC-01"), central.certificate.cert)
    first = directory.pull(pc)
    assert (first.full, first.fetched, first.imported) == (True, 3, 3)
    is_known, codes = known(pc, "m-sato@agency.go.jp", "佐藤 美咲")
    assert is_known and "not_in_address_book" not in codes
    # One person leaves, one changes name; the next pull carries those two only.
    (tmp_path / "second").mkdir()
    people = [people[0], ("u2", "鈴木 花", "h-suzuki@agency.go.jp", "すずき")]
    done = central.cli("directory", "import", staff_file(tmp_path / "second", people))
    assert "1 changed, 1 removed, 1 unchanged" in done.stdout
    second = directory.pull(pc)
    assert (second.full, second.fetched, second.deleted) == (False, 1, 1)
    is_known, codes = known(pc, "i-tanaka@agency.go.jp", "田中 一郎")
    assert not is_known and "not_in_address_book" in codes
    assert directory.pull(pc).fetched == 0  # nothing new


def test_the_directory_is_only_for_enrolled_pcs(central):
    assert central.get("directory").status_code == 401


# 四月一日 reads わたぬき: no dictionary guesses it, so only the directory's reading lets
# "Watanuki" in a recipient's name be seen as the same surname as a colleague's.
WATANUKI = ("watanuki", "四月一日", "美咲", "m-watanuki@agency.go.jp", "わたぬき")
STRANGER = ("t.watanuki@example.com", "Watanuki Taro")


def ldap_sync(central, slapd, base: str, *extra: str):
    return central.cli("directory", "sync", "ldap", slapd.url, "--base", base,
                       "--bind-dn", slapd.admin_dn, "--password-file", str(slapd.password_file),
                       *extra)


def test_the_central_service_syncs_ldap_once_and_pcs_pull_it_with_readings(
        central, slapd, tmp_path):
    branch = Branch(slapd)
    branch.add(*WATANUKI, section="総務課")
    branch.add("h.suzuki", "鈴木", "花子", "h.suzuki@agency.go.jp", "すずき", section="経理課")
    branch.add("i.tanaka", "田中", "一郎", "i.tanaka@agency.go.jp", "たなか")
    done = ldap_sync(central, slapd, branch.base)
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout
    pc = joined_pc(central, tmp_path / "pc")
    first = directory.pull(pc)
    assert (first.full, first.fetched) == (True, 3)
    assert homonyms(pc, *STRANGER) == ["四月一日 美咲"]
    # People leave and change in LDAP: the next sync gives only them a new version.
    branch.delete("i.tanaka")
    branch.rename_mail("h.suzuki", "hanako.suzuki@agency.go.jp")
    done = ldap_sync(central, slapd, branch.base)
    assert "1 changed, 1 removed, 1 unchanged" in done.stdout, done.stdout
    second = directory.pull(pc)
    assert (second.full, second.fetched, second.deleted) == (False, 1, 1)
    assert known(pc, "hanako.suzuki@agency.go.jp", "鈴木 花子")[0]
    assert not known(pc, "i.tanaka@agency.go.jp", "田中 一郎")[0]
    assert "directory_synced" in central_events(central)
    assert central.cli("audit", "verify").returncode == 0


@pytest.mark.parametrize("extra, why", [
    (("--filter", "(mail=nobody@nowhere.example)"), "returned nobody"),
    (("--bind-dn", "cn=nobody,dc=example,dc=jp"), "LDAP search"),
], ids=["a search that suddenly finds nobody", "a refused bind"])
def test_a_failed_ldap_sync_leaves_the_previous_version(central, slapd, tmp_path, extra, why):
    branch = Branch(slapd)
    branch.add(*WATANUKI)
    assert ldap_sync(central, slapd, branch.base).returncode == 0
    version = central_version(central)
    pc = joined_pc(central, tmp_path / "pc")
    directory.pull(pc)
    failed = ldap_sync(central, slapd, branch.base, *extra)
    assert failed.returncode == 2
    assert why in failed.stderr and "last good data is kept" in failed.stderr
    assert central_version(central) == version
    assert directory.pull(pc).fetched == 0
    assert homonyms(pc, *STRANGER) == ["四月一日 美咲"]
    assert central_events(central)[-1] == "directory_sync_failed"


def test_the_central_service_syncs_a_carddav_book_and_pcs_pull_it_with_readings(
        central, radicale, tmp_path):
    url = radicale.new_book({
        "w.vcf": vcard("w", "四月一日 美咲", "m-watanuki@agency.go.jp", "わたぬき"),
        "s.vcf": vcard("s", "鈴木 花子", "h.suzuki@agency.go.jp", "すずき"),
    })
    done = central.cli("directory", "sync", "carddav", url, "--user", radicale.user,
                       "--password-file", str(radicale.password_file))
    assert done.returncode == 0, done.stderr
    assert "2 added" in done.stdout
    pc = joined_pc(central, tmp_path / "pc")
    assert directory.pull(pc).fetched == 2
    assert homonyms(pc, *STRANGER) == ["四月一日 美咲"]
    radicale.delete(url, "s.vcf")
    done = central.cli("directory", "sync", "carddav", url, "--user", radicale.user,
                       "--password-file", str(radicale.password_file))
    assert "0 changed, 1 removed, 1 unchanged" in done.stdout, done.stdout
    assert directory.pull(pc).deleted == 1


class FailsAfterOneBatch(requests.Session):
    """A session whose second addressbook-multiget never arrives (the network went)."""

    def __init__(self) -> None:
        super().__init__()
        self.multigets = 0

    def request(self, method, url, *args, **kwargs):
        if method == "REPORT" and b"addressbook-multiget" in (kwargs.get("data") or b""):
            self.multigets += 1
            if self.multigets == 2:
                raise requests.ConnectionError("the network went away")
        return super().request(method, url, *args, **kwargs)


def test_a_carddav_sync_cut_half_way_leaves_the_previous_version(central, radicale, tmp_path):
    cards = {f"c{i}.vcf": vcard(f"c{i}", f"山田 {i}", f"p{i}@agency.go.jp") for i in range(300)}
    url = radicale.new_book(cards)
    with db.open_pool(central.database_url, min_size=1, max_size=1) as pool:
        whole = central_directory.sync_carddav(pool, url, radicale.user, radicale.password)
        assert whole.added == 300
        radicale.put(url, "new.vcf", vcard("new", "新井 誠", "arai@agency.go.jp"))
        session = FailsAfterOneBatch()
        with pytest.raises(SyncError, match="cannot reach"):
            central_directory.sync_carddav(pool, url, radicale.user, radicale.password, session)
        assert session.multigets == 2  # it had read the first 250 cards when it failed
    assert central_version(central) == whole.version
    assert central_events(central)[-1] == "directory_sync_failed"
