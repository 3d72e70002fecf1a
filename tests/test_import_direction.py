"""The package's layers import downwards only, and above `models/` a model is
asked its kind, not its class.

    bits, checks, figures, private_api, quiet, storage, versions
                           no other module of the package
    bijectors              the TFP pieces
    models                 Keras models around one bijector tree
    data                   data sets and input pipelines
    runtime, job           the training job
    cli, examples          entry points

A module may import its own layer and the layers below it; an import of a
higher layer (anywhere in the module, also inside a function) is a back edge,
and this test names it.
"""

import ast
import os

import tfp_realnvp

PACKAGE = os.path.dirname(os.path.abspath(tfp_realnvp.__file__))
LAYERS = [("bits", "checks", "figures", "private_api", "quiet", "storage",
           "versions"), ("bijectors",), ("models",),
          ("data",), ("runtime", "job"), ("cli", "examples")]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _top(module):
  """'models' for tfp_realnvp.models.image; the lazily exported names of the
  package root (`tfp_realnvp.RealNVP`) count as the module they come from."""
  parts = module.split(".")
  assert parts[0] == "tfp_realnvp", module
  if len(parts) == 1:
    return None
  lazy = tfp_realnvp._LAZY.get(parts[1])  # pylint: disable=protected-access
  return lazy.split(".")[1] if lazy else parts[1]


def _imports(path):
  """Every tfp_realnvp module or name `path` imports."""
  for node in ast.walk(ast.parse(open(path).read())):
    if isinstance(node, ast.Import):
      yield from (a.name for a in node.names if a.name.startswith("tfp_realnvp"))
    elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
        "tfp_realnvp"):
      if node.module == "tfp_realnvp":
        yield from (f"tfp_realnvp.{a.name}" for a in node.names)
      else:
        yield node.module


def _modules():
  for folder, _, files in os.walk(PACKAGE):
    for name in files:
      if name.endswith(".py"):
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, PACKAGE)
        if rel != "__init__.py":
          yield rel, rel.split(os.sep)[0].removesuffix(".py")


def test_every_module_has_a_layer():
  assert {top for _, top in _modules()} == set(RANK)


def test_no_module_imports_a_higher_layer():
  back_edges = []
  for rel, top in _modules():
    for imported in _imports(os.path.join(PACKAGE, rel)):
      target = _top(imported)
      if target is not None and RANK[target] > RANK[top]:
        back_edges.append(f"{rel} imports {imported}")
  assert not back_edges, back_edges


def test_the_check_sees_a_back_edge(tmp_path):
  """Not vacuous: the parser finds a function-level upward import."""
  path = tmp_path / "m.py"
  path.write_text("def f():\n  from tfp_realnvp.data import pipeline\n")
  assert list(_imports(str(path))) == ["tfp_realnvp.data"]
  assert RANK[_top("tfp_realnvp.data")] > RANK["models"]


_PRIVATE = ("keras.src", "tensorflow.python", "tensorflow_probability.python")


def _private_imports(path):
  for node in ast.walk(ast.parse(open(path).read())):
    names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
             [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
    yield from (n for n in names if n.startswith(_PRIVATE))


def test_every_private_api_is_imported_in_one_module():
  found = {rel: list(_private_imports(os.path.join(PACKAGE, rel)))
           for rel, _ in _modules()}
  assert {rel for rel, names in found.items() if names} == {"private_api.py"}


def test_the_config_is_data_and_imports_nothing_of_the_job():
  """job/config.py is the list of settings: it builds and runs nothing, so it
  imports no module of the job that does (run, train, resolve, ...)."""
  imported = set(_imports(os.path.join(PACKAGE, "job", "config.py")))
  assert not {m for m in imported if m.startswith("tfp_realnvp.job")}, imported


def _kind_tests(path):
  """Lines of `path` that test a model's class (isinstance/issubclass of a
  name ending in RealNVP, or any issubclass)."""
  for node in ast.walk(ast.parse(open(path).read())):
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
        node.func.id in ("isinstance", "issubclass")):
      names = {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "")
               for n in ast.walk(node)}
      if node.func.id == "issubclass" or any(
          name.endswith("RealNVP") for name in names):
        yield node.lineno


def test_above_models_a_model_is_asked_its_kind_not_its_class(tmp_path):
  found = [f"{rel}:{line}" for rel, top in _modules()
           if RANK[top] > RANK["models"]
           for line in _kind_tests(os.path.join(PACKAGE, rel))]
  assert not found, ("test the model's `kind` (models/kinds.py), not its "
                     f"class: {found}")
  path = tmp_path / "m.py"  # not vacuous
  path.write_text("def f(m):\n  return isinstance(m, RealNVP)\n")
  assert list(_kind_tests(str(path))) == [2]


def test_no_module_over_300_lines_and_no_function_over_60():
  too_long = []
  for rel, _ in _modules():
    source = open(os.path.join(PACKAGE, rel)).read()
    if source.count("\n") > 300:
      too_long.append(f"{rel}: {source.count(chr(10))} lines")
    for node in ast.walk(ast.parse(source)):
      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
          node.end_lineno - node.lineno + 1 > 60):
        too_long.append(f"{rel}:{node.lineno} {node.name}")
  assert not too_long, too_long
