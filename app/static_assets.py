"""The weight of what the app sends: static files under hashed names, cached for a year; pages compressed.

``make assets`` runs ``python -m app.static_assets`` after the Sass build: each asset a template links to
is copied to a name that carries a hash of its content (``build/app.1a2b3c4d5e6f.css``), the relative
imports between JavaScript modules are rewritten to those names first (so a module's hash covers the
names it imports), brotli and gzip variants are written beside each copy (WhiteNoise's compressor) and
``build/manifest.json`` maps each asset to its copy. ``asset_url("build/app.css")`` in a template gives
the hashed URL.

WhiteNoise serves /static in front of Flask (``flask run``, gunicorn and the test client alike): a hashed
name for a year as immutable, since a new build is a new name; any other file for an hour. Flask-Compress
compresses the app's own responses (brotli, else gzip; ``COMPRESS_*`` in config.py): only text types, so
an XLSX or ZIP download, already compressed, is sent as it is, and nothing under 500 bytes.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import sys
from pathlib import Path

from flask import Flask, url_for
from flask_compress import Compress
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

# What the templates link to, relative to app/static; a module after the modules it imports.
ASSETS = ("build/app.css", "build/govuk-frontend.min.js", "js/app.js", "js/autosave.js", "js/autocomplete.js",
          "favicon.svg")
MANIFEST = "build/manifest.json"
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")
# A static import or re-export of a relative path: `from '../build/x.js'`, `import './y.js'`.
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*)(["'])(\.{1,2}/[^"']+)\2""")
# Files without a hash in their name (a direct link to favicon.svg, a source map) may change on a deploy.
UNHASHED_MAX_AGE = 3600


class AssetError(RuntimeError):
    """The assets are not built, or a template or module names one that is not among ASSETS."""


class _StaticFiles(WhiteNoise):
    # A year, not WhiteNoise's ten: caches are not asked to keep anything longer (RFC 9111 §5.3).
    FOREVER = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    """Compress responses, serve /static with WhiteNoise and give templates ``asset_url``."""
    Compress(app)
    static = Path(app.static_folder)
    manifest = Manifest(static / MANIFEST, reload=app.debug)
    app.add_template_global(manifest.url, "asset_url")
    app.wsgi_app = _StaticFiles(
        app.wsgi_app, root=static, prefix=app.static_url_path, autorefresh=app.debug,
        max_age=UNHASHED_MAX_AGE, immutable_file_test=_is_hashed, add_headers_function=_static_headers)


class Manifest:
    """Asset name -> its hashed copy, read from the manifest once (on every call when ``reload``, so a
    development server picks up a new build)."""

    def __init__(self, path: Path, *, reload: bool = False) -> None:
        self.path = path
        self.reload = reload
        self._names: dict[str, str] | None = None

    def url(self, name: str) -> str:
        """The URL of ``name``'s hashed copy; AssetError if the assets are not built or it is not one."""
        names = self._read() if self.reload or self._names is None else self._names
        self._names = names
        if name not in names:
            raise AssetError(f"{name!r} is not a built asset (app/static_assets.py ASSETS)")
        return url_for("static", filename=names[name])

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AssetError(f"{self.path} is missing: run `make assets`") from None


def _is_hashed(_path: str, url: str) -> bool:
    return bool(HASHED.search(url))


def _static_headers(headers, _path: str, _url: str) -> None:
    from app.observability import CSP

    # What the app's own responses carry (app/observability.py): a script is never sniffed as another type.
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = CSP


def build(static: Path) -> dict[str, str]:
    """Write the hashed copies of ASSETS under ``static``/build with their .br and .gz variants, delete
    copies of earlier builds, write the manifest and return it. AssetError if a module imports a file
    that is not an asset listed before it."""
    manifest: dict[str, str] = {}
    for name in ASSETS:
        source = static / name
        data = source.read_bytes()
        if source.suffix == ".js":
            data = _hash_imports(data.decode("utf-8"), name, manifest).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()[:12]
        hashed = f"build/{source.stem}.{digest}{source.suffix}"
        if hashed in manifest.values():
            raise AssetError(f"{name} would be copied to {hashed}, the name of another asset's copy")
        (static / hashed).write_bytes(data)
        manifest[name] = hashed
    keep = {static / hashed for hashed in manifest.values()}
    for old in (static / "build").iterdir():
        copy = old.with_suffix("") if old.suffix in (".br", ".gz") else old
        if _is_hashed(str(copy), copy.name) and copy not in keep:
            old.unlink()
    compressor = Compressor(quiet=True)
    for path in sorted(keep):
        compressor.compress(str(path))
    (static / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _hash_imports(text: str, name: str, manifest: dict[str, str]) -> str:
    """``text`` with each relative import pointing at the hashed copy (all copies sit in build/)."""
    folder = posixpath.dirname(name)

    def hashed(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(folder, match[3]))
        if target not in manifest:
            raise AssetError(f"{name} imports {match[3]}, which is not an asset listed before it in ASSETS")
        return f"{match[1]}{match[2]}./{posixpath.basename(manifest[target])}{match[2]}"

    return _IMPORT.sub(hashed, text)


if __name__ == "__main__":
    built = build(Path(__file__).resolve().parent / "static")
    sys.stdout.write("".join(f"{name} -> {copy}\n" for name, copy in built.items()))
