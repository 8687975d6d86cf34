"""Reading a 1EdTech CASE 1.1 CFPackage (JSON) into a FrameworkModel (see app/content/importers.py).

CFItems with children become areas (nested by parent), leaves become competencies; isChildOf
associations give the tree and CFItem identifiers are kept. Every field read is checked for its type
first (a number where text belongs, a list where an object does, a null identifier), and every problem
says where it is, e.g. ``CFItems[3].fullStatement: must be text, not a list``. The tree is walked
without recursion, so a chain of thousands of isChildOf links imports, and a loop is refused by name.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from app.content.importers import DEFAULT_SCALE, GENERIC_NOTE, ImportFailed, decode, slug, validated
from app.content.schemas import LOWER_CODE, NODE_CODE, FrameworkModel

_KINDS = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object",
          str: "text"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


class _Reader:
    """Typed access to the package's fields, collecting an error for each value of the wrong type."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.notes: list[str] = []

    def text(self, node: dict, key: str, where: str, *, numbers: bool = False) -> str:
        """The field as text ("" when absent or null); numbers are written out when ``numbers``."""
        value = node.get(key)
        if value is None or isinstance(value, str):
            return value or ""
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.errors.append(f"{where}.{key}: must be text, not {_kind(value)}")
        return ""

    def required(self, node: dict, key: str, where: str) -> str | None:
        """A text field that must be given: None, with an error, when it is absent, null, blank or
        not text."""
        value = node.get(key)
        if value is None or isinstance(value, str) and not value.strip():
            self.errors.append(f"{where}.{key}: missing")
            return None
        if not isinstance(value, str):
            self.errors.append(f"{where}.{key}: must be text, not {_kind(value)}")
            return None
        return value


def _load(data: bytes) -> dict:
    text = decode(data)
    try:
        package = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from exc
    except RecursionError as exc:
        raise ImportFailed(["the JSON nests too deeply to be a CASE package"]) from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ImportFailed([f"not valid JSON: {exc}"]) from exc
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise ImportFailed(["not a CASE package: CFDocument is missing or not an object"])
    if not isinstance(package.get("CFItems"), list):
        raise ImportFailed(["not a CASE package: CFItems is missing or not a list"])
    if not isinstance(package.get("CFAssociations") or [], list):
        raise ImportFailed([f"CFAssociations: must be a list, not {_kind(package['CFAssociations'])}"])
    return package


class _Package:
    """The package's items and tree, checked."""

    def __init__(self, package: dict, reader: _Reader) -> None:
        self.reader = reader
        self.document = package["CFDocument"]
        self.document_id = reader.required(self.document, "identifier", "CFDocument")
        self.title = " ".join((reader.required(self.document, "title", "CFDocument") or "").split())
        self.by_id: dict[str, dict] = {}
        self.order: dict[str, int] = {}
        self.statements: dict[str, tuple[str, str, str]] = {}  # full, abbreviated, human coding
        by_uri: dict[str, str] = {}
        document_uri = reader.text(self.document, "uri", "CFDocument")
        if document_uri and self.document_id:
            by_uri[document_uri] = self.document_id
        for index, item in enumerate(package["CFItems"]):
            self._item(index, item, by_uri)
        self.parent_of: dict[str, str | None] = {}
        self.sequence: dict[str, float] = {}
        for index, association in enumerate(package.get("CFAssociations") or []):
            self._association(index, association, by_uri)

    def _item(self, index: int, item: Any, by_uri: dict[str, str]) -> None:
        where = f"CFItems[{index}]"
        if not isinstance(item, dict):
            self.reader.errors.append(f"{where}: must be an object, not {_kind(item)}")
            return
        identifier = self.reader.required(item, "identifier", where)
        full, short, human, uri = (self.reader.text(item, key, where) for key in
                                   ("fullStatement", "abbreviatedStatement", "humanCodingScheme", "uri"))
        if identifier is None:
            return
        if identifier in self.by_id:
            self.reader.errors.append(f"{where}.identifier: {identifier} is also "
                                      f"CFItems[{self.order[identifier]}]")
            return
        if not (full or short).strip() and all(isinstance(item.get(key) or "", str)
                                               for key in ("fullStatement", "abbreviatedStatement")):
            self.reader.errors.append(f"{where} ({identifier}): fullStatement is missing")
        self.by_id[identifier], self.order[identifier] = item, index
        self.statements[identifier] = (full, short, human)
        if uri:
            by_uri[uri] = identifier

    def _end(self, node: Any, where: str, by_uri: dict[str, str]) -> str | None:
        """A CFAssociation end: a LinkURI object (1.1) or, in some 1.0 exports, a plain URI string."""
        if isinstance(node, dict):
            value = self.reader.text(node, "identifier", where)
            if value:
                return value
            node = self.reader.text(node, "uri", where) or None
        elif node is not None and not isinstance(node, str):
            self.reader.errors.append(f"{where}: must be an object (a LinkURI), not {_kind(node)}")
            return None
        return by_uri.get(node, node) if node else None

    def _association(self, index: int, association: Any, by_uri: dict[str, str]) -> None:
        where = f"CFAssociations[{index}]"
        if not isinstance(association, dict):
            self.reader.errors.append(f"{where}: must be an object, not {_kind(association)}")
            return
        if self.reader.text(association, "associationType", where) != "isChildOf":
            return
        child = self._end(association.get("originNodeURI"), f"{where}.originNodeURI", by_uri)
        parent = self._end(association.get("destinationNodeURI"), f"{where}.destinationNodeURI", by_uri)
        if child not in self.by_id:
            self.reader.errors.append(f"{where}: its child (originNodeURI) {child} is not an item of the "
                                      "package")
            return
        if parent != self.document_id and parent not in self.by_id:
            self.reader.errors.append(f"{where}: the parent (destinationNodeURI) of {child} is {parent}, "
                                      "which is neither the CFDocument nor an item of the package")
            return
        parent = None if parent == self.document_id else parent
        if child in self.parent_of:
            if self.parent_of[child] != parent:
                self.reader.notes.append(f"{child} is a child of more than one node; kept under the first "
                                         "one")
            return
        self.parent_of[child] = parent
        number = association.get("sequenceNumber")
        if isinstance(number, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", number):
            number = int(number)  # some exports write it as text
        if isinstance(number, int | float) and not isinstance(number, bool) and number == number:
            self.sequence[child] = number
        elif number is not None:
            self.reader.errors.append(f"{where}.sequenceNumber: must be a number, not {_kind(number)}")

    def walk(self) -> tuple[list[tuple[str, str | None]], dict[str | None, list[str]]]:
        """(identifier, parent identifier) parents first, in sequence order; and each node's children.
        Iterative: the depth of the tree does not matter. Raises ImportFailed for a loop."""
        children: dict[str | None, list[str]] = defaultdict(list)
        for identifier in self.by_id:
            children[self.parent_of.get(identifier)].append(identifier)  # no isChildOf: top level
        for ids in children.values():
            ids.sort(key=lambda i: (self.sequence.get(i, float("inf")), self.order[i]))
        walk: list[tuple[str, str | None]] = []
        stack: list[tuple[str, str | None]] = [(i, None) for i in reversed(children.get(None, []))]
        while stack:
            identifier, parent = stack.pop()
            walk.append((identifier, parent))
            stack.extend((child, identifier) for child in reversed(children.get(identifier, [])))
        if len(walk) < len(self.by_id):
            reached = {identifier for identifier, _ in walk}
            raise ImportFailed([f"CFAssociations: the isChildOf links of {', '.join(self._loop(reached))} "
                                "form a loop"])
        return walk, children

    def _loop(self, reached: set[str]) -> list[str]:
        """The items of one loop of isChildOf links (every unreached item leads into one)."""
        node = next(identifier for identifier in self.by_id if identifier not in reached)
        path: dict[str, None] = {}
        while node not in path:
            path[node] = None
            node = self.parent_of[node]
        loop = list(path)[list(path).index(node):]
        return sorted(loop, key=self.order.__getitem__)[:5] + (["…"] if len(loop) > 5 else [])


def read_case(data: bytes, *, code: str | None = None, name: str | None = None, version: str | None = None,
              licence: str | None = None) -> tuple[FrameworkModel, list[str]]:
    """A CASE CFPackage as a framework. The package describes no levels, so the framework gets
    DEFAULT_SCALE and generic descriptors marked GENERIC_NOTE. Returns the framework and notes (things
    worth knowing that are not errors). Raises ImportFailed listing every problem."""
    reader = _Reader()
    package = _Package(_load(data), reader)
    document = package.document
    description = reader.text(document, "description", "CFDocument").strip()
    published = (reader.text(document, "version", "CFDocument", numbers=True)
                 or reader.text(document, "lastChangeDateTime", "CFDocument")[:10] or "1")
    licence_uri = document.get("licenseURI")
    document_licence = reader.text(licence_uri, "title", "CFDocument.licenseURI") \
        if isinstance(licence_uri, dict) else ""
    if reader.errors:
        raise ImportFailed(reader.errors)
    if not package.by_id:
        raise ImportFailed(["the package has no CFItems"])
    areas, where = _areas(package)
    framework_code = code or slug(package.title, limit=60).strip("-") or "case-framework"
    if not re.match(LOWER_CODE, framework_code):
        raise ImportFailed([f"--code {framework_code!r}: use lower-case letters, digits and hyphens"])
    description = " ".join(filter(None, [
        description,
        f"Imported from the CASE package {package.document_id}; the package describes no proficiency "
        "levels, so the level descriptors are the generic text of the default scale.",
    ]))
    raw = {"code": framework_code, "name": name or package.title[:200],
           "version": (version or published)[:40],
           "description": description, "licence": licence or document_licence[:60],
           "identifier": package.document_id,
           "scale": [{"level": level, "name": level_name, "description": text}
                     for level, level_name, text in DEFAULT_SCALE],
           "areas": areas}
    return validated(raw, where), reader.notes


def _areas(package: _Package) -> tuple[list[dict], dict[str, str]]:
    """The areas (with their competencies) in walk order, and where each came from in the package."""
    walk, children = package.walk()
    used_codes: dict[str, set[str]] = {"area": set(), "competency": set()}

    def code_for(statement: str, human: str, kind: str) -> str:
        human = human.strip().replace(" ", "-")
        base = human if human and re.match(NODE_CODE, human) else ""
        base = (base or slug(statement, upper=True) or "ITEM")[:110]
        candidate, counter = base, 2
        while candidate in used_codes[kind]:
            candidate, counter = f"{base}-{counter}", counter + 1
        used_codes[kind].add(candidate)
        return candidate

    descriptors = {level: f"{text} {GENERIC_NOTE}" for level, _, text in DEFAULT_SCALE}
    areas: list[dict] = []
    area_of: dict[str | None, int] = {}  # item identifier (None: the document) -> index in areas
    where: dict[str, str] = {}
    for identifier, parent in walk:
        full_text, short_text, human = package.statements[identifier]
        full, short = " ".join(full_text.split()), " ".join(short_text.split())
        name = short or full
        entry = {"name": name if len(name) <= 300 else name[:299] + "…",
                 "description": full if full != name else "", "identifier": identifier}
        origin = f"CFItems[{package.order[identifier]}] ({identifier})"
        if children.get(identifier):
            area_of[identifier] = len(areas)
            where[f"areas[{len(areas)}]"] = origin
            areas.append({"code": code_for(short_text or full_text, human, "area"), **entry,
                          "parent": areas[area_of[parent]]["code"] if parent else None, "competencies": []})
            continue
        if parent is None and None not in area_of:
            # Leaves directly under the document sit in an area standing for the document itself.
            area_of[None] = len(areas)
            areas.append({"code": code_for(package.title, "", "area"), "name": package.title[:300],
                          "identifier": package.document_id, "competencies": []})
        competencies = areas[area_of[parent]]["competencies"]
        where[f"areas[{area_of[parent]}].competencies[{len(competencies)}]"] = origin
        competencies.append({"code": code_for(short_text or full_text, human, "competency"), **entry,
                             "levels": descriptors})
    return areas, where
