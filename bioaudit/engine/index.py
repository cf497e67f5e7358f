"""The project index: the scanned modules, how their imports resolve, and the functions and
classes they define. Built from stdlib `ast` trees, the cheapest tree that answers these
questions (see docs/design-notes.md)."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

MODULE_BODY = "<module>"
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# Fields that never hold child nodes: skipping them makes `children` ~3x cheaper than
# `ast.iter_child_nodes`, which the analysis would otherwise call millions of times.
_SCALAR_FIELDS = frozenset({"ctx", "id", "attr", "arg", "kind", "type_comment", "level", "module", "conversion", "is_async", "name", "op"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: ast.AST) -> list[ast.AST]:
    """The direct child nodes of `node`, in field order (as `ast.iter_child_nodes`)."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _SCALAR_FIELDS)
    out: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            out.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def walk_own(node: ast.AST):
    """The nodes below `node`, not descending into nested functions, classes or lambdas."""
    todo = children(node)
    while todo:
        current = todo.pop()
        yield current
        if not isinstance(current, SCOPES):
            todo.extend(children(current))


@dataclass
class ModuleInfo:
    key: str  # posix path relative to the scan root: unique id of the module
    name: str  # dotted module name from its source root ("pkg.sub.mod")
    tree: ast.Module
    lines: list[str]
    is_package: bool
    source_root: str  # posix dir relative to scan root ("" for the root itself)

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


@dataclass
class FunctionInfo:
    key: str  # "<module key>::<qualname>"
    module: ModuleInfo
    qualname: str  # "Class.method", "func", "<module>", "outer.<locals>.inner"
    node: ast.AST  # FunctionDef/AsyncFunctionDef/Lambda, or the Module for the body
    cls: "ClassInfo | None" = None
    params: list[str] = field(default_factory=list)
    parent: "FunctionInfo | None" = None  # enclosing function for nested defs
    nested: dict[str, "FunctionInfo"] = field(default_factory=dict)

    @property
    def display(self) -> str:
        if self.qualname == MODULE_BODY:
            return f"{self.module.name}"
        return f"{self.module.name}.{self.qualname}"

    @property
    def decorators(self) -> list[ast.expr]:
        return list(getattr(self.node, "decorator_list", []))

    @property
    def syntax(self) -> "Syntax":
        """What one walk over the function's own code finds (computed once)."""
        cached = self.__dict__.get("_syntax")
        if cached is None:
            cached = self.__dict__["_syntax"] = Syntax.of(self.node)
        return cached


@dataclass
class Syntax:
    """Names a function's own code uses, gathered in one walk (nested functions and
    classes excluded): for ordering the analysis and cheap questions about the code."""

    called: set[str]  # last names of called functions and methods
    receivers: set[str]  # names used as call receivers or attribute-store bases, or stored in attributes
    stored: set[str]  # names assigned
    words: set[str]  # names, attributes and short string constants (for vocabulary)
    globals: set[str]  # names declared `global`
    deep: set[tuple[str, str]]  # (root name, last attribute) of chains `root.a.b` (depth 2+)

    @classmethod
    def of(cls, root: ast.AST) -> "Syntax":
        called, receivers, stored, words, globals_, deep = set(), set(), set(), set(), set(), set()
        todo = children(root) if not isinstance(root, ast.Module) else list(root.body)
        while todo:
            node = todo.pop()
            kind = type(node)
            if kind is ast.Call:
                func = node.func
                if isinstance(func, ast.Attribute):
                    called.add(func.attr)
                elif isinstance(func, ast.Name):
                    called.add(func.id)
                while isinstance(func, ast.Attribute):
                    func = func.value
                if isinstance(func, ast.Name):
                    receivers.add(func.id)
            elif kind is ast.Name:
                words.add(node.id)
                if isinstance(node.ctx, ast.Store):
                    stored.add(node.id)
            elif kind is ast.Attribute:
                words.add(node.attr)
                if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
                    receivers.add(node.value.id)
                elif type(node.value) is ast.Attribute:
                    root = node.value.value
                    while type(root) is ast.Attribute:
                        root = root.value
                    if type(root) is ast.Name:
                        deep.add((root.id, node.attr))
            elif kind is ast.Assign and type(node.value) is ast.Name and any(type(t) in (ast.Attribute, ast.Subscript) for t in node.targets):
                # `self.recorder = recorder`, `app["shift"] = shift`: the object kept
                # decides what later calls on it mean, as for a receiver
                receivers.add(node.value.id)
            elif kind is ast.Assign and type(node.value) is ast.Tuple and any(type(t) is ast.Tuple for t in node.targets):
                # `self.repo, self.engine = repo, engine`: the same, pairwise
                for target in node.targets:
                    if type(target) is ast.Tuple and len(target.elts) == len(node.value.elts):
                        receivers.update(v.id for t, v in zip(target.elts, node.value.elts) if type(t) is ast.Attribute and type(v) is ast.Name)
            elif kind is ast.Constant and isinstance(node.value, str) and len(node.value) < 40:
                words.add(node.value)
            elif kind is ast.Global:
                globals_.update(node.names)
            if kind in SCOPES:
                continue
            todo.extend(children(node))
        return cls(called, receivers, stored, words, globals_, deep)


@dataclass
class ClassInfo:
    key: str  # "<module key>::<qualname>"
    module: ModuleInfo
    qualname: str
    node: ast.ClassDef
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    field_calls: dict[str, ast.expr] = field(default_factory=dict)  # class-level `x = Column(...)`


def module_name_for(rel: str, package_dirs: set[str]) -> tuple[str, bool, str]:
    """Dotted name, whether it is a package, and its source root, for a posix relative path.

    Walks up while the directory is a package (has __init__.py), as Python would.
    """
    directory, _, filename = rel.rpartition("/")
    dir_parts = directory.split("/") if directory else []
    is_package = filename == "__init__.py"
    dot = filename.rfind(".")
    stem = filename[:dot] if dot > 0 else filename
    parts = dir_parts if is_package else [*dir_parts, stem]
    # Directories above the file that are packages belong to the dotted name.
    start = len(dir_parts)
    while start > 0 and "/".join(dir_parts[:start]) in package_dirs:
        start -= 1
    name_parts, root_parts = parts[start:], parts[:start]
    name = ".".join(name_parts) or (dir_parts[-1] if dir_parts else "") or "__init__"
    return name, is_package, "/".join(root_parts)


class ProjectIndex:
    def __init__(self) -> None:
        self.modules: dict[str, ModuleInfo] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self._files: set[str] = set()
        self._package_dirs: set[str] = set()
        self._root_package = ""
        self._resolve_cache: dict[tuple[str, str], str | None] = {}

    # -- building -------------------------------------------------------------------------
    def set_files(self, rels: list[str], root_name: str = "") -> None:
        """All project files (parsed or not): module resolution must know them all.
        `root_name`: the scan root directory's name, which absolute imports use when the
        root is itself a package (`bioaudit scan mypkg/`, `from mypkg.db import save`)."""
        self._files = set(rels)
        self._package_dirs = {
            r.rpartition("/")[0] or "." for r in rels if r.rpartition("/")[2] == "__init__.py"
        }
        self._root_package = root_name if "." in self._package_dirs else ""

    def add_module(self, rel: str, tree: ast.Module, lines: list[str]) -> ModuleInfo:
        name, is_package, root = module_name_for(rel, self._package_dirs)
        module = ModuleInfo(rel, name, tree, lines, is_package, root)
        self.modules[rel] = module
        body = FunctionInfo(f"{rel}::{MODULE_BODY}", module, MODULE_BODY, tree)
        self.functions[body.key] = body
        self._collect(module, tree.body, prefix="", cls=None, parent=body)
        return module

    def _collect(self, module, body, prefix, cls, parent) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = f"{prefix}{node.name}"
                info = FunctionInfo(
                    f"{module.key}::{qual}", module, qual, node, cls=cls,
                    params=_param_names(node.args), parent=parent if parent.qualname != MODULE_BODY else None,
                )
                self.functions[info.key] = info
                if cls is not None:
                    cls.methods[node.name] = info
                elif parent.qualname != MODULE_BODY:
                    parent.nested[node.name] = info
                self._collect(module, node.body, f"{qual}.<locals>.", None, info)
            elif isinstance(node, ast.ClassDef):
                qual = f"{prefix}{node.name}"
                cinfo = ClassInfo(f"{module.key}::{qual}", module, qual, node)
                self.classes[cinfo.key] = cinfo
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                        cinfo.field_calls[stmt.targets[0].id] = stmt.value
                    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                        cinfo.field_calls[stmt.target.id] = stmt.value
                self._collect(module, node.body, f"{qual}.", cinfo, parent)
            elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
                self._collect(module, node.body, prefix, cls, parent)
                self._collect(module, getattr(node, "orelse", []), prefix, cls, parent)
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                self._collect(module, node.body, prefix, cls, parent)
                for handler in node.handlers:
                    self._collect(module, handler.body, prefix, cls, parent)
                self._collect(module, node.orelse, prefix, cls, parent)
                self._collect(module, node.finalbody, prefix, cls, parent)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    self._collect(module, case.body, prefix, cls, parent)

    # -- resolution -----------------------------------------------------------------------
    def resolve_import(self, importer: ModuleInfo, name: str, level: int = 0) -> str | None:
        """The module key that `import name` (or a relative import) in `importer` refers
        to, or None when it is not a project module (a library)."""
        cache_key = (importer.key, f"{level}:{name}")
        if cache_key in self._resolve_cache:
            return self._resolve_cache[cache_key]
        result = self._resolve(importer, name, level)
        self._resolve_cache[cache_key] = result
        return result

    def _resolve(self, importer: ModuleInfo, name: str, level: int) -> str | None:
        parts = [p for p in name.split(".") if p]
        if level:
            base = _parent(importer.key)
            for _ in range(level - 1):
                base = _parent(base)
            return self._find(base, parts)
        # Absolute import: the importer's source root, its own directory (scripts that
        # import siblings by bare name), `src/`, the scan root, then every ancestor.
        candidates = [importer.source_root, _parent(importer.key), "src", ""]
        ancestor = _parent(importer.key)
        while ancestor:
            ancestor = _parent(ancestor)
            candidates.append(ancestor)
        seen = set()
        for root in candidates:
            root = "" if root == "." else root
            if root in seen:
                continue
            seen.add(root)
            found = self._find(root, parts)
            if found:
                return found
        if self._root_package and parts and parts[0] == self._root_package:
            return self._find("", parts[1:])
        return None

    def _find(self, root: str, parts: list[str]) -> str | None:
        prefix = f"{root}/" if root else ""
        if not parts:
            init = f"{prefix}__init__.py"
            return init if init in self._files else None
        stem = prefix + "/".join(parts)
        for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
            if candidate in self._files:
                return candidate
        return None

    def is_namespace_dir(self, root: str, parts: list[str]) -> bool:
        prefix = (f"{root}/" if root else "") + "/".join(parts) + "/"
        return any(f.startswith(prefix) for f in self._files)

    def module_class(self, module_key: str, name: str) -> ClassInfo | None:
        return self.classes.get(f"{module_key}::{name}")


def _parent(path: str) -> str:
    """The directory of a posix relative path, "" at the scan root."""
    return path.rpartition("/")[0]


def _param_names(args: ast.arguments) -> list[str]:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append("*" + args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append("**" + args.kwarg.arg)
    return names
