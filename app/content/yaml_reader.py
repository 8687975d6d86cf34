"""Reading one YAML content file safely: a SafeLoader that refuses a key given twice, and refuses a file
whose aliases would expand it beyond MAX_NODES nodes ("billion laughs") or that nests deeper than
MAX_DEPTH, before anything is built from it. Both limits sit far above any real content file (the
bundled ones have no aliases, a few thousand nodes and a depth under 10)."""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_NODES = 200_000  # nodes once every alias is expanded
MAX_DEPTH = 100

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentYAMLError(yaml.YAMLError):
    """A file too large or too deep once its aliases are expanded; ``problem_mark`` says where."""

    def __init__(self, problem: str, mark) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


def check_size(events) -> int:
    """How many values a YAML event stream stands for with every alias expanded (each use of an anchor
    counts its whole value), in one pass without recursion, so a deep or alias-bombed file is refused
    before anything is built from it. Raises ContentYAMLError past MAX_NODES or MAX_DEPTH, or for an
    alias inside its own anchor."""
    sizes: dict[str, int] = {}  # anchor -> expanded size of its value
    open_: list[list] = []      # [size so far, anchor] of each collection being read
    total = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            open_.append([1, event.anchor])
            if len(open_) > MAX_DEPTH:
                raise ContentYAMLError(f"values nest more than {MAX_DEPTH} levels deep", event.start_mark)
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            size, anchor = open_.pop()
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for _, anchor in open_):
                raise ContentYAMLError("an alias (*name) refers to the value that contains it",
                                       event.start_mark)
            size, anchor = sizes.get(event.anchor, 1), None
        elif isinstance(event, yaml.ScalarEvent):
            size, anchor = 1, event.anchor
        else:
            continue  # stream and document events
        if anchor is not None:
            sizes[anchor] = size
        if open_:
            open_[-1][0] += size
        total += 0 if open_ else size
        if (open_[-1][0] if open_ else total) > MAX_NODES:
            raise ContentYAMLError(f"the file expands to more than {MAX_NODES:,} values through its "
                                   "aliases (*name): write the values out, or use fewer aliases",
                                   event.start_mark)
    return total


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML that refuses a key given twice in one mapping (PyYAML keeps the last one silently)."""


def _construct_mapping(loader, node, deep=False):
    seen: dict = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark,
                f"found the key {key!r} twice (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path):
    """Parse one YAML file, once its size and depth are checked (the C parser reads events without
    recursion; building nodes from a very deep file would not). Raises yaml.YAMLError (with a mark)
    or UnicodeDecodeError."""
    data = path.read_bytes()
    check_size(yaml.parse(data, Loader=_BaseLoader))
    return yaml.load(data, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass


def yaml_error(exc: yaml.YAMLError) -> tuple[str, str]:
    """(where, reason) of a YAML error: ``line 3, column 5`` and what is wrong."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    if problem.startswith("found the key") or isinstance(exc, ContentYAMLError):
        return where, problem
    context = getattr(exc, "context", None)
    return where, f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
