"""Knowledge: indexes from the store, the sealed snapshot, rebuilds after imports."""

from __future__ import annotations

import threading
import time

from atesaki import store
from atesaki.knowledge import (
    SNAPSHOT_NAME,
    HistoryEntry,
    KnowledgeCache,
    history_watermark,
    load,
    load_snapshot,
    save_snapshot,
)
from atesaki.knowledge.caches import Caches
from atesaki.store import people


def internal(address: str) -> bool:
    return address.endswith("@agency.go.jp")


def add_history(conn, address: str, name: str, when: str) -> None:
    with store.transaction(conn):
        people.record_send(conn, [(address, name)], when)


def test_history_makes_people_known_and_counted(tmp_path):
    conn = store.open_store(tmp_path)
    add_history(conn, "m-sato@agency.go.jp", "佐藤 美咲", "2026-11-01T09:00:00+00:00")
    add_history(conn, "m-sato@agency.go.jp", "佐藤 美咲", "2026-11-08T09:00:00+00:00")
    kb = load(conn, internal)
    assert kb.sent_count("M-Sato@agency.go.jp") == 2
    person = kb.person("m-sato@agency.go.jp")
    assert person.internal and person.source == "history"
    assert not kb.in_address_book("m-sato@agency.go.jp")


def test_a_snapshot_round_trips_and_replays_later_sends(tmp_path):
    conn = store.open_store(tmp_path)
    add_history(conn, "a@example.com", "Alice", "2026-11-01T09:00:00+00:00")
    kb = load(conn, internal)
    save_snapshot(tmp_path, kb, store.generation(conn), ("agency.go.jp",), history_watermark(conn))
    assert (tmp_path / SNAPSHOT_NAME).stat().st_mode & 0o777 == 0o600
    add_history(conn, "a@example.com", "Alice", "2026-11-02T09:00:00+00:00")  # after the snapshot
    cache = KnowledgeCache(tmp_path, internal, lambda: ["agency.go.jp"])
    restored = cache.get(conn)
    assert restored is not kb
    assert restored.sent_count("a@example.com") == 2


def test_a_snapshot_for_another_generation_or_domain_list_is_not_used(tmp_path):
    conn = store.open_store(tmp_path)
    kb = load(conn, internal)
    save_snapshot(tmp_path, kb, 0, ("agency.go.jp",), "")
    assert load_snapshot(tmp_path, 1, ("agency.go.jp",), internal) is None
    assert load_snapshot(tmp_path, 0, ("other.go.jp",), internal) is None
    assert load_snapshot(tmp_path, 0, ("agency.go.jp",), internal) is not None


def test_a_tampered_snapshot_is_never_unpickled(tmp_path):
    conn = store.open_store(tmp_path)
    save_snapshot(tmp_path, load(conn, internal), 0, (), "")
    path = tmp_path / SNAPSHOT_NAME
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_snapshot(tmp_path, 0, (), internal) is None


def test_a_send_while_the_snapshot_is_written_lands_and_the_snapshot_is_whole(
        tmp_path, monkeypatch):
    """The snapshot is written in the background after start-up, while sends go on: a send
    arriving mid-way must neither fail (it once met the service hook set aside for
    pickling: a 500 on /v1/sends) nor leave a half-copied snapshot."""
    import pickle
    import threading

    from atesaki.knowledge import HistoryEntry

    conn = store.open_store(tmp_path)
    add_history(conn, "a@example.com", "Alice", "2026-11-01T09:00:00+00:00")
    kb = load(conn, internal)
    failures = []

    def send() -> None:
        try:
            kb.add_history(HistoryEntry("new@agency.go.jp", "佐藤 美咲", 1, None, None))
        except Exception as exc:  # reported by the assertion below
            failures.append(exc)

    real_dumps = pickle.dumps
    sender = threading.Thread(target=send)

    def dumps_with_a_send_meanwhile(obj, *args, **kwargs):
        sender.start()
        sender.join(0.3)  # the send runs now, or waits for the copy to finish
        return real_dumps(obj, *args, **kwargs)

    monkeypatch.setattr(pickle, "dumps", dumps_with_a_send_meanwhile)
    save_snapshot(tmp_path, kb, store.generation(conn), (), history_watermark(conn))
    monkeypatch.setattr(pickle, "dumps", real_dumps)
    sender.join(5)
    assert failures == []
    assert kb.person("new@agency.go.jp").internal
    restored, _ = load_snapshot(tmp_path, store.generation(conn), (), internal)
    assert restored.sent_count("a@example.com") == 1
    assert restored.sent_count("new@agency.go.jp") == 0  # copied before the send, whole


def test_an_import_while_running_is_seen_by_the_next_check(tmp_path):
    conn = store.open_store(tmp_path)
    cache = KnowledgeCache(tmp_path, internal, lambda: ["agency.go.jp"])
    assert cache.get(conn).sent_count("b@example.com") == 0
    with store.transaction(conn):
        people.record_send(conn, [("b@example.com", "Bob")], "2026-11-03T09:00:00+00:00")
        store.bump_generation(conn)  # what every import does
    assert cache.get(conn).sent_count("b@example.com") == 1


def test_a_slow_rebuild_serves_the_previous_knowledge_meanwhile(tmp_path, monkeypatch):
    conn = store.open_store(tmp_path)
    cache = KnowledgeCache(tmp_path, internal, lambda: [])
    first = cache.get(conn)
    import atesaki.knowledge as knowledge

    real_load = knowledge.load

    def slow_load(*args):
        time.sleep(0.6)
        return real_load(*args)

    monkeypatch.setattr(knowledge, "load", slow_load)
    monkeypatch.setattr(KnowledgeCache, "WAIT_FOR_RELOAD", 0.05)
    with store.transaction(conn):
        store.bump_generation(conn)
    assert cache.get(conn) is first  # not kept waiting
    deadline = time.monotonic() + 5
    while cache.get(conn) is first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.get(conn) is not first


def test_an_import_leaves_a_current_snapshot_for_the_next_start(runner, data_dir, tmp_path):
    (data_dir / "config.toml").write_text('internal_domains = ["agency.go.jp"]\n')
    card = tmp_path / "staff.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:佐藤 美咲\r\nN:佐藤;美咲;;;\r\n"
                    "EMAIL:m-sato@agency.go.jp\r\nEND:VCARD\r\n", encoding="utf-8")
    result = runner("import", "directory", str(card))
    assert result.exit_code == 0, result.output
    conn = store.open_store(data_dir)
    found = load_snapshot(data_dir, store.generation(conn), ("agency.go.jp",), internal)
    assert found is not None
    kb, _ = found
    assert kb.person("m-sato@agency.go.jp").name == "佐藤 美咲"


def test_namesakes_are_ranked_staff_then_most_written_to_then_strangers(tmp_path):
    from atesaki.core.names import person_profile
    from atesaki.knowledge import HistoryEntry, Knowledge, Person

    kb = Knowledge(internal)

    def person(ref, name, address, source="contacts"):
        return Person(ref, name, (address,), internal(address), source, "",
                      person_profile(name, address=address))

    kb.add_person(person("p:1", "佐藤 一郎", "ichiro@a.example"))
    kb.add_person(person("p:2", "佐藤 二郎", "jiro@b.example"))
    kb.add_person(person("p:3", "佐藤 美咲", "m-sato@agency.go.jp", "directory"))
    kb.add_history(HistoryEntry("jiro@b.example", "佐藤 二郎", 9, None, None))
    refs = kb.namesake_refs(person_profile("佐藤 健二"))
    assert {"p:1", "p:2", "p:3"} <= refs
    assert [p.ref for p in kb.ranked(refs, 3)][:3] == ["p:3", "p:2", "p:1"]
    kb.add_history(HistoryEntry("ichiro@a.example", "佐藤 一郎", 20, None, None))
    assert [p.ref for p in kb.ranked(refs, 3)][:3] == ["p:3", "p:1", "p:2"]


def test_a_new_rank_version_is_published_only_once_the_send_is_all_in():
    """Checks and their caches key on the rank_version they read first: whoever sees a
    new version must also see the send's counts and ranks, or a stale answer would be
    kept under the new version."""
    from atesaki.core.names import person_profile
    from atesaki.knowledge import HistoryEntry, Knowledge, Person

    seen = []

    class Watched(Knowledge):
        @property
        def rank_version(self):
            return self.__dict__.get("_version", 0)

        @rank_version.setter
        def rank_version(self, version):
            if version and self._ranks is not None:  # what a reader would find now
                seen.append((version, self.sent_count("jiro@b.example"),
                             [p.ref for p in self.ranked({"p:1", "p:2"}, 2)]))
            self.__dict__["_version"] = version

    kb = Watched(internal)
    for ref, name, address in [("p:1", "佐藤 一郎", "ichiro@a.example"),
                               ("p:2", "佐藤 二郎", "jiro@b.example")]:
        kb.add_person(Person(ref, name, (address,), False, "contacts", "",
                             person_profile(name, address=address)))
    assert [p.ref for p in kb.ranked({"p:1", "p:2"}, 2)] == ["p:1", "p:2"]
    kb.add_history(HistoryEntry("jiro@b.example", "佐藤 二郎", 9, None, None))
    assert seen == [(3, 9, ["p:2", "p:1"])]
    assert kb.rank_changes_since(2) == [("p:2", False)]


class SendDuringSwap(KnowledgeCache):
    """A rebuild during which a send (a request on another thread) commits after the
    replay, just before the swap."""

    WAIT_FOR_RELOAD = 0.01  # the request does not wait for the rebuild it is racing

    def __init__(self, *args, send) -> None:
        super().__init__(*args)
        self.send = send

    def _swap(self, kb, wanted) -> None:
        request = threading.Thread(target=self.send)
        request.start()
        request.join()
        super()._swap(kb, wanted)


def _send_as_the_web_layer_does(tmp_path, cache, address, when):
    """Commit the send to history, then add it to the Knowledge a request is given now."""
    conn = store.connect(tmp_path)
    try:
        add_history(conn, address, "Bob", when)
        row = conn.execute("SELECT address, name, count, first_sent, last_sent FROM history "
                           "WHERE address = ?", (address,)).fetchone()
        cache.get(conn).add_history(HistoryEntry(*row))
    finally:
        conn.close()


def test_a_send_between_the_rebuilds_replay_and_its_swap_is_in_the_new_knowledge(tmp_path):
    conn = store.open_store(tmp_path)
    add_history(conn, "a@example.com", "Ann", "2026-11-01T09:00:00+00:00")
    cache = SendDuringSwap(tmp_path, internal, lambda: [], send=lambda: _send_as_the_web_layer_does(
        tmp_path, cache, "b@example.com", "2026-11-02T09:00:00+00:00"))
    first = cache.get(conn)
    with store.transaction(conn):
        store.bump_generation(conn)  # an import: the rebuild starts
    deadline = time.monotonic() + 10
    while cache.get(conn) is first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.sent_count("b@example.com") == 1  # the request was given the old one
    assert cache.get(conn).sent_count("b@example.com") == 1  # and the new one has it too


def test_a_send_during_a_rebuild_from_an_empty_history_is_kept(tmp_path):
    conn = store.open_store(tmp_path)
    cache = SendDuringSwap(tmp_path, internal, lambda: [], send=lambda: _send_as_the_web_layer_does(
        tmp_path, cache, "c@example.com", "2026-11-02T09:00:00+00:00"))
    first = cache.get(conn)
    with store.transaction(conn):
        store.bump_generation(conn)
    deadline = time.monotonic() + 10
    while cache.get(conn) is first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cache.get(conn).sent_count("c@example.com") == 1


def test_the_caches_belong_to_one_knowledge_and_a_new_one_starts_empty(tmp_path):
    conn = store.open_store(tmp_path)
    add_history(conn, "a@example.com", "Ann", "2026-11-01T09:00:00+00:00")
    kb = load(conn, internal)
    kb.caches.part("checks.per_recipient", dict)["x"] = 1
    save_snapshot(tmp_path, kb, store.generation(conn), (), "")
    restored, _ = load_snapshot(tmp_path, store.generation(conn), (), internal)
    assert restored.caches.names() == []  # nothing remembered travels in a snapshot
    assert load(conn, internal).caches.names() == []


def test_each_cache_part_is_made_once_and_seen_whole_by_every_thread():
    caches = Caches()
    names = [f"part{i}" for i in range(40)]
    made: list[str] = []
    seen: dict[str, set[int]] = {name: set() for name in names}
    start = threading.Barrier(8)

    def make(name):
        def build():
            made.append(name)
            time.sleep(0.001)  # a part that takes a while to build
            return {"name": name, "filled": True}
        return build

    def worker(offset):
        start.wait()
        for round_ in range(3):
            for name in names[offset:] + names[:offset]:
                part = caches.part(name, make(name))
                assert part == {"name": name, "filled": True}
                seen[name].add(id(part))
            del round_

    threads = [threading.Thread(target=worker, args=(i * 5,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made) == sorted(names)  # each built once
    assert all(len(ids) == 1 for ids in seen.values())  # every thread got that one
    assert sorted(caches.names()) == sorted(names)  # and none was lost
