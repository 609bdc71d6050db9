"""The modules of ram/ import each other without a cycle, counting imports inside functions too."""
import ast
import pathlib

import helpers

ROOT = pathlib.Path(helpers.ROOT)


def module_name(path, root):
    """ram/datasets/mnist.py -> ram.datasets.mnist, ram/__init__.py -> ram."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(name, path, modules):
    """The modules of `modules` that module `name` (the file at `path`) imports anywhere in it (top
    level, in functions), by `import ram.x`, `from ram.x import y`, `from .x import y` or `from . import
    x`. A module's own package, which Python imports first, is no edge; nor are importlib look-ups by a
    computed name (`ram.datasets.get`, `ram`'s lazy names), which no import statement shows."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            if node.module:
                found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # submodules named in the import
    return {m for m in found if m in modules and m != name}


def import_graph(root=ROOT):
    """{module of ram/: the modules of ram/ it imports}."""
    paths = {module_name(p, root): p for p in (root / "ram").rglob("*.py")}
    return {name: imported_modules(name, path, paths) for name, path in paths.items()}


def cycles(graph):
    """Every cycle found by a depth-first walk, each as the list of modules around it."""
    found, state = [], {}  # state: 1 on the current path, 2 done

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2
    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_ram_has_no_import_cycle():
    graph = import_graph()
    assert {"ram", "ram.cli", "ram.results", "ram.training", "ram.datasets.mnist"} <= set(graph)
    assert "ram.files" in graph["ram.results"] and "ram.errors" in graph["ram.config"]  # edges are seen
    assert cycles(graph) == [], " ; ".join(" -> ".join(c) for c in cycles(graph))


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "ram").mkdir()
    (tmp_path / "ram" / "__init__.py").write_text("")
    (tmp_path / "ram" / "a.py").write_text("from . import b\n")
    (tmp_path / "ram" / "b.py").write_text("def f():\n    from .c import g\n")
    (tmp_path / "ram" / "c.py").write_text("import ram.a\n")
    assert cycles(import_graph(tmp_path)) == [["ram.a", "ram.b", "ram.c", "ram.a"]]
