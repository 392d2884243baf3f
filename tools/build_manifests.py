"""Writes the extension's manifests' ``content_scripts`` from the one adapter table, ``extension/adapters.json``.

Run ``python tools/build_manifests.py`` after editing the table; ``--check`` changes
nothing and exits 1 when a manifest is stale (the tests run it). The extension still
loads unpacked as it is: the written manifests are committed, and the service worker
reads the table itself for the adapter it registers at run time
(``background/registration.js``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXTENSION = Path(__file__).resolve().parent.parent / "extension"
TABLE = "adapters.json"
MANIFESTS = ("manifest.json", "manifest.firefox.json")
# The table's keys a manifest's content_scripts entry takes, in the order it is written.
MANIFEST_KEYS = ("matches", "js", "run_at", "all_frames", "match_about_blank")
# What background/registration.js passes on to chrome.scripting.registerContentScripts.
REGISTERED_KEYS = ("id", "js", "run_at", "all_frames")


def load_table(extension: Path = EXTENSION) -> list[dict]:
    """The adapters of the table, checked: unique ids, existing scripts, one registered at run time."""
    adapters = json.loads((extension / TABLE).read_text(encoding="utf-8"))["adapters"]
    problems = []
    ids = [adapter["id"] for adapter in adapters]
    if len(set(ids)) != len(ids):
        problems.append(f"ids repeat: {ids}")
    for adapter in adapters:
        missing = [name for name in adapter["js"] if not (extension / name).is_file()]
        if missing:
            problems.append(f"{adapter['id']}: no such script {missing}")
    for adapter in adapters:
        allowed = (*MANIFEST_KEYS, "id") if "matches" in adapter else REGISTERED_KEYS
        unknown = sorted(set(adapter) - set(allowed))
        if unknown:
            problems.append(f"{adapter['id']}: keys nothing reads {unknown}")
        if "matches" not in adapter and set(REGISTERED_KEYS) - set(adapter):
            # registerContentScripts would fall back to document_idle: too late to hold a send.
            problems.append(f"{adapter['id']}: needs {list(REGISTERED_KEYS)}")
    registered = [adapter["id"] for adapter in adapters if "matches" not in adapter]
    if len(registered) != 1:
        problems.append(f"exactly one adapter has no `matches` (registered at run time), not {registered}")
    if problems:
        raise ValueError(f"{extension / TABLE}: " + "; ".join(problems))
    return adapters


def content_scripts(adapters: list[dict]) -> list[dict]:
    """The manifests' content_scripts: every adapter with fixed hosts, in the table's order."""
    return [
        {key: adapter[key] for key in MANIFEST_KEYS if key in adapter}
        for adapter in adapters
        if "matches" in adapter
    ]


def render(manifest_text: str, adapters: list[dict]) -> str:
    """A manifest's text with its content_scripts taken from the table; every other key kept."""
    manifest = json.loads(manifest_text)
    manifest["content_scripts"] = content_scripts(adapters)
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def stale(extension: Path = EXTENSION, write: bool = False) -> list[str]:
    """The manifests that differ from the table (rewritten first when ``write``)."""
    adapters = load_table(extension)
    names = []
    for name in MANIFESTS:
        path = extension / name
        old = path.read_text(encoding="utf-8")
        new = render(old, adapters)
        if new != old:
            names.append(name)
            if write:
                path.write_text(new, encoding="utf-8")
    return names


def main(argv: list[str] | None = None) -> int:
    """Command line: write the manifests, or with --check only report the stale ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a manifest is stale")
    parser.add_argument("--extension", type=Path, default=EXTENSION,
                        help="the extension folder (default: this repository's)")
    args = parser.parse_args(argv)
    try:
        names = stale(args.extension, write=not args.check)
    except (OSError, ValueError) as exc:  # no table, bad JSON, a table the extension could not use
        print(exc, file=sys.stderr)
        return 2
    for name in names:
        if args.check:
            print(f"{name} is stale: run python tools/build_manifests.py", file=sys.stderr)
        else:
            print(f"wrote {name}")
    return 1 if args.check and names else 0


if __name__ == "__main__":
    sys.exit(main())
